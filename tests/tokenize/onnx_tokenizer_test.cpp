// The ONNX tokenizer against method.md Appendix C (NNLQP's resnet18-v1-7-no-weight.onnx,
// reference compat, trans embedding), and its invariants on every fixture.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <set>

#include "../test_util.h"
#include "narformer/config/config.h"
#include "narformer/core/error.h"
#include "narformer/onnx/onnx_graph.h"
#include "narformer/tokenize/onnx_tokenizer.h"

namespace narformer {
namespace {

using testing::source_path;

const char* kResnet18 = "tests/fixtures/onnx/nnlqp_test_onnx/resnet18-v1-7-no-weight.onnx";

struct Tokenized {
  Graph graph;
  TokenSequence tokens;
};

Tokenized tokenize_file(const std::string& relative, int64_t batch, OnnxCompat compat,
                        EmbedType embed = EmbedType::kTrans) {
  OnnxImportOptions import;
  import.batch_size = batch;
  import.compat = compat;
  Graph graph = import_onnx(source_path(relative), import);
  OnnxTokenizerOptions options;
  options.embed = embed;
  options.compat = compat;
  TokenSequence tokens = OnnxTokenizer(options).tokenize(graph);
  return {std::move(graph), std::move(tokens)};
}

int row_of(const Graph& g, const std::string& name) {
  for (int i = 0; i < g.num_nodes(); ++i)
    if (g.node(i).name == name) return i;
  return -1;
}

double entry_sum(const TokenSequence& t) {
  double s = 0;
  for (float v : t.features) s += v;
  return s;
}

int non_zeros(const TokenSequence& t) {
  int n = 0;
  for (float v : t.features) n += v != 0.0f;
  return n;
}

double row_sum(const TokenSequence& t, int row, int* nnz = nullptr) {
  double s = 0;
  int n = 0;
  for (int c = 0; c < t.feature_dim; ++c) {
    s += t.at(row, c);
    n += t.at(row, c) != 0.0f;
  }
  if (nnz) *nnz = n;
  return s;
}

void expect_values(const float* actual, const std::vector<double>& expected,
                   const std::string& what) {
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], 1e-6) << what << " [" << i << "]";
}

TEST(OnnxTokenizer, AppendixCStructure) {
  const Tokenized r = tokenize_file(kResnet18, 1, OnnxCompat::kReference);
  const Graph& g = r.graph;
  const TokenSequence& t = r.tokens;
  EXPECT_EQ(g.num_nodes(), 70);
  EXPECT_EQ(g.edges().size(), 77u);
  ASSERT_EQ(t.num_nodes, 70);
  ASSERT_EQ(t.feature_dim, 152);
  EXPECT_EQ(t.edges.size(), 77u);  // A holds 154 ones
  int max_degree = 0;
  for (int d : g.undirected_degrees()) max_degree = std::max(max_degree, d);
  EXPECT_EQ(max_degree, 3);
  EXPECT_EQ(non_zeros(t), 3974);
  EXPECT_NEAR(entry_sum(t), 1799.2278, 1e-3);

  // Op-type column sums.
  std::vector<double> columns(32, 0.0);
  for (int i = 0; i < t.num_nodes; ++i)
    for (int c = 0; c < 32; ++c) columns[static_cast<size_t>(c)] += t.at(i, c);
  const std::map<int, double> expected_columns = {{0, 20}, {1, 17}, {2, 8},   {5, 1},
                                                  {7, 1},  {8, 1},  {11, 20}, {14, 1}};
  for (int c = 0; c < 32; ++c) {
    const auto it = expected_columns.find(c);
    EXPECT_EQ(columns[static_cast<size_t>(c)], it == expected_columns.end() ? 0.0 : it->second)
        << "column " << c;
  }

  // Topological order (§2.7).
  EXPECT_EQ(g.node(0).name, "data");
  EXPECT_EQ(g.node(0).op_type, "Input");
  EXPECT_EQ(g.node(1).name, "resnetv15_conv0_fwd");
  EXPECT_EQ(g.node(2).name, "resnetv15_batchnorm0_fwd");
  EXPECT_EQ(g.node(3).name, "resnetv15_relu0_fwd");
  EXPECT_EQ(g.node(4).name, "resnetv15_pool0_fwd");
  EXPECT_EQ(g.node(19).name, "resnetv15_stage2_conv2_fwd");
  EXPECT_EQ(g.node(20).name, "resnetv15_stage2_conv0_fwd");
  EXPECT_EQ(g.node(67).name, "resnetv15_pool1_fwd");
  EXPECT_EQ(g.node(68).name, "flatten_170");
  EXPECT_EQ(g.node(69).name, "resnetv15_dense0_fwd");
  // Every edge goes forward in the order.
  for (const auto& [from, to] : g.edges()) EXPECT_LT(from, to);
}

