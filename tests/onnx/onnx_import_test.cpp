// ONNX import (method.md §2.2, §2.3, §2.5, §2.7) on real and hand-built models: what every
// fixture must satisfy, independent numbers for torchvision models, and one clear error for
// every kind of bad file.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "../golden_tokens.h"
#include "../test_util.h"
#include "narformer/core/atomic_file.h"
#include "narformer/core/error.h"
#include "narformer/onnx/onnx_graph.h"
#include "narformer/onnx/onnx_model.h"
#include "narformer/tokenize/onnx_tokenizer.h"
#include "narformer/tokenize/token_cache.h"

namespace narformer {
namespace {

namespace fs = std::filesystem;
using testing::error_message;
using testing::source_path;
using testing::TempDir;

std::vector<std::string> fixture_files() {
  std::vector<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(source_path("tests/fixtures/onnx")))
    if (entry.path().extension() == ".onnx" && entry.path().stem() != "cycle")
      files.push_back(entry.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

Graph import(const std::string& relative, int64_t batch = 1,
             OnnxCompat compat = OnnxCompat::kCorrected) {
  OnnxImportOptions options;
  options.batch_size = batch;
  options.compat = compat;
  return import_onnx(source_path("tests/fixtures/onnx/" + relative), options);
}

const Node* find(const Graph& g, const std::string& name) {
  for (const Node& n : g.nodes())
    if (n.name == name) return &n;
  return nullptr;
}

std::map<std::string, int> histogram(const Graph& g) {
  std::map<std::string, int> h;
  for (const Node& n : g.nodes()) ++h[n.op_type];
  return h;
}

double sum_flops(const Graph& g, std::set<std::string> ops) {
  double total = 0;
  for (const Node& n : g.nodes())
    if (ops.count(n.op_type)) total += n.cost.flops;
  return total;
}

// ------------------------------------------------------------------------------------------
// Every fixture

TEST(OnnxImport, EveryFixtureImportsAndTokenizes) {
  const std::vector<std::string> files = fixture_files();
  ASSERT_GE(files.size(), 38u);
  const OnnxTokenizer tokenizer;
  for (const std::string& file : files) {
    for (const int64_t batch : {1, 4}) {
      for (const OnnxCompat compat : {OnnxCompat::kCorrected, OnnxCompat::kReference}) {
        SCOPED_TRACE(file + " b=" + std::to_string(batch) + " " + to_string(compat));
        OnnxImportOptions options;
        options.batch_size = batch;
        options.compat = compat;
        Graph g;
        ASSERT_NO_THROW(g = import_onnx(file, options));
        ASSERT_GT(g.num_nodes(), 0);
        EXPECT_EQ(g.facts().batch_size, batch);
        EXPECT_GT(g.facts().num_operators, 0);
        for (const auto& [from, to] : g.edges()) EXPECT_LT(from, to);  // topological order
        const TokenSequence t = tokenizer.tokenize(g);
        ASSERT_EQ(t.features.size(), static_cast<size_t>(t.num_nodes) * 152);
        for (float v : t.features) ASSERT_TRUE(std::isfinite(v));
        for (float v : t.static_features) ASSERT_TRUE(std::isfinite(v));
        EXPECT_EQ(t.static_features.size(), 40u);
        EXPECT_GT(g.facts().total.memory, 0);
      }
    }
  }
}

TEST(OnnxImport, RealModelsHaveAllShapesAndKnownOps) {
  for (const std::string& file : fixture_files()) {
    if (file.find("/synthetic/") != std::string::npos) continue;
    SCOPED_TRACE(file);
    const Graph g = import_onnx(file);
    EXPECT_EQ(g.facts().missing_shapes, 0);
    EXPECT_TRUE(g.facts().unknown_ops.empty());
  }
}

// Tokens of a few graphs, in both compat modes, against values stored before (golden_tokens.h):
// features, edges, static features and node costs.
TEST(OnnxImport, TokensMatchTheirGoldenFixtures) {
  for (const OnnxCompat compat : {OnnxCompat::kCorrected, OnnxCompat::kReference}) {
    OnnxTokenizerOptions options;
    options.compat = compat;
    const OnnxTokenizer tokenizer(options);
    for (const char* file :
         {"synthetic/shape_chain.onnx", "synthetic/transformer_block.onnx",
          "synthetic/decoder.onnx", "nnlqp_test_onnx/resnet18-v1-7-no-weight.onnx"}) {
      const std::string name = fs::path(file).stem().string() + "." + to_string(compat);
      SCOPED_TRACE(name);
      testing::expect_golden_tokens(tokenizer.tokenize(import(file, 1, compat)), name);
    }
  }
}

// ------------------------------------------------------------------------------------------
// Weight storage: ConstantOfShape weights (ONNX light models) = weight-free initializers.

TEST(OnnxImport, ConstantOfShapeWeightsEqualWeightFreeInitializers) {
  const OnnxTokenizer tokenizer;
  for (const char* name : {"bvlc_alexnet", "densenet121", "inception_v1", "inception_v2",
                           "resnet50", "shufflenet", "squeezenet", "vgg19", "zfnet512"}) {
    SCOPED_TRACE(name);
    const Graph light = import(std::string("onnx_light/light_") + name + ".onnx");
    const Graph noweight = import(std::string("derived_noweight/light_") + name + "_noweight.onnx");
    ASSERT_EQ(light.num_nodes(), noweight.num_nodes());
    for (int i = 0; i < light.num_nodes(); ++i)
      ASSERT_EQ(light.node(i).name, noweight.node(i).name);
    const TokenSequence a = tokenizer.tokenize(light);
    const TokenSequence b = tokenizer.tokenize(noweight);
    EXPECT_EQ(a.features, b.features);
    EXPECT_EQ(a.edges, b.edges);
    EXPECT_EQ(light.facts().total.flops, noweight.facts().total.flops);
    EXPECT_EQ(light.facts().total.params, noweight.facts().total.params);
    EXPECT_EQ(a.static_features, b.static_features);
    // The reference keeps the ConstantOfShape nodes (zero op code) and their shape inputs.
    const Graph ref =
        import(std::string("onnx_light/light_") + name + ".onnx", 1, OnnxCompat::kReference);
    EXPECT_GT(ref.num_nodes(), light.num_nodes());
    EXPECT_GT(histogram(ref)["ConstantOfShape"], 0);
  }
}

// ------------------------------------------------------------------------------------------
// torchvision exports: independent numbers.

struct Published {
  const char* model;
  double gmacs;  // torchvision's documented "GFLOPS" (fvcore-style multiply-accumulates)
};

TEST(OnnxImport, TorchvisionParameterCountsMatchPyTorch) {
  std::ifstream in(source_path("tests/fixtures/onnx/torchvision/MANIFEST.json"));
  ASSERT_TRUE(in) << "MANIFEST.json missing";
  const nlohmann::json manifest = nlohmann::json::parse(in);
  ASSERT_GE(manifest.size(), 14u);
  for (const auto& [name, info] : manifest.items()) {
    SCOPED_TRACE(name);
    const Graph g = import("torchvision/" + info["file"].get<std::string>());
    EXPECT_EQ(g.facts().num_operators, info["operators"].get<int>());
    // sum(p.numel() for p in model.parameters()), as PyTorch counts them.
    EXPECT_EQ(g.facts().total.params, info["trainable_parameters"].get<double>());
    const Node& last = g.node(g.num_nodes() - 1);
    EXPECT_EQ(last.output_shape, (std::vector<int64_t>{1, 1000}));
  }
}

TEST(OnnxImport, TorchvisionFlopsMatchPublishedMacs) {
  // torchvision's documentation (weights tables): GFLOPS, counted as multiply-accumulates of
  // convolutions, linear layers and matrix products. Two FLOPs per MAC here.
  const Published published[] = {
      {"resnet18", 1.81},
      {"vgg16", 15.47},
      {"alexnet", 0.71},
      {"squeezenet1_0", 0.82},
      {"googlenet", 1.5},
      {"mobilenet_v2", 0.30},
      {"mnasnet1_0", 0.31},
      {"efficientnet_b0", 0.39},
      {"regnet_y_400mf", 0.40},
      {"densenet121", 2.83},
      {"convnext_tiny", 4.46},
      {"vit_b_16", 17.56},
      {"shufflenet_v2_x1_0", 0.14},
      {"mobilenet_v3_small", 0.06},
  };
  for (const Published& p : published) {
    SCOPED_TRACE(p.model);
    const Graph g = import(std::string("torchvision/") + p.model + ".onnx");
    const double macs = sum_flops(g, {"Conv", "Gemm", "MatMul"}) / 2;
    // The documented values are rounded to 0.01 G.
    const double tolerance = 0.02 * p.gmacs * 1e9 + 0.005e9;
    EXPECT_NEAR(macs, p.gmacs * 1e9, tolerance);
  }
  // resnet18: 1.81 GMAC = 3.63 GFLOP; the whole graph (BN, ReLU, Add, pooling included) is
  // within 1 % of it, and the parameters are exactly torchvision's 11 689 512.
  const Graph r = import("torchvision/resnet18.onnx");
  EXPECT_NEAR(r.facts().total.flops, 3.63e9, 0.01 * 3.63e9);
  EXPECT_EQ(r.facts().total.params, 11689512.0);
  EXPECT_EQ(r.num_nodes(), 70);
  // NNLQP's weight-free resnet18 (a different export of the same network) agrees.
  const Graph nnlqp = import("nnlqp_test_onnx/resnet18-v1-7-no-weight.onnx");
  EXPECT_EQ(nnlqp.facts().total.params, 11689512.0);
  EXPECT_NEAR(nnlqp.facts().total.flops, r.facts().total.flops, 0.002 * r.facts().total.flops);
}

TEST(OnnxImport, CorrectedFlopsScaleWithTheBatch) {
  for (const char* file : {"torchvision/mobilenet_v2.onnx", "torchvision/vit_b_16.onnx",
                           "nnlqp_test_onnx/resnet18-v1-7-no-weight.onnx"}) {
    SCOPED_TRACE(file);
    const Graph one = import(file, 1);
    const Graph four = import(file, 4);
    // Exactly 4x but for the scalar shape arithmetic of dynamic exports (a few hundred FLOPs).
    EXPECT_NEAR(four.facts().total.flops, 4 * one.facts().total.flops,
                1e-6 * four.facts().total.flops);
    EXPECT_EQ(four.facts().total.params, one.facts().total.params);
    EXPECT_EQ(four.num_nodes(), one.num_nodes());
    const Node* input = find(four, "input") ? find(four, "input") : find(four, "data");
    ASSERT_NE(input, nullptr);
    ASSERT_FALSE(input->output_shape.empty());
    EXPECT_EQ(input->output_shape[0], 4);
  }
}

// ------------------------------------------------------------------------------------------
// Hand-built graphs (tests/fixtures/onnx/synthetic/make_synthetic.py).

TEST(OnnxImport, ShapeChainOfADynamicBatchExport) {
  for (const int64_t batch : {1, 3}) {
    const Graph g = import("synthetic/shape_chain.onnx", batch);
    EXPECT_EQ(g.facts().missing_shapes, 0);
    // The rank-0 Gather output is a known scalar (the reference failed here).
    ASSERT_NE(find(g, "n"), nullptr);
    EXPECT_TRUE(find(g, "n")->output_shape.empty());
    // Data propagation gives the Reshape its real shape.
    EXPECT_EQ(find(g, "y")->output_shape, (std::vector<int64_t>{batch, 192}));
    // Unsqueeze's axes and Concat's constant operand are Input nodes (connected slots);
    // the Constant feeding Gather too.
    EXPECT_EQ(find(g, "axes")->op_type, "Input");
    EXPECT_EQ(find(g, "minus_one")->op_type, "Input");
    EXPECT_EQ(find(g, "zero")->op_type, "Input");
    // Insertion order (§2.7): operator outputs first (the Constant), then edge sources.
    EXPECT_EQ(g.node(0).name, "zero");
    EXPECT_EQ(g.node(1).name, "x");
  }
  // ONNX's own InferShapes (the reference's path) leaves the Reshape to the declared output.
  OnnxImportOptions options;
  options.data_propagation = false;
  options.batch_size = 3;
  const Graph g =
      import_onnx(source_path("tests/fixtures/onnx/synthetic/shape_chain.onnx"), options);
  EXPECT_EQ(find(g, "y")->output_shape, (std::vector<int64_t>{3, 192}));
  EXPECT_EQ(find(g, "n")->output_shape, (std::vector<int64_t>{}));
}

TEST(OnnxImport, TransformerBlockCosts) {
  const Graph g = import("synthetic/transformer_block.onnx");
  // MatMul: prod(out) · (2K − 1); weights are parameters.
  EXPECT_EQ(find(g, "q")->cost.flops, 5 * 16 * (2 * 16 - 1));
  EXPECT_EQ(find(g, "q")->cost.params, 16 * 16);
  EXPECT_EQ(find(g, "scores")->cost.flops, 5 * 5 * (2 * 16 - 1));
  EXPECT_EQ(find(g, "scores")->cost.params, 0);
  EXPECT_EQ(find(g, "u")->cost.params, 16 * 64);
  EXPECT_EQ(find(g, "att")->cost.flops, 3 * 25);  // Softmax: 3 per element
  EXPECT_EQ(find(g, "e")->cost.flops, 5 * 64);    // Erf: 1 per element
  EXPECT_EQ(find(g, "mu")->cost.flops, 5 * 16);   // ReduceMean reads every input element
  EXPECT_EQ(find(g, "kt")->cost.flops, 0);        // Transpose moves data
  EXPECT_EQ(find(g, "kt")->cost.memory, 5 * 16);
  EXPECT_EQ(g.facts().total.params,
            16 + 16 + 256 + 256 + 1024);      // LN scale/shift count, scalars do not
  EXPECT_EQ(find(g, "xs")->cost.params, 16);  // the LN scale, read by Mul
  // Reference: MatMul costs nothing (misspelled table key) and has no op code.
  const Graph ref = import("synthetic/transformer_block.onnx", 1, OnnxCompat::kReference);
  EXPECT_EQ(find(ref, "q")->cost.flops, 0);
  EXPECT_EQ(find(ref, "q")->cost.memory, 0);
  EXPECT_EQ(find(ref, "att")->cost.flops, 3 * (3 / 1) - 1);  // rank 3 // batch 1 = 3
  OnnxTokenizerOptions ref_options;
  ref_options.compat = OnnxCompat::kReference;
  const TokenSequence ref_tokens = OnnxTokenizer(ref_options).tokenize(ref);
  const TokenSequence tokens = OnnxTokenizer().tokenize(g);
  for (int i = 0; i < g.num_nodes(); ++i) {
    if (g.node(i).op_type != "MatMul") continue;
    EXPECT_EQ(tokens.at(i, 17), 1.0f);
    EXPECT_EQ(ref_tokens.at(i, 17), 0.0f);
  }
  // Transpose perm [0, 2, 1] is encoded.
  const Node* kt = find(g, "kt");
  EXPECT_EQ(kt->attributes.at("perm").ints, (std::vector<int64_t>{0, 2, 1}));
  // Weights of MatMul are connected slots (binary op): Input nodes, as in the reference.
  EXPECT_EQ(find(g, "w_q")->op_type, "Input");
}

TEST(OnnxImport, UnknownOperatorGetsTheOtherCodeAndIsListed) {
  const Graph g = import("synthetic/unknown_op.onnx");
  EXPECT_EQ(g.facts().unknown_ops, (std::vector<std::string>{"FancyNorm"}));
  ASSERT_NE(find(g, "f"), nullptr);
  EXPECT_EQ(find(g, "f")->op_type, "FancyNorm");
  EXPECT_EQ(g.num_nodes(), 4);  // x, r, f, y
  EXPECT_TRUE(g.has_edge(1, 2) && g.has_edge(2, 3));
  const TokenSequence t = OnnxTokenizer().tokenize(g);
  for (int c = 0; c < 112; ++c) EXPECT_EQ(t.at(2, c), 0.0f);
  // No shape inference for a custom domain: the node has no shape (its successor is the
  // graph output, whose declared shape is used).
  EXPECT_EQ(g.facts().missing_shapes, 1);
  // The tokens carry both counts, through the token cache's file format too.
  EXPECT_EQ(t.missing_shapes, 1);
  EXPECT_EQ(t.unknown_op_types, 1);
  TokenSequence read;
  ASSERT_TRUE(deserialize_tokens(serialize_tokens(t, "k"), "k", read));
  EXPECT_EQ(read.missing_shapes, 1);
  EXPECT_EQ(read.unknown_op_types, 1);
}

TEST(OnnxImport, DropoutMaskGetsTheDataShape) {
  const Graph g = import("synthetic/dropout_mask.onnx");
  ASSERT_NE(find(g, "mask"), nullptr);  // every output of a multi-output operator is a node
  EXPECT_EQ(find(g, "mask")->output_shape, (std::vector<int64_t>{1, 10}));
  EXPECT_EQ(find(g, "mask")->op_type, "Dropout");
  EXPECT_EQ(g.facts().missing_shapes, 0);
  // Gemm in reference compat: Co · (2·Ci − 1 + bias), transB.
  const Graph ref = import("synthetic/dropout_mask.onnx", 1, OnnxCompat::kReference);
  EXPECT_EQ(find(ref, "g")->cost.flops, 10 * (2 * 32 - 1 + 1));
  EXPECT_EQ(find(ref, "g")->cost.params, 10 * (32 + 1));
}

TEST(OnnxImport, DecoderWithConvTransposeSplitAndResize) {
  const Graph g = import("synthetic/decoder.onnx");
  const Node* up = find(g, "up");
  ASSERT_NE(up, nullptr);
  // ConvTranspose: 2 · prod(in) · prod(W[1:]) + bias · prod(out)
  EXPECT_EQ(up->cost.flops, 2.0 * (8 * 4 * 4) * (4 * 2 * 2) + (4 * 8 * 8));
  EXPECT_EQ(up->cost.params, 8 * 4 * 2 * 2 + 4);
  EXPECT_EQ(up->output_shape, (std::vector<int64_t>{1, 4, 8, 8}));
  ASSERT_NE(find(g, "indices"), nullptr);
  ASSERT_NE(find(g, "s0"), nullptr);
  ASSERT_NE(find(g, "s1"), nullptr);
  EXPECT_EQ(find(g, "r0")->cost.flops, 0);                 // nearest
  EXPECT_EQ(find(g, "r1")->cost.flops, 11 * (2 * 8 * 8));  // linear over H and W
  const TokenSequence t = OnnxTokenizer().tokenize(g);
  const int row = static_cast<int>(up - g.nodes().data());
  EXPECT_EQ(t.at(row, 27), 1.0f);  // ConvTranspose one-hot slot
  // kernel 2, stride 2, pad 0, dilation 1, group 1, bias 1, output_padding 0: 7 attributes.
  const std::vector<float> e2 = SinusoidalEmbedder(EmbedType::kTrans, 5).embed(2.0f);
  for (int k = 0; k < 10; ++k) EXPECT_EQ(t.at(row, 32 + k), e2[static_cast<size_t>(k)]);
}

TEST(OnnxImport, FixedBatchReshapeImportsAtAnyBatch) {
  // The declared output [1, 192] contradicts batch 4: retried without the declared output.
  const Graph g = import("synthetic/fixed_batch_reshape.onnx", 4);
  EXPECT_EQ(g.node(0).output_shape, (std::vector<int64_t>{4, 3, 8, 8}));
  EXPECT_EQ(find(g, "y")->output_shape[1], 192);
}

// ------------------------------------------------------------------------------------------
// Bad files: one DataError whose one-line message starts with the file path.

void expect_clear_error(const std::string& path, const std::string& fragment) {
  const std::string message = error_message<DataError>([&] { import_onnx(path); });
  ASSERT_FALSE(message.empty()) << path << ": expected a DataError";
  EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_NE(message.find(fragment), std::string::npos) << message;
}

TEST(OnnxImport, BadFilesGiveOneClearError) {
  TempDir dir;
  const std::string original =
      read_file(source_path("tests/fixtures/onnx/nnlqp_test_onnx/resnet18-v1-7-no-weight.onnx"));
  const auto write = [&](const std::string& name, const std::string& bytes) {
    const std::string path = (fs::path(dir.path()) / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  };
  expect_clear_error((fs::path(dir.path()) / "missing.onnx").string(), "file not found");
  expect_clear_error(dir.path(), "is a directory");
  expect_clear_error(write("empty.onnx", ""), "empty file");
  expect_clear_error(write("text.onnx", "this is not a model, just some words.\n"),
                     "not an ONNX model");
  expect_clear_error(write("csv.onnx", "id,path,batch\n1,a.onnx,1\n"), "not an ONNX model");
  for (const size_t keep : {size_t{1}, size_t{100}, original.size() / 2, original.size() - 1})
    expect_clear_error(
        write("truncated" + std::to_string(keep) + ".onnx", original.substr(0, keep)), "ONNX");
  std::string corrupt = original;
  for (size_t i = 200; i < 400; ++i) corrupt[i] = static_cast<char>(0xff);
  expect_clear_error(write("corrupt.onnx", corrupt), "not an ONNX model");
  expect_clear_error(source_path("tests/fixtures/onnx/synthetic/cycle.onnx"), "cycle");
  // Found by fuzzing: a Conv with stride 0 made ONNX's shape inference divide by zero.
  expect_clear_error(source_path("fuzz/corpus/regression-conv-stride-0.onnx"), "has strides <= 0");
  // The same errors from bytes in memory name the given source.
  const std::string message =
      error_message<DataError>([] { import_onnx_bytes("", "memory.onnx"); });
  EXPECT_EQ(message.rfind("memory.onnx: ", 0), 0u) << message;
}

TEST(OnnxImport, FuzzRegressionsHaveTheirExpectedOutcome) {
  // Inputs that once crashed the process inside ONNX's shape inference (fuzz/corpus), each with
  // what it must do now: import to a graph of this many nodes, or fail with this message.
  struct Expected {
    int nodes;            ///< > 0: imports and tokenizes to this many nodes
    const char* message;  ///< else: DataError naming the file, containing this
  };
  const std::map<std::string, Expected> expected = {
      {"regression-conv-stride-0.onnx", {0, "has strides <= 0"}},
      // A rank-1 ConvTranspose weight: shape inference gives up on it and what depends on it.
      {"regression-convtranspose-rank1-weight.onnx", {10, ""}},
  };
  int seen = 0;
  for (const auto& entry : fs::directory_iterator(source_path("fuzz/corpus"))) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("regression-", 0) != 0) continue;
    ++seen;
    SCOPED_TRACE(name);
    const auto it = expected.find(name);
    ASSERT_NE(it, expected.end()) << "a new regression input needs its expected outcome here";
    if (it->second.nodes > 0) {
      const Graph g = import_onnx(entry.path().string());
      const TokenSequence tokens = OnnxTokenizer().tokenize(g);
      EXPECT_EQ(tokens.num_nodes, it->second.nodes);
      EXPECT_GT(g.facts().missing_shapes, 0);
    } else {
      expect_clear_error(entry.path().string(), it->second.message);
    }
  }
  EXPECT_EQ(seen, static_cast<int>(expected.size()));
}

TEST(OnnxImport, BatchSizeMustBePositive) {
  OnnxImportOptions options;
  options.batch_size = 0;
  EXPECT_FALSE(error_message<ConfigError>([&] {
                 import_onnx(source_path("tests/fixtures/onnx/synthetic/shape_chain.onnx"),
                             options);
               }).empty());
}

TEST(OnnxImport, ModelApi) {
  OnnxModel model = OnnxModel::load(
      source_path("tests/fixtures/onnx/nnlqp_test_onnx/resnet18-v1-7-no-weight.onnx"));
  EXPECT_EQ(model.ir_version(), 3);
  EXPECT_EQ(model.opset(), 8);
  EXPECT_FALSE(model.prepared());
  EXPECT_EQ(model.byte_size(), 23822u);
  EXPECT_THROW(build_graph(model), Error);
  model.prepare(2);
  EXPECT_EQ(model.batch_size(), 2);
  const Graph g = build_graph(model, OnnxCompat::kReference);
  EXPECT_EQ(g.num_nodes(), 70);
  EXPECT_EQ(g.facts().num_operators, 69);
  EXPECT_EQ(parse_onnx_compat("reference"), OnnxCompat::kReference);
  EXPECT_THROW(parse_onnx_compat("old"), ConfigError);
}

}  // namespace
}  // namespace narformer
