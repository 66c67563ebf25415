#include "narformer/model/narformer_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "chain_graphs.h"
#include "narformer/cells/nb101.h"
#include "narformer/cells/nb201.h"
#include "narformer/core/error.h"
#include "narformer/data/batch.h"
#include "narformer/model/dropout.h"
#include "narformer/tokenize/cell_tokenizer.h"

namespace narformer {
namespace {

ModelOptions nb201_options() {
  return ModelOptions{};
}  // published NB201 configuration

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

// One block, two features, three nodes in a chain, every weight set by hand: the model's output
// against the same formulas written out in double-precision loops here (not the model's code).
namespace by_hand {

using Vec = std::vector<double>;
using Mat = std::vector<Vec>;  // rows

Vec affine(const Mat& w, const Vec& b, const Vec& x) {  // torch::nn::Linear: W x + b
  Vec y(w.size(), 0.0);
  for (size_t i = 0; i < w.size(); ++i) {
    y[i] = b.empty() ? 0.0 : b[i];
    for (size_t j = 0; j < x.size(); ++j) y[i] += w[i][j] * x[j];
  }
  return y;
}
Vec relu(Vec x) {
  for (double& v : x) v = std::max(0.0, v);
  return x;
}
double sigmoid(double v) {
  return 1.0 / (1.0 + std::exp(-v));
}
Vec flat(const Mat& m) {  // row-major, as LibTorch stores a (rows, columns) weight
  Vec out;
  for (const Vec& row : m) out.insert(out.end(), row.begin(), row.end());
  return out;
}
Vec layer_norm(const Vec& x, const Vec& gamma, const Vec& beta) {
  double mean = 0, var = 0;
  for (double v : x) mean += v / static_cast<double>(x.size());
  for (double v : x) var += (v - mean) * (v - mean) / static_cast<double>(x.size());
  Vec y(x.size());
  for (size_t i = 0; i < x.size(); ++i)
    y[i] = (x[i] - mean) / std::sqrt(var + 1e-5) * gamma[i] + beta[i];
  return y;
}

}  // namespace by_hand

TEST(Model, OneBlockOnThreeNodesEqualsTheFormulasByHand) {
  using namespace by_hand;
  ModelOptions options;  // two features everywhere, one block, one group, no degree gate or dropout
  options.input_dim = options.hidden = options.ffn_hidden = 2;
  options.ffn_groups = options.blocks = 1;
  options.use_degree = false;
  options.dropout = 0;
  options.readout = &sum_readout();
  NarFormerModel model(options);
  model->eval();

  const Mat w_qk = {{0.5, -0.3}, {0.2, 0.8}}, w_n = {{1.0, 0.4}, {-0.6, 0.9}},
            w_r = {{0.3, 0.0}, {0.1, -0.5}};
  const Vec b_qk = {0.1, -0.2}, b_n = {0.05, 0.3};
  const Vec norm_g = {1.2, 0.7}, norm_b = {0.1, -0.1};
  const Mat w_up = {{0.4, -0.7}, {0.9, 0.2}}, w_down = {{-0.3, 0.6}, {0.5, 0.5}};  // grouped: x · W
  const Vec b_up = {0.2, -0.1}, b_down = {0.0, 0.4}, up_g = {0.8, 1.1}, up_b = {0.0, 0.2},
            down_g = {0.9, 1.3}, down_b = {-0.2, 0.1}, layer_scale = {0.5, 0.25};
  const Mat w1 = {{0.7, -0.2}, {0.3, 0.6}}, w2 = {{-0.4, 0.9}, {0.8, 0.1}}, w_out = {{0.6, -1.1}};
  const Vec b1 = {0.1, 0.0}, b2 = {0.0, -0.05}, b_out = {0.2};

  const std::map<std::string, Vec> values = {
      {"encoder.block0.attention.query_key.weight", flat(w_qk)},
      {"encoder.block0.attention.query_key.bias", b_qk},
      {"encoder.block0.attention.neighbour.weight", flat(w_n)},
      {"encoder.block0.attention.neighbour.bias", b_n},
      {"encoder.block0.attention.root.weight", flat(w_r)},
      {"encoder.block0.norm.weight", norm_g},
      {"encoder.block0.norm.bias", norm_b},
      {"encoder.block0.ffn.up.weight", flat(w_up)},
      {"encoder.block0.ffn.up.bias", b_up},
      {"encoder.block0.ffn.up.norm.weight", up_g},
      {"encoder.block0.ffn.up.norm.bias", up_b},
      {"encoder.block0.ffn.down.weight", flat(w_down)},
      {"encoder.block0.ffn.down.bias", b_down},
      {"encoder.block0.ffn.down.norm.weight", down_g},
      {"encoder.block0.ffn.down.norm.bias", down_b},
      {"encoder.block0.layer_scale", layer_scale},
      {"head1.weight", flat(w1)},
      {"head1.bias", b1},
      {"head2.weight", flat(w2)},
      {"head2.bias", b2},
      {"head_out.weight", flat(w_out)},
      {"head_out.bias", b_out},
  };
  {
    torch::NoGradGuard no_grad;
    size_t set = 0;
    for (auto& item : model->named_parameters()) {
      const auto it = values.find(item.key());
      ASSERT_NE(it, values.end()) << "no value by hand for " << item.key();
      ASSERT_EQ(item.value().numel(), static_cast<int64_t>(it->second.size())) << item.key();
      const std::vector<float> v(it->second.begin(), it->second.end());
      item.value().copy_(torch::tensor(v).view(item.value().sizes()));
      ++set;
    }
    ASSERT_EQ(set, values.size());
  }

  const Mat x = {{1.0, 0.5}, {-0.5, 2.0}, {0.25, -1.0}};
  const std::vector<std::pair<int, int>> edges = {{0, 1}, {1, 2}};
  TokenSequence t;
  t.num_nodes = 3;
  t.feature_dim = 2;
  for (const Vec& row : x) t.features.insert(t.features.end(), row.begin(), row.end());
  for (const auto& [a, b] : edges) t.edges.emplace_back(a, b);
  const double model_output = model->forward(to_tensors(collate({&t}), torch::kCPU)).item<double>();

  // Attention over neighbours (no self-loops): scores q_i·q_j / sqrt(2), normalised per row.
  Mat adjacency(3, Vec(3, 0.0));
  for (const auto& [a, b] : edges) adjacency[a][b] = adjacency[b][a] = 1.0;
  Mat q(3);
  for (int i = 0; i < 3; ++i) {
    q[i] = affine(w_qk, b_qk, x[i]);
    for (double& v : q[i]) v = sigmoid(v);
  }
  Vec graph = {0.0, 0.0};
  for (int i = 0; i < 3; ++i) {
    Vec scores(3, 0.0);
    double total = 0;
    for (int j = 0; j < 3; ++j) {
      scores[j] = (q[i][0] * q[j][0] + q[i][1] * q[j][1]) / std::sqrt(2.0) * adjacency[i][j];
      total += scores[j];
    }
    Vec mixed = {0.0, 0.0};
    for (int j = 0; j < 3; ++j)
      for (int c = 0; c < 2; ++c) mixed[c] += scores[j] / (total + 1e-6) * x[j][c];
    Vec h = affine(w_n, b_n, mixed);
    const Vec root = affine(w_r, {}, x[i]);
    for (int c = 0; c < 2; ++c) h[c] += root[c];
    const double norm = std::max(std::hypot(h[0], h[1]), 1e-12);
    for (double& v : h) v /= norm;
    h = relu(h);
    // Grouped feed-forward (one group): x · W + b, LayerNorm, ReLU; then the same down.
    const Vec n = layer_norm(h, norm_g, norm_b);
    Vec up = {b_up[0] + n[0] * w_up[0][0] + n[1] * w_up[1][0],
              b_up[1] + n[0] * w_up[0][1] + n[1] * w_up[1][1]};
    up = relu(layer_norm(up, up_g, up_b));
    Vec down = {b_down[0] + up[0] * w_down[0][0] + up[1] * w_down[1][0],
                b_down[1] + up[0] * w_down[0][1] + up[1] * w_down[1][1]};
    down = layer_norm(down, down_g, down_b);
    for (int c = 0; c < 2; ++c) graph[c] += h[c] + layer_scale[c] * down[c];  // sum readout
  }
  const Vec z1 = relu(affine(w1, b1, graph));
  const Vec z2 = relu(affine(w2, b2, z1));
  const double z = affine(w_out, b_out, z2)[0];
  const double expected = std::log1p(std::exp(-z));  // softplus(-z)
  EXPECT_NEAR(model_output, expected, 1e-5 * std::abs(expected));
  std::printf("by hand %.7f, model %.7f\n", expected, model_output);
}

/// A padded batch must give every sample exactly what it gets alone.
void expect_batch_equals_singles(const ModelOptions& options,
                                 const std::vector<TokenSequence>& samples) {
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
    const torch::Tensor alone_embedding =
        model->embed(to_tensors(collate({&samples[i]}), torch::kCPU));
    EXPECT_NEAR(batched[static_cast<int64_t>(i)].item<float>(), alone[0].item<float>(), 1e-5)
        << "sample " << i;
    EXPECT_LT((embedded[static_cast<int64_t>(i)] - alone_embedding[0]).abs().max().item<float>(),
              1e-5);
  }
}

TEST(Model, PaddedCellBatchEqualsEachCellAlone) {
  const CellTokenizer tokenizer{CellTokenizerOptions{}};
  std::vector<TokenSequence> cells;
  cells.push_back(tokenizer.tokenize(to_graph(
      make_nb101_cell({{0, 1, 0}, {0, 0, 1}, {0, 0, 0}}, {"input", "maxpool3x3", "output"}))));
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
    TokenSequence t = testing::chain_graph(n, 0.37f, 1);
    t.static_features = {0.1f * n, 0.2f, 0.3f, 0.4f};
    graphs.push_back(t);
  }
  ModelOptions o;
  o.input_dim = 16;
  o.static_dim = 4;
  o.hidden = 32;
  o.ffn_hidden = 64;
  o.blocks = 2;
  o.readout = &sum_readout();
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
  const TokenSequence seven_a = tokenizer.tokenize(to_graph(parse_nb101_cell(
      "0100110001000000010010000010000001000000010000000",
      "input|conv3x3-bn-relu|maxpool3x3|conv3x3-bn-relu|conv3x3-bn-relu|conv1x1-bn-relu|output")));
  const TokenSequence seven_b = tokenizer.tokenize(to_graph(parse_nb101_cell(
      "0110000000100000001000000010000001000000010000000",
      "input|conv1x1-bn-relu|conv3x3-bn-relu|maxpool3x3|conv3x3-bn-relu|conv1x1-bn-relu|output")));
  ASSERT_EQ(five.num_nodes, 5);
  ASSERT_EQ(seven_a.num_nodes, 7);
  ASSERT_EQ(seven_b.num_nodes, 7);