TEST(OnnxTokenizer, AppendixCRows) {
  const Tokenized r = tokenize_file(kResnet18, 1, OnnxCompat::kReference);
  const TokenSequence& t = r.tokens;
  struct RowCheck {
    const char* name;
    int nnz;
    double sum;
  };
  for (const RowCheck& c :
       {RowCheck{"data", 40, 8.9937766}, RowCheck{"resnetv15_conv0_fwd", 96, 41.947227},
        RowCheck{"resnetv15_pool0_fwd", 71, 30.396929}, RowCheck{"flatten_170", 31, 18.944708},
        RowCheck{"resnetv15_dense0_fwd", 41, 25.620929}}) {
    const int row = row_of(r.graph, c.name);
    ASSERT_GE(row, 0) << c.name;
    int nnz = 0;
    EXPECT_NEAR(row_sum(t, row, &nnz), c.sum, 1e-5) << c.name;
    EXPECT_EQ(nnz, c.nnz) << c.name;
  }
  const int data = row_of(r.graph, "data");
  expect_values(t.row(data) + 112,
                {0.84147102, 0.54030228, 0.15782663, 0.98746681, 0.025116224, 0.99968451,
                 0.0039810608, 0.99999207, 0.00063095731, 0.99999982, 0.14112000, -0.98999250},
                "data shape");
  const int conv = row_of(r.graph, "resnetv15_conv0_fwd");
  EXPECT_EQ(t.at(conv, 0), 1.0f);
  expect_values(t.row(conv) + 32,
                {0.65698659, 0.75390226, 0.89544296, 0.44517630, 0.17492743, 0.98458135,
                 0.027863894, 0.99961174, 0.0044166869, 0.99999022, 0.90929741, -0.41614681},
                "conv attributes");
  expect_values(t.row(conv) + 122, {0.92002606, 0.39185724}, "conv E(64)");
  for (int c = 92; c < 112; ++c) EXPECT_EQ(t.at(conv, c), 0.0f) << "conv attribute padding " << c;
  expect_values(t.row(row_of(r.graph, "flatten_170")) + 122, {0.079518490, -0.99683338},
                "flatten E(512)");
  expect_values(t.row(row_of(r.graph, "resnetv15_dense0_fwd")) + 122, {0.82687956, 0.56237906},
                "gemm E(1000)");
}

