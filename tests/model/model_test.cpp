#include "narformer/model/narformer_model.h"

#include <gtest/gtest.h>

#include "narformer/cells/nb101.h"
#include "narformer/cells/nb201.h"
#include "narformer/core/error.h"
#include "narformer/data/batch.h"
#include "narformer/tokenize/cell_tokenizer.h"

namespace narformer {
namespace {

ModelOptions nb201_options() { return ModelOptions{}; }  // published NB201 configuration

TEST(Model, ParameterCountsMatchAppendixB) {
  torch::manual_seed(0);
  EXPECT_EQ(NarFormerModel(nb201_options())->parameter_count(), 8582535);
  EXPECT_EQ(NarFormerModel(ModelOptions::nnlqp_latency())->parameter_count(), 2310921);
}

TEST(Model, GroupedLinearXavierBoundsMatchReference) {
  torch::manual_seed(0);
  GroupedLinear up(512, 2048, 8), down(2048, 512, 8);
  EXPECT_LE(up->weight.abs().max().item<double>(), 0.018042 + 1e-6);
  EXPECT_GT(up->weight.abs().max().item<double>(), 0.0180);
  EXPECT_LE(down->weight.abs().max().item<double>(), 0.018844 + 1e-6);
  EXPECT_GT(down->weight.abs().max().item<double>(), 0.0188);
}

TEST(Model, OutputsArePositive) {
  torch::manual_seed(1);
  NarFormerModel model(ModelOptions::nnlqp_latency());
  model->eval();
  TokenSequence t;
  t.num_nodes = 5;
  t.feature_dim = 152;
  t.features.assign(5 * 152, 0.3f);
  t.edges = {{0, 1}, {1, 2}, {2, 3}, {3, 4}};
  t.static_features.assign(40, 0.5f);
  const torch::Tensor y = model->forward(to_tensors(collate({&t}), torch::kCPU));
  ASSERT_EQ(y.sizes(), torch::IntArrayRef({1}));
  EXPECT_GT(y.item<float>(), 0.0f);
}

/// A padded batch must give every sample exactly what it gets alone.
void expect_batch_equals_singles(const ModelOptions& options, const std::vector<TokenSequence>& samples) {
  torch::manual_seed(3);
  NarFormerModel model(options);
  model->eval();
  torch::NoGradGuard no_grad;
  std::vector<const TokenSequence*> pointers;
  for (const auto& s : samples) pointers.push_back(&s);
  const torch::Tensor batched = model->forward(to_tensors(collate(pointers), torch::kCPU));
  const torch::Tensor embedded = model->embed(to_tensors(collate(pointers), torch::kCPU));
  for (size_t i = 0; i < samples.size(); ++i) {
    const torch::Tensor alone = model->forward(to_tensors(collate({&samples[i]}), torch::kCPU));
    const torch::Tensor alone_embedding = model->embed(to_tensors(collate({&samples[i]}), torch::kCPU));
    EXPECT_NEAR(batched[static_cast<int64_t>(i)].item<float>(), alone[0].item<float>(), 1e-5) << "sample " << i;
    EXPECT_LT((embedded[static_cast<int64_t>(i)] - alone_embedding[0]).abs().max().item<float>(), 1e-5);
  }
}

TEST(Model, PaddedCellBatchEqualsEachCellAlone) {
  const CellTokenizer tokenizer{CellTokenizerOptions{}};
  std::vector<TokenSequence> cells;
  cells.push_back(tokenizer.tokenize(to_graph(make_nb101_cell({{0, 1, 0}, {0, 0, 1}, {0, 0, 0}},
                                                              {"input", "maxpool3x3", "output"}))));
  cells.push_back(tokenizer.tokenize(to_graph(parse_nb101_cell(
      "0100110001000000010010000010000001000000010000000",
      "input|conv3x3-bn-relu|maxpool3x3|conv3x3-bn-relu|conv3x3-bn-relu|conv1x1-bn-relu|output"))));
  cells.push_back(tokenizer.tokenize(to_graph(make_nb101_cell(
      {{0, 1, 1, 0, 0}, {0, 0, 0, 1, 0}, {0, 0, 0, 1, 0}, {0, 0, 0, 0, 1}, {0, 0, 0, 0, 0}},
      {"input", "conv1x1-bn-relu", "conv3x3-bn-relu", "maxpool3x3", "output"}))));
  ModelOptions small;
  small.hidden = 64;
  small.ffn_hidden = 256;
  small.blocks = 3;
  expect_batch_equals_singles(small, cells);
}

TEST(Model, PaddedGraphBatchEqualsEachGraphAloneWithSumReadout) {
  std::vector<TokenSequence> graphs;
  for (int n : {3, 9, 6}) {
    TokenSequence t;
    t.num_nodes = n;
    t.feature_dim = 16;
    for (int i = 0; i < n * 16; ++i) t.features.push_back(std::sin(0.37f * static_cast<float>(i + n)));
    for (int i = 0; i + 1 < n; ++i) t.edges.emplace_back(i, i + 1);
    t.static_features = {0.1f * n, 0.2f, 0.3f, 0.4f};
    graphs.push_back(t);
  }
  ModelOptions o;
  o.input_dim = 16;
  o.static_dim = 4;
  o.hidden = 32;
  o.ffn_hidden = 64;
  o.blocks = 2;
  o.readout = Readout::kSum;
  expect_batch_equals_singles(o, graphs);
}

}  // namespace
}  // namespace narformer

