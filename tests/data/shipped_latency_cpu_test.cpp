// The shipped CPU latency set (data/latency_cpu, built by scripts/build_latency_dataset.py):
// its gt.txt has >= 200 measured models of each of the 10 families, and every ONNX file it names
// imports and tokenizes with narformer's own importer, with no unknown operator and no missing
// shape. scripts/setup.sh unpacks data/latency_cpu/onnx.tar.xz into data/latency_cpu/onnx. The
// same for the single-operator kernels measured beside it (data/latency_cpu_kernels).
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "narformer/data/latency_table.h"
#include "narformer/onnx/onnx_graph.h"
#include "narformer/tokenize/onnx_tokenizer.h"

namespace narformer {
namespace {

namespace fs = std::filesystem;

const std::string kFolder = std::string(NARFORMER_SOURCE_DIR) + "/data/latency_cpu";

TEST(ShippedLatencyCpu, HasTwoHundredMeasuredModelsPerFamily) {
  const LatencyTable table = read_latency_table(kFolder + "/gt.txt", "");
  ASSERT_GE(table.records.size(), 2000u);
  std::map<std::string, int> per_family;
  std::map<std::string, int> test_per_family;
  for (const auto& r : table.records) {
    ++per_family[r.family];
    if (r.stage == "test") ++test_per_family[r.family];
    EXPECT_TRUE(std::isfinite(r.latency_ms) && r.latency_ms > 0) << r.id;
    EXPECT_EQ(r.batch_size, 1) << r.id;
    EXPECT_EQ(r.platform, "1") << r.id;
  }
  EXPECT_EQ(per_family.size(), 10u);
  for (const auto& [family, n] : per_family) {
    EXPECT_GE(n, 200) << family;
    EXPECT_EQ(test_per_family[family], n / 10) << family;  // the seeded 10 % stage split
  }
}

TEST(ShippedLatencyCpu, EveryOnnxFileImportsAndTokenizes) {
  ASSERT_TRUE(fs::is_directory(kFolder + "/onnx"))
      << kFolder << "/onnx is missing: scripts/setup.sh unpacks it from onnx.tar.xz";
  const LatencyTable table = read_latency_table(kFolder + "/gt.txt", "");
  const OnnxTokenizer tokenizer;
  int failures = 0;
  for (const auto& r : table.records) {
    try {
      OnnxImportOptions options;
      options.batch_size = r.batch_size;
      const Graph graph = import_onnx(r.onnx_path, options);
      EXPECT_TRUE(graph.facts().unknown_ops.empty()) << r.onnx_path;
      EXPECT_EQ(graph.facts().missing_shapes, 0) << r.onnx_path;
      const TokenSequence tokens = tokenizer.tokenize(graph);
      EXPECT_EQ(tokens.num_nodes, static_cast<int>(graph.num_nodes())) << r.onnx_path;
      EXPECT_GT(tokens.num_nodes, 10) << r.onnx_path;
    } catch (const std::exception& e) {
      ++failures;
      ADD_FAILURE() << e.what();
    }
  }
  EXPECT_EQ(failures, 0);
}

TEST(ShippedLatencyCpuKernels, FourHundredSingleOperatorsImportAndTokenize) {
  const std::string folder = std::string(NARFORMER_SOURCE_DIR) + "/data/latency_cpu_kernels";
  ASSERT_TRUE(fs::is_directory(folder + "/onnx"))
      << folder << "/onnx is missing: scripts/setup.sh unpacks it from onnx.tar.xz";
  const LatencyTable table = read_latency_table(folder + "/gt.txt", "");
  ASSERT_EQ(table.records.size(), 400u);
  const OnnxTokenizer tokenizer;
  std::set<std::string> operators;
  for (const auto& r : table.records) {
    EXPECT_EQ(r.family, "kernels") << r.id;
    EXPECT_EQ(r.stage, "train") << r.id;  // extra training data: never a test line
    EXPECT_EQ(r.platform, "1") << r.id;   // data/latency_cpu's platform
    EXPECT_TRUE(std::isfinite(r.latency_ms) && r.latency_ms > 0 && r.latency_ms < 100) << r.id;
    OnnxImportOptions options;
    options.batch_size = r.batch_size;
    const Graph graph = import_onnx(r.onnx_path, options);
    EXPECT_TRUE(graph.facts().unknown_ops.empty()) << r.onnx_path;
    EXPECT_EQ(graph.facts().missing_shapes, 0) << r.onnx_path;
    // The input and one operator; a Flatten before a Gemm, a Sigmoid before SiLU's Mul, and a
    // Pad (with its pads as a second input) before an average pool that counts the padding.
    EXPECT_GE(graph.num_nodes(), 2) << r.onnx_path;
    EXPECT_LE(graph.num_nodes(), 4) << r.onnx_path;
    for (const auto& node : graph.nodes()) operators.insert(node.op_type);
    EXPECT_EQ(tokenizer.tokenize(graph).num_nodes, graph.num_nodes()) << r.onnx_path;
  }
  for (const char* op :
       {"Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "BatchNormalization", "Relu", "Clip",
        "HardSigmoid", "Sigmoid", "Mul", "Add", "Concat", "Gemm"})
    EXPECT_EQ(operators.count(op), 1u) << op;
}

}  // namespace
}  // namespace narformer