TEST(OnnxTokenizer, AppendixCCostsAndStaticVector) {
  const Tokenized r = tokenize_file(kResnet18, 1, OnnxCompat::kReference);
  const GraphFacts& f = r.graph.facts();
  EXPECT_EQ(f.total.flops, 3636354048.0);
  EXPECT_EQ(f.total.params, 11699112.0);
  EXPECT_EQ(f.total.memory, 19930000.0);
  ASSERT_EQ(r.tokens.static_features.size(), 40u);
  const float* s = r.tokens.static_features.data();
  expect_values(s,
                {0.84147102, 0.54030228, 0.15782663, 0.98746681, 0.025116224, 0.99968451,
                 0.0039810608, 0.99999207, 0.00063095731, 0.99999982},
                "E(1)");
  expect_values(s + 10,
                {-0.47482160, -0.88008207, 0.54494476, 0.83847195, 0.091214128, 0.99583131,
                 0.014476080, 0.99989522, 0.0022943823, 0.99999738},
                "E(flops)");
  expect_values(s + 20,
                {0.011698845, 0.99993157, 0.0018541833, 0.99999827, 0.00029386842, 0.99999994,
                 0.000046575002, 1.0, 0.0000073816409, 1.0},
                "E(params)");
  expect_values(s + 30,
                {0.019928681, 0.99980140, 0.0031586867, 0.99999499, 0.00050061895, 0.99999988,
                 0.000079342753, 1.0, 0.000012574980, 1.0},
                "E(memory)");

  // Per operator (on the node of its first output).
  struct Check {
    const char* name;
    double flops, params, memory;
  };
  for (const Check& c :
       {Check{"resnetv15_conv0_fwd", 235225088, 9408, 812224},
        Check{"resnetv15_batchnorm0_fwd", 3211264, 256, 803072},
        Check{"resnetv15_relu0_fwd", 0, 0, 802816}, Check{"resnetv15_pool0_fwd", 0, 0, 200704},
        Check{"resnetv15_pool1_fwd", 3584, 0, 512}, Check{"flatten_170", 0, 0, 512},
        Check{"resnetv15_dense0_fwd", 1024000, 513000, 514000}}) {
    const int row = row_of(r.graph, c.name);
    ASSERT_GE(row, 0) << c.name;
    const Cost& cost = r.graph.node(row).cost;
    EXPECT_EQ(cost.flops, c.flops) << c.name;
    EXPECT_EQ(cost.params, c.params) << c.name;
    EXPECT_EQ(cost.memory, c.memory) << c.name;
  }
  // The first Add.
  for (int i = 0; i < r.graph.num_nodes(); ++i) {
    if (r.graph.node(i).op_type != "Add") continue;
    EXPECT_EQ(r.graph.node(i).cost.flops, 200704);
    EXPECT_EQ(r.graph.node(i).cost.memory, 200704);
    break;
  }
}

// The cost readout's per-node work: each node's FLOPs in its operator's column, its memory
// split into outputs and weights, one call; the memory columns sum to the graph total.
TEST(OnnxTokenizer, NodeCostsSplitEachNodesCostByKindOfWork) {
  for (OnnxCompat compat : {OnnxCompat::kReference, OnnxCompat::kCorrected}) {
    const Tokenized r = tokenize_file(kResnet18, 1, compat);
    ASSERT_EQ(r.tokens.node_costs.size(), static_cast<size_t>(r.tokens.num_nodes) * kNodeCostDims);
    double memory = 0, calls = 0, others = 0;
    int pointwise = 0, spatial = 0, gemm = 0;
    for (int i = 0; i < r.tokens.num_nodes; ++i) {
      const float* c = r.tokens.node_costs.data() + i * kNodeCostDims;
      const Node& node = r.graph.node(i);
      memory +=
          static_cast<double>(c[kOutputMelem]) * 1e6 + static_cast<double>(c[kConstantMelem]) * 1e6;
      EXPECT_NEAR(c[kConstantMelem] * 1e6, node.cost.constant_memory,
                  1e-3 * (1 + node.cost.constant_memory))
          << node.name;
      calls += c[kLibraryCall];
      others += c[kOtherOperator];
      int flop_columns = 0;
      for (int k = kSpatialConvGflop; k <= kPoolWindowGiga; ++k) flop_columns += c[k] != 0 ? 1 : 0;
      if (node.op_type == "Conv") {
        const bool one_by_one = node.attributes.at("kernel_shape").ints.front() == 1;
        (one_by_one ? pointwise : spatial) += 1;
        EXPECT_FLOAT_EQ(c[one_by_one ? kPointwiseConvGflop : kSpatialConvGflop],
                        static_cast<float>(node.cost.flops / 1e9))
            << node.name;
        EXPECT_EQ(flop_columns, 1) << node.name;
      } else if (node.op_type == "Gemm") {
        ++gemm;
        EXPECT_FLOAT_EQ(c[kMatMulGflop], static_cast<float>(node.cost.flops / 1e9));
      } else if (node.op_type != "MaxPool" && node.op_type != "AveragePool") {
        EXPECT_EQ(flop_columns, 0) << node.name << " " << node.op_type;  // priced by its memory
      }
    }
    EXPECT_NEAR(memory, r.graph.facts().total.memory, r.graph.facts().total.memory * 1e-6);
    EXPECT_EQ(spatial, 17);   // the 7x7 stem and sixteen 3x3 convs
    EXPECT_EQ(pointwise, 3);  // the 1x1 downsampling shortcuts
    EXPECT_EQ(gemm, 1);
    EXPECT_EQ(calls, 21);
    EXPECT_EQ(calls + others, 70);
  }
  // The stem: 64 7x7x3 filters on 112x112 outputs.
  const Tokenized r = tokenize_file(kResnet18, 1, OnnxCompat::kReference);
  EXPECT_NEAR(r.graph.facts().total.memory, 19930000.0, 1.0);
  const float* conv0 =
      r.tokens.node_costs.data() + row_of(r.graph, "resnetv15_conv0_fwd") * kNodeCostDims;
  EXPECT_FLOAT_EQ(conv0[kSpatialConvGflop], 0.235225088f);
  EXPECT_FLOAT_EQ(conv0[kOutputMelem], 0.802816f);
  EXPECT_FLOAT_EQ(conv0[kConstantMelem], 0.009408f);
  EXPECT_EQ(conv0[kLibraryCall], 1.0f);
  EXPECT_EQ(conv0[kOtherOperator], 0.0f);
}

