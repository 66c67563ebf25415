// Flat features of the baselines: the encodings, path encodings and graph statistics,
// checked against cells and graphs whose features can be counted by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "../test_util.h"
#include "narformer/baseline/features.h"
#include "narformer/cells/nb101.h"
#include "narformer/cells/nb201.h"
#include "narformer/core/error.h"
#include "narformer/onnx/onnx_graph.h"
#include "narformer/tokenize/onnx_tokenizer.h"

namespace narformer {
namespace {

size_t column(const std::vector<std::string>& names, const std::string& name) {
  const auto it = std::find(names.begin(), names.end(), name);
  EXPECT_NE(it, names.end()) << name;
  return static_cast<size_t>(it - names.begin());
}

TEST(CellFeatures, Nb201EncodingIsTheEdgeOperationOneHot) {
  // Edges in arch-string order: c0->c1, c0->c2, c1->c2, c0->c3, c1->c3, c2->c3.
  const Cell cell = parse_nb201_arch(
      "|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|");
  const std::vector<float> row = cell_features(cell, FeatureSet::kEncoding);
  const auto names = cell_feature_names(CellSpace::kNasBench201, FeatureSet::kEncoding);
  ASSERT_EQ(row.size(), 30u);
  ASSERT_EQ(names.size(), 30u);
  EXPECT_EQ(std::accumulate(row.begin(), row.end(), 0.0f), 6.0f);
  for (const char* hot : {"edge1=nor_conv_3x3", "edge2=none", "edge3=avg_pool_3x3",
                          "edge4=skip_connect", "edge5=nor_conv_1x1", "edge6=nor_conv_3x3"})
    EXPECT_EQ(row[column(names, hot)], 1.0f) << hot;
}

TEST(CellFeatures, Nb201PathsCountedByHand) {
  // All six edges nor_conv_3x3: the paths c0->c3 (1 op), c0->c1->c3 and c0->c2->c3 (2 ops),
  // c0->c1->c2->c3 (3 ops).
  const std::string conv = "nor_conv_3x3";
  const Cell all_conv = parse_nb201_arch("|" + conv + "~0|+|" + conv + "~0|" + conv + "~1|+|" +
                                         conv + "~0|" + conv + "~1|" + conv + "~2|");
  const auto names = cell_feature_names(CellSpace::kNasBench201, FeatureSet::kGraph);
  const std::vector<float> row = cell_features(all_conv, FeatureSet::kGraph);
  ASSERT_EQ(row.size(), names.size());
  EXPECT_EQ(names.size(), 30u + 5u + 155u + 5u);
  EXPECT_EQ(row[column(names, "count:nor_conv_3x3")], 6.0f);
  EXPECT_EQ(row[column(names, "path:nor_conv_3x3")], 1.0f);
  EXPECT_EQ(row[column(names, "path:nor_conv_3x3>nor_conv_3x3")], 2.0f);
  EXPECT_EQ(row[column(names, "path:nor_conv_3x3>nor_conv_3x3>nor_conv_3x3")], 1.0f);
  float path_total = 0;
  for (size_t j = 0; j < names.size(); ++j)
    if (names[j].rfind("path:", 0) == 0) path_total += row[j];
  EXPECT_EQ(path_total, 4.0f);
  EXPECT_EQ(row[column(names, "live_paths")], 4.0f);
  EXPECT_EQ(row[column(names, "shortest_live_path")], 1.0f);
  EXPECT_EQ(row[column(names, "longest_live_path")], 3.0f);

  // `none` on c0->c3 and on c1->c2: only c0->c1->c3 and c0->c2->c3 carry data.
  const Cell cut = parse_nb201_arch("|" + conv + "~0|+|" + conv + "~0|none~1|+|none~0|" + conv +
                                    "~1|" + conv + "~2|");
  const std::vector<float> cut_row = cell_features(cut, FeatureSet::kGraph);
  EXPECT_EQ(cut_row[column(names, "live_paths")], 2.0f);
  EXPECT_EQ(cut_row[column(names, "shortest_live_path")], 2.0f);
  EXPECT_EQ(cut_row[column(names, "longest_live_path")], 2.0f);
  EXPECT_EQ(cut_row[column(names, "path:none")], 1.0f);
  EXPECT_EQ(cut_row[column(names, "path:nor_conv_3x3>none>nor_conv_3x3")], 1.0f);
}

TEST(CellFeatures, Nb101PadsTheAdjacencyWithTheOutputLast) {
  // 4 vertices: input -> conv3x3 -> maxpool -> output, and input -> output directly.
  const Cell cell = parse_nb101_cell("0101001000010000", "input|conv3x3-bn-relu|maxpool3x3|output");
  const auto names = cell_feature_names(CellSpace::kNasBench101, FeatureSet::kGraph);
  const std::vector<float> row = cell_features(cell, FeatureSet::kGraph);
  ASSERT_EQ(row.size(), names.size());
  EXPECT_EQ(cell_features(cell, FeatureSet::kEncoding).size(), 15u + 21u);
  EXPECT_EQ(row[column(names, "vertex1=conv3x3-bn-relu")], 1.0f);
  EXPECT_EQ(row[column(names, "vertex2=maxpool3x3")], 1.0f);
  EXPECT_EQ(row[column(names, "adj0-1")], 1.0f);
  EXPECT_EQ(row[column(names, "adj1-2")], 1.0f);
  EXPECT_EQ(row[column(names, "adj2-6")], 1.0f);  // vertex 3, the output, encoded as vertex 6
  EXPECT_EQ(row[column(names, "adj0-6")], 1.0f);
  EXPECT_EQ(row[column(names, "adj0-3")], 0.0f);
  EXPECT_EQ(row[column(names, "path:direct")], 1.0f);
  EXPECT_EQ(row[column(names, "path:conv3x3-bn-relu>maxpool3x3")], 1.0f);
  EXPECT_EQ(row[column(names, "live_paths")], 2.0f);
  EXPECT_EQ(row[column(names, "shortest_live_path")], 0.0f);
  EXPECT_EQ(row[column(names, "longest_live_path")], 2.0f);
  EXPECT_EQ(row[column(names, "edges")], 4.0f);
}

TEST(OnnxFeatures, WorkTotalsOpCountsAndDepthOfAGraph) {
  const Graph graph =
      import_onnx(testing::source_path("tests/fixtures/onnx/torchvision/resnet18.onnx"));
  const TokenSequence tokens = OnnxTokenizer().tokenize(graph);
  const auto names = onnx_feature_names(FeatureSet::kGraph);
  const std::vector<float> row = onnx_features(tokens, FeatureSet::kGraph);
  ASSERT_EQ(row.size(), names.size());
  // Work totals are the column sums of the node costs.
  for (int c = 0; c < kNodeCostDims; ++c) {
    double total = 0;
    for (int i = 0; i < tokens.num_nodes; ++i)
      total += tokens.node_costs[static_cast<size_t>(i * kNodeCostDims + c)];
    EXPECT_NEAR(row[static_cast<size_t>(c)], total, 1e-4 * (1 + total))
        << names[static_cast<size_t>(c)];
  }
  // Op counts: every node counted once, the 20 convolutions of ResNet-18 under op code 1.
  int conv = 0;
  for (const Node& node : graph.nodes()) conv += node.op_type == "Conv";
  EXPECT_EQ(conv, 20);
  EXPECT_EQ(row[column(names, "ops:code1")], static_cast<float>(conv));
  float counted = 0;
  for (size_t j = 0; j < names.size(); ++j)
    if (names[j].rfind("ops:", 0) == 0) counted += row[j];
  EXPECT_EQ(counted, static_cast<float>(tokens.num_nodes));
  EXPECT_EQ(row[column(names, "nodes")], static_cast<float>(tokens.num_nodes));
  EXPECT_EQ(row[column(names, "edges")], static_cast<float>(tokens.edges.size()));
  // Depth: more than the 18 weight layers, fewer than all nodes (the residual branches).
  EXPECT_GT(row[column(names, "depth")], 18.0f);
  EXPECT_LT(row[column(names, "depth")], static_cast<float>(tokens.num_nodes));
  EXPECT_EQ(row[column(names, "max_fan_in")], 2.0f);  // Add of a residual block
  EXPECT_EQ(onnx_features(tokens, FeatureSet::kEncoding).size(),
            static_cast<size_t>(kNodeCostDims));
}

TEST(OnnxFeatures, ChainDepthAndFansByHand) {
  // 0 -> 1 -> 2 -> 3 and 0 -> 3: depth 4 (nodes on the longest path), fan-in 2 at 3, fan-out 2 at
  // 0.
  TokenSequence tokens;
  tokens.num_nodes = 4;
  tokens.feature_dim = OnnxTokenizer::kOpTypeDims;
  tokens.features.assign(4 * OnnxTokenizer::kOpTypeDims, 0.0f);
  tokens.features[0 * OnnxTokenizer::kOpTypeDims + 0] = 1;  // Conv
  tokens.features[1 * OnnxTokenizer::kOpTypeDims + 1] = 1;  // Relu
  tokens.features[2 * OnnxTokenizer::kOpTypeDims + 0] = 1;  // Conv; node 3: an unknown operator
  tokens.edges = {{0, 1}, {0, 3}, {1, 2}, {2, 3}};
  tokens.node_costs.assign(4 * kNodeCostDims, 0.5f);
  const auto names = onnx_feature_names(FeatureSet::kGraph);
  const std::vector<float> row = onnx_features(tokens, FeatureSet::kGraph);
  EXPECT_EQ(row[0], 2.0f);  // 4 nodes x 0.5 GFLOP of spatial convolution
  EXPECT_EQ(row[column(names, "ops:code1")], 2.0f);
  EXPECT_EQ(row[column(names, "ops:code2")], 1.0f);
  EXPECT_EQ(row[column(names, "ops:other")], 1.0f);
  EXPECT_EQ(row[column(names, "depth")], 4.0f);
  EXPECT_EQ(row[column(names, "max_fan_in")], 2.0f);
  EXPECT_EQ(row[column(names, "max_fan_out")], 2.0f);
}

TEST(OnnxFeatures, CellTokensAreRejected) {
  TokenSequence cell_tokens;
  cell_tokens.num_nodes = 3;
  EXPECT_NE(testing::error_message<DataError>([&] {
              onnx_features(cell_tokens, FeatureSet::kGraph);
            }).find("node costs"),
            std::string::npos);
}

}  // namespace
}  // namespace narformer
