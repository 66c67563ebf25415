// The operator table: one row per operator type, the published op codes intact.
#include "narformer/onnx/operators.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

namespace narformer {
namespace {

TEST(OperatorTable, OneRowPerTypeAndThePublishedOpCodes) {
  std::set<std::string_view> types;
  std::map<int, std::string_view> by_code;
  for (const OperatorInfo& info : operator_table()) {
    EXPECT_TRUE(types.insert(info.type).second) << info.type << " has two rows";
    EXPECT_EQ(find_operator(info.type), &info);
    if (info.op_code == 0) {
      EXPECT_EQ(info.attributes, AttributeEncoding::kNone) << info.type;
      continue;
    }
    EXPECT_TRUE(by_code.emplace(info.op_code, info.type).second) << "code " << info.op_code;
    // Every published operator has a reference formula, except the one it misspelled.
    EXPECT_EQ(info.reference == ReferenceFormula::kNone, info.type == "MatMul") << info.type;
  }
  EXPECT_EQ(types.size(), 183u);
  // NAR-Former V2's table (method.md §2.6): frozen, compat reference reproduces it.
  const char* published[] = {"Conv",    "Relu",      "Add",        "Sigmoid",
                             "Reshape", "MaxPool",   "Split",      "GlobalAveragePool",
                             "Gemm",    "Transpose", "Upsample",   "BatchNormalization",
                             "Mul",     "Concat",    "Flatten",    "AveragePool",
                             "Cast",    "MatMul",    "ReduceMean", "Pow",
                             "Slice",   "Div",       "Sub",        "Sqrt",
                             "Clip",    "Softmax",   "Tanh",       "ConvTranspose"};
  ASSERT_EQ(by_code.size(), 28u);
  for (int code = 1; code <= 28; ++code) EXPECT_EQ(by_code[code], published[code - 1]);
  EXPECT_EQ(find_operator("Conv")->attributes, AttributeEncoding::kConv);
  EXPECT_EQ(find_operator("Transpose")->attributes, AttributeEncoding::kTranspose);
  EXPECT_EQ(find_operator("NoSuchOp"), nullptr);
}

TEST(OperatorTable, EdgeRulesByDomainAndSlot) {
  const EdgeRule conv = edge_rule("", "Conv");
  EXPECT_TRUE(conv.known);
  EXPECT_TRUE(conv.connects(0, /*known_tensor=*/true));  // data, even from an initializer
  EXPECT_FALSE(conv.connects(1, true));                  // a weight initializer: not a node
  EXPECT_TRUE(conv.connects(1, false));                  // a computed weight: an edge
  EXPECT_FALSE(conv.connects(2, false));                 // the bias is not in the rule

  const EdgeRule add = edge_rule("ai.onnx", "Add");
  EXPECT_TRUE(add.known && add.connects(1, true) && !add.connects(2, false));
  EXPECT_FALSE(edge_rule("", "Constant").connects(0, false));
  const EdgeRule concat = edge_rule("", "Concat");
  EXPECT_TRUE(concat.connects(7, true));

  // A custom domain's Conv, an unknown type and DeformConv (not in ONNX 1.12) connect everything.
  for (const EdgeRule& rule : {edge_rule("com.microsoft", "Conv"), edge_rule("", "NoSuchOp"),
                               edge_rule("", "DeformConv")}) {
    EXPECT_FALSE(rule.known);
    EXPECT_TRUE(rule.connects(1, true));
  }
}

}  // namespace
}  // namespace narformer
