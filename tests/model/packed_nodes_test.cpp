// model.packing: the encoder on a batch's real nodes only gives the padded encoder's numbers
// (on the CPU with attention on the batch's edge list, model/attention.h).
#include "narformer/model/packed_nodes.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "chain_graphs.h"
#include "narformer/data/batch.h"
#include "narformer/model/dropout.h"
#include "narformer/model/narformer_model.h"

namespace narformer {
namespace {

/// Graphs of the given sizes: a chain with skip edges, deterministic features.
std::vector<TokenSequence> graphs_of(std::initializer_list<int> sizes) {
  std::vector<TokenSequence> graphs;
  for (int n : sizes) {
    TokenSequence t = testing::chain_graph(n, 0.41f, 5, /*skip=*/3);
    t.static_features = {0.01f * n, 0.2f, -0.3f, 0.4f};
    graphs.push_back(t);
  }
  return graphs;
}

std::vector<const TokenSequence*> pointers(const std::vector<TokenSequence>& items) {
  std::vector<const TokenSequence*> out;
  for (const auto& t : items) out.push_back(&t);
  return out;
}

ModelOptions small_options(NodePacking packing, const ReadoutSpec& readout) {
  ModelOptions o;
  o.input_dim = 16;
  o.static_dim = 4;
  o.hidden = 32;
  o.ffn_hidden = 64;
  o.ffn_groups = 4;
  o.blocks = 3;
  o.dropout = 0.2;
  o.readout = &readout;
  o.packing = packing;
  return o;
}

double max_relative_difference(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a - b).abs().max() / b.abs().max().clamp_min(1e-12)).item<double>();
}

/// Training forward (dropout on), backward of a weighted sum: outputs and gradients.
std::pair<torch::Tensor, std::vector<torch::Tensor>> training_step(NarFormerModel& model,
                                                                   PaddedBatch batch) {
  model->train();
  model->zero_grad();
  torch::manual_seed(11);  // the dropout masks' seed
  const torch::Tensor y = model->forward(to_tensors(std::move(batch), torch::kCPU));
  (y * torch::linspace(1, 2, y.size(0))).sum().backward();
  std::vector<torch::Tensor> grads;
  for (const auto& p : model->parameters()) grads.push_back(p.grad().clone());
  return {y.detach(), grads};
}

TEST(Packing, PackedTrainingStepEqualsThePaddedOne) {
  const std::vector<TokenSequence> graphs = graphs_of({20, 37, 29, 41, 18});
  for (const ReadoutSpec* readout : {&sum_readout(), &fusion_readout()}) {
    torch::manual_seed(2);
    NarFormerModel padded(small_options(NodePacking::kPadded, *readout));
    torch::manual_seed(2);
    NarFormerModel packed(small_options(NodePacking::kPacked, *readout));
    const auto [y_padded, g_padded] = training_step(padded, collate(pointers(graphs)));
    const auto [y_packed, g_packed] = training_step(packed, collate(pointers(graphs)));
    EXPECT_LT(max_relative_difference(y_packed, y_padded), 1e-5) << readout->name;
    ASSERT_EQ(g_padded.size(), g_packed.size());
    // Gradients sum over the nodes in another order (edge list against dense products): float
    // rounding reaches 2e-5 of a parameter's largest gradient; a wrong neighbour would be O(1).
    for (size_t k = 0; k < g_padded.size(); ++k)
      EXPECT_LT(max_relative_difference(g_packed[k], g_padded[k]), 1e-4)
          << readout->name << " parameter " << k;
    // Dropout really was on: another mask seed changes the output.
    packed->train();
    torch::manual_seed(12);
    const torch::Tensor other = packed->forward(to_tensors(collate(pointers(graphs)), torch::kCPU));
    EXPECT_GT(max_relative_difference(other.detach(), y_packed), 1e-4);
  }
}

TEST(Packing, AShareOfAPackedBatchGetsTheWholeBatchsMasks) {
  // Data-parallel training: a rank computes rows {1, 3} of a batch of 5, padded as the whole.
  const std::vector<TokenSequence> graphs = graphs_of({20, 37, 29, 41, 18});
  torch::manual_seed(2);
  NarFormerModel whole_model(small_options(NodePacking::kPadded, sum_readout()));
  torch::manual_seed(2);
  NarFormerModel share_model(small_options(NodePacking::kPacked, sum_readout()));
  const auto [whole, unused] = training_step(whole_model, collate(pointers(graphs)));
  ScopedBatchRows rows(BatchRows{{1, 3}, 5});
  const auto [share, unused_share] =
      training_step(share_model, collate({&graphs[1], &graphs[3]}, /*min_nodes=*/41));
  EXPECT_LT(max_relative_difference(share, whole.index_select(0, torch::tensor({1, 3}))), 1e-5);
}

