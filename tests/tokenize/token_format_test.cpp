// The token format version: derived from the probe models' tokens, so that it follows every
// change of what the importer, the cost formulas or the tokenizer produce.
#include "narformer/tokenize/token_format.h"

#include <gtest/gtest.h>

#include <set>

#include "narformer/tokenize/onnx_tokenizer.h"
#include "narformer/tokenize/token_cache.h"

namespace narformer {
namespace {

// probe_tokens()'s order: per probe (main, upsample), corrected/trans, corrected/nerf,
// reference/trans, reference/nerf at batch 1 and 3, then the position code at batch 1.
constexpr size_t kPerProbe = 9;
constexpr size_t kMainCorrected = 0, kMainReference = 4;
constexpr size_t kUpsampleCorrected = kPerProbe, kUpsampleReference = kPerProbe + 4;

/// Op codes (1-based) that some row of `tokens` carries.
std::set<int> op_codes(const TokenSequence& tokens) {
  std::set<int> codes;
  for (int node = 0; node < tokens.num_nodes; ++node)
    for (int slot = 0; slot < OnnxTokenizer::kOpTypeDims; ++slot)
      if (tokens.at(node, slot) == 1.0f) codes.insert(slot + 1);
  return codes;
}

TEST(TokenFormat, ProbesHoldEveryOpCodeAndEveryKindOfCostWithShapes) {
  const std::vector<TokenSequence> tokens = probe_tokens();
  ASSERT_EQ(tokens.size(), 2 * kPerProbe);
  for (const TokenSequence& t : tokens) {
    EXPECT_EQ(t.missing_shapes, 0);  // every formula saw real shapes
    EXPECT_EQ(t.unknown_op_types, 0);
    EXPECT_GT(t.num_nodes, 0);
  }
  EXPECT_GE(tokens[kMainCorrected].num_nodes, 50);

  std::set<int> corrected = op_codes(tokens[kMainCorrected]);
  for (int code : op_codes(tokens[kUpsampleCorrected])) corrected.insert(code);
  std::set<int> reference = op_codes(tokens[kMainReference]);
  for (int code : op_codes(tokens[kUpsampleReference])) reference.insert(code);
  for (int code = 1; code <= 28; ++code) {
    EXPECT_TRUE(corrected.count(code)) << "op code " << code << " missing from the probes";
    // The reference spelled MatMul "Matmul": code 18 never occurs in reference compat.
    EXPECT_EQ(reference.count(code), code == 18 ? 0u : 1u) << "op code " << code;
  }

  // Every kind of work of the cost readout is nonzero somewhere, at batch 1 and 3.
  for (size_t index : {kMainCorrected, kMainCorrected + 1}) {
    const TokenSequence& t = tokens[index];
    for (int kind = 0; kind < kNodeCostDims; ++kind) {
      float total = 0;
      for (int node = 0; node < t.num_nodes; ++node)
        total += t.node_costs[static_cast<size_t>(node * kNodeCostDims + kind)];
      EXPECT_GT(total, 0.0f) << "cost column " << kind << " of probe tokens " << index;
    }
  }
}

TEST(TokenFormat, VersionMovesWithAnyChangeOfTheProbeTokens) {
  const std::vector<TokenSequence> base = probe_tokens();
  const uint32_t version = format_version_of(base);
  EXPECT_EQ(version, token_format_version());
  EXPECT_NE(version, 0u);
  EXPECT_EQ(format_version_of(probe_tokens()), version);  // deterministic

  // What an edited formula does: the first convolution's FLOPs 1 % higher in one setting.
  std::vector<TokenSequence> conv_formula = base;
  TokenSequence& t = conv_formula[kMainReference];
  int conv = 0;
  while (conv < t.num_nodes &&
         t.node_costs[static_cast<size_t>(conv * kNodeCostDims + kSpatialConvGflop)] == 0)
    ++conv;
  ASSERT_LT(conv, t.num_nodes);
  t.node_costs[static_cast<size_t>(conv * kNodeCostDims + kSpatialConvGflop)] *= 1.01f;
  EXPECT_NE(format_version_of(conv_formula), version);

  // An edge rule, an attribute encoding, a graph-level FLOP count, a shape left unknown.
  std::vector<TokenSequence> edge = base;
  edge[kUpsampleCorrected].edges.pop_back();
  EXPECT_NE(format_version_of(edge), version);
  std::vector<TokenSequence> attribute = base;
  attribute[kMainCorrected].features[OnnxTokenizer::kOpTypeDims] += 0.5f;
  EXPECT_NE(format_version_of(attribute), version);
  std::vector<TokenSequence> statics = base;
  statics.back().static_features[10] = -statics.back().static_features[10] + 1;
  EXPECT_NE(format_version_of(statics), version);
  std::vector<TokenSequence> shapes = base;
  shapes[1].missing_shapes = 1;
  EXPECT_NE(format_version_of(shapes), version);
}

TEST(TokenFormat, CacheFilesOfAnotherVersionAreStale) {
  const TokenSequence tokens = probe_tokens().front();
  TokenSequence read;
  EXPECT_TRUE(deserialize_tokens(serialize_tokens(tokens, "k"), "k", read));
  EXPECT_EQ(token_digest(read), token_digest(tokens));
  EXPECT_FALSE(
      deserialize_tokens(serialize_tokens(tokens, "k", token_format_version() + 1), "k", read));
}

}  // namespace
}  // namespace narformer