namespace narformer {
namespace {

// Issue 6: a padded 5-vertex NB101 cell predicts the same alone and among 7-vertex cells.
TEST(Model, FiveVertexCellAloneEqualsInsideBatchOfSevenVertexCells) {
  const CellTokenizer tokenizer{CellTokenizerOptions{}};
  const TokenSequence five = tokenizer.tokenize(to_graph(make_nb101_cell(
      {{0, 1, 1, 0, 0}, {0, 0, 0, 1, 0}, {0, 0, 0, 1, 1}, {0, 0, 0, 0, 1}, {0, 0, 0, 0, 0}},
      {"input", "conv1x1-bn-relu", "conv3x3-bn-relu", "maxpool3x3", "output"})));
  const TokenSequence seven_a = tokenizer.tokenize(
      to_graph(parse_nb101_cell("0100110001000000010010000010000001000000010000000", "input|conv3x3-bn-relu|maxpool3x3|conv3x3-bn-relu|conv3x3-bn-relu|conv1x1-bn-relu|output")));
  const TokenSequence seven_b = tokenizer.tokenize(
      to_graph(parse_nb101_cell("0110000000100000001000000010000001000000010000000", "input|conv1x1-bn-relu|conv3x3-bn-relu|maxpool3x3|conv3x3-bn-relu|conv1x1-bn-relu|output")));
  ASSERT_EQ(five.num_nodes, 5);
  ASSERT_EQ(seven_a.num_nodes, 7);
  ASSERT_EQ(seven_b.num_nodes, 7);

  torch::manual_seed(7);
  NarFormerModel model(ModelOptions{});  // the published 6 x 512 model, fusion readout
  model->eval();
  torch::NoGradGuard no_grad;
  const float alone = model->forward(to_tensors(collate({&five}), torch::kCPU))[0].item<float>();
  const torch::Tensor batch = model->forward(to_tensors(collate({&seven_a, &five, &seven_b}), torch::kCPU));
  EXPECT_NEAR(batch[1].item<float>(), alone, 1e-5);
  // and the neighbours really are different cells
  EXPECT_GT(std::abs(batch[0].item<float>() - batch[1].item<float>()), 1e-6);
}

}  // namespace
}  // namespace narformer