torch::Tensor mask_of(std::initializer_list<int> sizes, int padded_to) {
  torch::Tensor mask = torch::zeros({static_cast<int64_t>(sizes.size()), padded_to});
  int64_t b = 0;
  for (int n : sizes) mask[b++].narrow(0, 0, n).fill_(1);
  return mask;
}

TEST(Packing, AutoPacksLargeGraphsWithMuchPaddingOnly) {
  EXPECT_FALSE(PackedNodes(mask_of({5, 7, 6, 7}, 7)).worth_it(NodePacking::kAuto));  // cells
  EXPECT_TRUE(PackedNodes(mask_of({100, 175, 130}, 175)).worth_it(NodePacking::kAuto));
  EXPECT_FALSE(PackedNodes(mask_of({150, 150}, 150)).worth_it(NodePacking::kAuto));  // no padding
  EXPECT_FALSE(PackedNodes(mask_of({90}, 90)).worth_it(NodePacking::kAuto));         // one graph
  EXPECT_TRUE(PackedNodes(mask_of({5, 7}, 7)).worth_it(NodePacking::kPacked));
  EXPECT_FALSE(PackedNodes(mask_of({100, 175}, 175)).worth_it(NodePacking::kPadded));
  // The shape alone rules out cells and single graphs, before any mask is read.
  EXPECT_FALSE(PackedNodes::may_pack(NodePacking::kAuto, mask_of({5, 7, 6, 7}, 7)));
  EXPECT_FALSE(PackedNodes::may_pack(NodePacking::kAuto, mask_of({90}, 90)));
  EXPECT_TRUE(PackedNodes::may_pack(NodePacking::kAuto, mask_of({100, 175, 130}, 175)));
  EXPECT_TRUE(PackedNodes::may_pack(NodePacking::kPacked, mask_of({5, 7}, 7)));
  EXPECT_FALSE(PackedNodes::may_pack(NodePacking::kPadded, mask_of({100, 175}, 175)));
}

TEST(Packing, PackAndUnpackKeepRealNodesAndZeroThePadding) {
  const torch::Tensor mask = mask_of({2, 4, 1}, 4);
  const PackedNodes nodes(mask);
  EXPECT_EQ(nodes.total(), 7);
  EXPECT_EQ(nodes.sizes(), (std::vector<int64_t>{2, 4, 1}));
  const torch::Tensor x = torch::arange(3 * 4 * 2, torch::kFloat32).view({3, 4, 2}) + 1;
  const torch::Tensor packed = nodes.pack(x);
  ASSERT_EQ(packed.sizes(), (std::vector<int64_t>{7, 2}));
  EXPECT_TRUE(torch::equal(packed[2], x[1][0]));  // graph 1 starts after graph 0's two nodes
  EXPECT_TRUE(torch::equal(nodes.unpack(packed), x * mask.unsqueeze(-1)));
  // A mask whose real nodes are not each graph's first ones cannot be packed.
  torch::Tensor holes = mask.clone();
  holes[0][3] = 1;
  EXPECT_THROW(PackedNodes{holes}, std::logic_error);
}

TEST(Packing, OnTheCpuNeighbourhoodsAreTheEdgeListInPackedIndices) {
  const std::vector<TokenSequence> graphs = graphs_of({6, 9});
  const BatchTensors batch = to_tensors(collate(pointers(graphs)), torch::kCPU);
  const PackedNodes nodes(batch.mask);
  const Neighbourhoods edges = nodes.neighbourhoods(batch.adjacency);
  ASSERT_TRUE(edges.packed() && edges.edge_list());
  // Each undirected edge is two entries; graph 1's nodes are packed after graph 0's six.
  const int64_t entries = 2 * static_cast<int64_t>(graphs[0].edges.size() + graphs[1].edges.size());
  EXPECT_EQ(edges.edge_rows.numel(), entries);
  EXPECT_EQ(edges.edge_values.sum().item<double>(), static_cast<double>(entries));
  const auto [i0, j0] = graphs[1].edges.front();
  const torch::Tensor forward = (edges.edge_rows == 6 + i0) & (edges.edge_cols == 6 + j0);
  const torch::Tensor backward = (edges.edge_rows == 6 + j0) & (edges.edge_cols == 6 + i0);
  EXPECT_EQ(forward.sum().item<int64_t>(), 1);
  EXPECT_EQ(backward.sum().item<int64_t>(), 1);
  // No entry joins the two graphs.
  EXPECT_TRUE(torch::equal(edges.edge_rows < 6, edges.edge_cols < 6));
}

}  // namespace
}  // namespace narformer