TEST(OnnxTokenizer, AppendixCBatchFour) {
  const Tokenized one = tokenize_file(kResnet18, 1, OnnxCompat::kReference);
  const Tokenized four = tokenize_file(kResnet18, 4, OnnxCompat::kReference);
  EXPECT_EQ(four.graph.num_nodes(), 70);
  EXPECT_EQ(four.tokens.edges, one.tokens.edges);
  EXPECT_EQ(non_zeros(four.tokens), 3974);
  EXPECT_NEAR(entry_sum(four.tokens), 1627.3562, 1e-3);
  for (int i = 0; i < four.graph.num_nodes(); ++i)
    EXPECT_EQ(four.graph.node(i).name, one.graph.node(i).name);
  EXPECT_EQ(four.graph.node(0).output_shape, (std::vector<int64_t>{4, 3, 224, 224}));
  const GraphFacts& f = four.graph.facts();
  EXPECT_EQ(f.total.flops, 3668416512.0);
  EXPECT_EQ(f.total.params, 11699112.0);
  EXPECT_EQ(f.total.memory, 44622664.0);
  expect_values(four.tokens.static_features.data(),
                {-0.75680250, -0.65364361, 0.59233773, 0.80568981, 0.10030649, 0.99495661,
                 0.015923614, 0.99987322, 0.0025238267, 0.99999684},
                "E(4)");
}

TEST(OnnxTokenizer, CorrectedModeChangesOnlyTheStaticFeaturesOfResnet18) {
  const Tokenized ref = tokenize_file(kResnet18, 1, OnnxCompat::kReference);
  const Tokenized cor = tokenize_file(kResnet18, 1, OnnxCompat::kCorrected);
  EXPECT_EQ(cor.tokens.features, ref.tokens.features);
  EXPECT_EQ(cor.tokens.edges, ref.tokens.edges);
  EXPECT_NE(cor.tokens.static_features, ref.tokens.static_features);
  // Same graph, corrected costs: BN has 2 parameters per channel (4800 BN channels).
  EXPECT_EQ(cor.graph.facts().total.params, 11689512.0);  // = torchvision's resnet18 count
}

TEST(OnnxTokenizer, PositionCodeAndNerf) {
  OnnxImportOptions import;
  const Graph g = import_onnx(source_path(kResnet18), import);
  OnnxTokenizerOptions options;
  options.position_frequencies = 16;
  const OnnxTokenizer with_position(options);
  EXPECT_EQ(with_position.feature_dim(), 152 + 32);
  const TokenSequence t = with_position.tokenize(g);
  const TokenSequence plain = OnnxTokenizer().tokenize(g);
  const SinusoidalEmbedder pos(EmbedType::kTrans, 16);
  for (int i : {0, 1, 69}) {
    EXPECT_EQ(0, std::memcmp(t.row(i), plain.row(i), 152 * sizeof(float)));
    const std::vector<float> code = pos.embed(static_cast<float>(i));
    for (int k = 0; k < 32; ++k) EXPECT_EQ(t.at(i, 152 + k), code[static_cast<size_t>(k)]);
  }
  // nerf: E(1) at the shape block of `data` uses f = 1, 4.75, 8.5, 12.25, 16 times π.
  options = {};
  options.embed = EmbedType::kNerf;
  const TokenSequence nerf = OnnxTokenizer(options).tokenize(g);
  const std::vector<float> e1 = SinusoidalEmbedder(EmbedType::kNerf, 5).embed(1.0f);
  for (int k = 0; k < 10; ++k) EXPECT_EQ(nerf.at(0, 112 + k), e1[static_cast<size_t>(k)]);
}

