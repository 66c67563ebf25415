// Adding an ONNX operator of one's own takes one entry in one call. This file does it: a toy
// custom operator, ToyScale(x, scale) (an elementwise multiply by a per-channel weight), that
// the importer does not know, taught to the importer, the cost model and the tokenizer with one
// add_operator() line, with nothing else in the library touched.
//
// tests/fixtures/toy_operator/toy_scale.onnx: x[1,8,4,4] -> Relu -> ToyScale(., scale[8,1,1])
// -> Relu -> z, the ToyScale output's shape declared in value_info (ONNX cannot infer an
// operator it has no schema for), written with the onnx Python package's helper.make_graph.
#include <gtest/gtest.h>

#include <algorithm>

#include "../test_util.h"
#include "narformer/core/error.h"
#include "narformer/onnx/onnx_graph.h"
#include "narformer/onnx/operators.h"
#include "narformer/tokenize/onnx_tokenizer.h"
#include "narformer/tokenize/token_format.h"

namespace narformer {
namespace {

const OperatorInfo& toy_operator() {
  // The one registry line: slot 1 is a weight (an edge only when not a known tensor), one FLOP
  // per output element, op code 29 (after the published 28), and the output shaped like the
  // input (ONNX has no schema to infer it from).
  static const OperatorInfo& entry = add_operator([] {
    OperatorInfo op{"ToyScale", EdgeRule::weights({1}), CostFormula::kElementwise};
    op.op_code = 29;
    op.shape_like_first_input = true;
    return op;
  }());
  return entry;
}

const Node& node_of_type(const Graph& graph, const std::string& type) {
  const auto it = std::find_if(graph.nodes().begin(), graph.nodes().end(),
                               [&](const Node& n) { return n.op_type == type; });
  EXPECT_NE(it, graph.nodes().end()) << type;
  return *it;
}

TEST(ToyOperator, OneEntryTeachesTheImporterTheCostModelAndTheTokenizer) {
  const std::string path = testing::source_path("tests/fixtures/toy_operator/toy_scale.onnx");
  const OnnxTokenizer tokenizer(OnnxTokenizerOptions{});

  // Unknown: every input connected (the weight becomes an input node), no cost, op code 0.
  const uint32_t version_before = token_format_version();
  const Graph before = import_onnx(path);
  EXPECT_EQ(before.facts().unknown_ops, std::vector<std::string>{"ToyScale"});
  EXPECT_EQ(node_of_type(before, "ToyScale").cost.flops, 0);
  EXPECT_EQ(before.facts().missing_shapes, 1);  // its output: ONNX has no schema for it
  EXPECT_EQ(tokenizer.tokenize(before).unknown_op_types, 1);

  const OperatorInfo& toy = toy_operator();
  EXPECT_EQ(find_operator("ToyScale"), &toy);

  // Known: the weight is no node and no edge, the FLOPs are 1 x 8 x 4 x 4 = 128, and the
  // tokens count no unknown operator.
  const Graph after = import_onnx(path);
  EXPECT_TRUE(after.facts().unknown_ops.empty());
  EXPECT_EQ(after.facts().missing_shapes, 0);
  EXPECT_EQ(after.num_nodes(), before.num_nodes() - 1);
  EXPECT_EQ(after.edges().size(), before.edges().size() - 1);
  EXPECT_EQ(node_of_type(after, "ToyScale").cost.flops, 128);
  const TokenSequence tokens = tokenizer.tokenize(after);
  EXPECT_EQ(tokens.unknown_op_types, 0);
  // Tokens cached before the entry existed are stale: the format version moved.
  EXPECT_NE(token_format_version(), version_before);

  // A type has one entry.
  EXPECT_THROW(add_operator({"ToyScale", EdgeRule::first()}), ConfigError);
  EXPECT_THROW(add_operator({"Conv", EdgeRule::first()}), ConfigError);
}

}  // namespace
}  // namespace narformer