namespace narformer {
namespace {

/// Chains of n nodes with deterministic features and node costs.
std::vector<TokenSequence> graphs_with_costs(std::initializer_list<int> sizes) {
  std::vector<TokenSequence> graphs;
  for (int n : sizes) {
    TokenSequence t;
    t.num_nodes = n;
    t.feature_dim = 16;
    for (int i = 0; i < n * 16; ++i) t.features.push_back(std::sin(0.29f * static_cast<float>(i + 3 * n)));
    for (int i = 0; i + 1 < n; ++i) t.edges.emplace_back(i, i + 1);
    for (int i = 0; i < n; ++i) {
      float row[kNodeCostDims] = {};
      row[i % 2 == 0 ? kSpatialConvGflop : kGroupedConvGflop] = 0.01f * static_cast<float>(i + n);
      row[kOutputMelem] = 0.02f * static_cast<float>(n - i);
      row[kConstantMelem] = 0.005f * static_cast<float>(i);
      row[i % 3 == 0 ? kOtherOperator : kLibraryCall] = 1.0f;
      t.node_costs.insert(t.node_costs.end(), row, row + kNodeCostDims);
    }
    graphs.push_back(t);
  }
  return graphs;
}

/// Rates for every node-cost column: `compute` ms per GFLOP, `memory` per M elements, `call`
/// per node.
CostRates rates_of(double compute, double memory, double call) {
  CostRates r{};
  for (int c : {kSpatialConvGflop, kPointwiseConvGflop, kGroupedConvGflop, kMatMulGflop, kPoolWindowGiga}) r[c] = compute;
  r[kOutputMelem] = r[kConstantMelem] = memory;
  r[kLibraryCall] = r[kOtherOperator] = call;
  r[kGroupedConvGflop] *= 3;  // a different rate for each column the graphs use
  r[kConstantMelem] *= 0.5;
  r[kOtherOperator] *= 0.25;
  return r;
}

ModelOptions small_cost_options() {
  ModelOptions o;
  o.input_dim = 16;
  o.hidden = 32;
  o.ffn_hidden = 64;
  o.blocks = 2;
  o.readout = Readout::kCost;
  return o;
}

TEST(Model, CostReadoutStartsAtTheFittedLinearModel) {
  torch::manual_seed(5);
  const std::vector<TokenSequence> graphs = graphs_with_costs({3, 7});
  NarFormerModel model(small_cost_options());
  const CostRates rates = rates_of(9.0, 0.3, 0.02);
  model->set_cost_rates({rates});
  model->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor y = model->forward(to_tensors(collate({&graphs[0], &graphs[1]}), torch::kCPU));
  for (int64_t i = 0; i < 2; ++i)
    EXPECT_NEAR(y[i].item<double>(), linear_cost_prediction(graphs[static_cast<size_t>(i)], rates), 1e-5);
}

TEST(Model, CostReadoutPicksEachItemsPlatformRates) {
  torch::manual_seed(5);
  const std::vector<TokenSequence> graphs = graphs_with_costs({4, 4});
  ModelOptions o = small_cost_options();
  o.num_heads = 2;
  NarFormerModel model(o);
  const CostRates fast = rates_of(1.0, 0.1, 0.001), slow = rates_of(10.0, 1.0, 0.01);
  model->set_cost_rates({fast, slow});
  EXPECT_THROW(model->set_cost_rates({fast}), ConfigError);
  model->eval();
  torch::NoGradGuard no_grad;
  PaddedBatch batch = collate({&graphs[0], &graphs[1]});
  batch.head_index = {1, 0};
  const torch::Tensor y = model->forward(to_tensors(std::move(batch), torch::kCPU));
  EXPECT_NEAR(y[0].item<double>(), linear_cost_prediction(graphs[0], slow), 1e-4);
  EXPECT_NEAR(y[1].item<double>(), linear_cost_prediction(graphs[1], fast), 1e-5);
}

TEST(Model, PaddedGraphBatchEqualsEachGraphAloneWithCostReadout) {
  // Trained a little first: at initialisation every correction is exactly 1.
  torch::manual_seed(6);
  const std::vector<TokenSequence> graphs = graphs_with_costs({3, 9, 6});
  NarFormerModel model(small_cost_options());
  model->set_cost_rates({rates_of(9.0, 0.3, 0.02)});
  torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(1e-2));
  const torch::Tensor targets = torch::tensor({0.5f, 3.0f, 1.0f});
  for (int step = 0; step < 5; ++step) {
    adam.zero_grad();
    const torch::Tensor y = model->forward(to_tensors(collate({&graphs[0], &graphs[1], &graphs[2]}), torch::kCPU));
    ((y / targets - 1).pow(2).mean()).backward();
    adam.step();
  }
  model->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor batched = model->forward(to_tensors(collate({&graphs[0], &graphs[1], &graphs[2]}), torch::kCPU));
  for (size_t i = 0; i < graphs.size(); ++i) {
    const torch::Tensor alone = model->forward(to_tensors(collate({&graphs[i]}), torch::kCPU));
    EXPECT_NEAR(batched[static_cast<int64_t>(i)].item<float>(), alone[0].item<float>(), 1e-5) << "graph " << i;
    EXPECT_GT(std::abs(alone[0].item<double>() - linear_cost_prediction(graphs[i], rates_of(9.0, 0.3, 0.02))), 1e-4);
  }
}

TEST(Model, CostReadoutNeedsNodeCosts) {
  NarFormerModel model(small_cost_options());
  TokenSequence t = graphs_with_costs({3})[0];
  t.node_costs.clear();
  EXPECT_THROW(model->forward(to_tensors(collate({&t}), torch::kCPU)), ConfigError);
}

}  // namespace
}  // namespace narformer