TEST(OnnxTokenizer, OpCodes) {
  const OnnxTokenizer corrected;
  OnnxTokenizerOptions ref_options;
  ref_options.compat = OnnxCompat::kReference;
  const OnnxTokenizer reference(ref_options);
  EXPECT_EQ(corrected.op_code("Conv"), 1);
  EXPECT_EQ(corrected.op_code("ConvTranspose"), 28);
  EXPECT_EQ(corrected.op_code("Tanh"), 27);
  EXPECT_EQ(corrected.op_code("MatMul"), 18);
  EXPECT_EQ(reference.op_code("MatMul"), 0);
  for (const char* other : {"Input", "Pad", "HardSigmoid", "HardSwish", "Gather", "Shape",
                            "Unsqueeze", "Dropout", "Identity", "Erf", "Matmul", ""})
    EXPECT_EQ(corrected.op_code(other), 0) << other;
}

TEST(OnnxTokenizer, TransposePermIsFrequencyMajor) {
  Graph g("synthetic");
  Node node;
  node.name = "t";
  node.op_type = "Transpose";
  node.attributes["perm"].ints = {0, 2, 3, 1};
  node.output_shape = {1, 7, 7, 64};
  g.add_node(node);
  const TokenSequence t = OnnxTokenizer().tokenize(g);
  std::vector<float> perm = {0, 2, 3, 1, 0, 0, 0, 0};
  std::vector<float> expected(80);
  SinusoidalEmbedder(EmbedType::kTrans, 5).embed_vector(perm.data(), 8, expected.data());
  for (int k = 0; k < 80; ++k) EXPECT_EQ(t.at(0, 32 + k), expected[static_cast<size_t>(k)]) << k;
  EXPECT_EQ(t.at(0, 9), 1.0f);
  EXPECT_EQ(t.at(0, 32 + 1), std::sin(2.0f));  // sin(a_0 · perm[1]): the first 8 values are sines
  EXPECT_EQ(t.at(0, 32 + 8), 1.0f);            // cos(a_0 · perm[0])
}

TEST(OnnxTokenizer, ScalarsAndMissingShapesEncodeAsPaddedZeros) {
  Graph g("synthetic");
  Node scalar;
  scalar.name = "s";
  scalar.op_type = "Gather";
  g.add_node(scalar);
  g.facts().total.flops = std::numeric_limits<double>::infinity();
  const TokenSequence t = OnnxTokenizer().tokenize(g);
  const std::vector<float> e0 = SinusoidalEmbedder(EmbedType::kTrans, 5).embed(0.0f);
  for (int k = 0; k < 40; ++k) EXPECT_EQ(t.at(0, 112 + k), e0[static_cast<size_t>(k % 10)]);
  for (float v : t.features) EXPECT_FALSE(std::isnan(v));
  for (float v : t.static_features) EXPECT_FALSE(std::isnan(v));
}

// Training, the token cache and predict all map the config through from_config and
// import_options; these pin that mapping (a dropped field would tokenize predict differently).
TEST(OnnxTokenizerOptions, FromConfigCarriesEveryTokenSetting) {
  TokenizerConfig config;
  config.embed = EmbedType::kTrans;
  config.dp = 8;
  config.compat = OnnxCompat::kReference;
  const OnnxTokenizerOptions options = OnnxTokenizerOptions::from_config(config);
  EXPECT_EQ(options.embed, EmbedType::kTrans);
  EXPECT_EQ(options.position_frequencies, 8);
  EXPECT_EQ(options.compat, OnnxCompat::kReference);
  EXPECT_EQ(options.key(), "onnx-tokens;embed=trans;frequencies=5;dp=8;compat=reference");

  const OnnxImportOptions import = options.import_options(4);
  EXPECT_EQ(import.batch_size, 4);
  EXPECT_EQ(import.compat, OnnxCompat::kReference);
  EXPECT_TRUE(import.data_propagation);

  // Words outside a config file (inspect's --embed) are checked where they are read.
  EXPECT_THROW(parse_embed_type("fourier"), ConfigError);
}

}  // namespace
}  // namespace narformer
