#include "narformer/model/narformer_model.h"

#include <gtest/gtest.h>

#include "narformer/cells/nb101.h"
#include "narformer/cells/nb201.h"
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