  torch::manual_seed(7);
  NarFormerModel model(ModelOptions{});  // the published 6 x 512 model, fusion readout
  model->eval();
  torch::NoGradGuard no_grad;
  const float alone = model->forward(to_tensors(collate({&five}), torch::kCPU))[0].item<float>();
  const torch::Tensor batch =
      model->forward(to_tensors(collate({&seven_a, &five, &seven_b}), torch::kCPU));
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
    TokenSequence t = testing::chain_graph(n, 0.29f, 3);
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
  for (int c :
       {kSpatialConvGflop, kPointwiseConvGflop, kGroupedConvGflop, kMatMulGflop, kPoolWindowGiga})
    r[c] = compute;
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
  o.readout = &cost_readout();
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
  const torch::Tensor y =
      model->forward(to_tensors(collate({&graphs[0], &graphs[1]}), torch::kCPU));
  for (int64_t i = 0; i < 2; ++i)
    EXPECT_NEAR(y[i].item<double>(), linear_cost_prediction(graphs[static_cast<size_t>(i)], rates),
                1e-5);
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
    const torch::Tensor y =
        model->forward(to_tensors(collate({&graphs[0], &graphs[1], &graphs[2]}), torch::kCPU));
    ((y / targets - 1).pow(2).mean()).backward();
    adam.step();
  }
  model->eval();
  torch::NoGradGuard no_grad;
  const torch::Tensor batched =
      model->forward(to_tensors(collate({&graphs[0], &graphs[1], &graphs[2]}), torch::kCPU));
  for (size_t i = 0; i < graphs.size(); ++i) {
    const torch::Tensor alone = model->forward(to_tensors(collate({&graphs[i]}), torch::kCPU));
    EXPECT_NEAR(batched[static_cast<int64_t>(i)].item<float>(), alone[0].item<float>(), 1e-5)
        << "graph " << i;
    EXPECT_GT(std::abs(alone[0].item<double>() -
                       linear_cost_prediction(graphs[i], rates_of(9.0, 0.3, 0.02))),
              1e-4);
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

namespace narformer {
namespace {

/// The dropout mask of x's rows, computed on the whole batch or on a share of it that knows
/// where its rows sit (dropout.h): each sample gets the same mask either way.
TEST(Dropout, AShareOfTheBatchGetsTheWholeBatchsMasks) {
  const torch::Tensor x = torch::ones({6, 4, 10});  // (rows, padded nodes, features)
  torch::manual_seed(3);
  const torch::Tensor whole = fast_dropout(x, 0.3, true);
  torch::manual_seed(3);
  torch::Tensor share;
  {
    ScopedBatchRows rows(BatchRows{{1, 4, 5}, 6});
    share = fast_dropout(x.index_select(0, torch::tensor({1, 4, 5})), 0.3, true);
  }
  EXPECT_TRUE(torch::equal(share, whole.index_select(0, torch::tensor({1, 4, 5}))));
  const double dropped = (whole == 0).to(torch::kFloat64).mean().item<double>();
  EXPECT_GT(dropped, 0.2);
  EXPECT_LT(dropped, 0.4);
  // A flattened (rows, nodes) axis behind another one, as the grouped feed-forward has it.
  const torch::Tensor grouped = torch::ones({3, 6 * 4, 5});
  torch::manual_seed(4);
  const torch::Tensor whole_grouped = fast_dropout(grouped, 0.3, true, 1);
  torch::manual_seed(4);
  ScopedBatchRows rows(BatchRows{{2, 3}, 6});
  const torch::Tensor share_grouped = fast_dropout(grouped.narrow(1, 8, 8), 0.3, true, 1);
  EXPECT_TRUE(torch::equal(share_grouped, whole_grouped.narrow(1, 8, 8)));
}

}  // namespace
}  // namespace narformer
