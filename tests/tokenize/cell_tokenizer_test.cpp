#include "narformer/tokenize/cell_tokenizer.h"

#include <gtest/gtest.h>

#include <numeric>

#include "../golden_tokens.h"
#include "narformer/cells/augment.h"
#include "narformer/cells/nb201.h"
#include "narformer/core/error.h"

namespace narformer {
namespace {

const char* kExample =
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|none~2|";

double row_sum(const TokenSequence& t, int row) {
  return std::accumulate(t.row(row), t.row(row) + t.feature_dim, 0.0);
}

double total(const TokenSequence& t) {
  return std::accumulate(t.features.begin(), t.features.end(), 0.0);
}

TEST(CellTokenizer, PublishedNb201SettingMatchesAppendixA) {
  const CellTokenizer tokenizer{CellTokenizerOptions{}};  // nerf, pe, dx = dp = 32
  const TokenSequence t = tokenizer.tokenize(to_graph(parse_nb201_arch(kExample)));
  ASSERT_EQ(t.num_nodes, 8);
  ASSERT_EQ(t.feature_dim, 128);
  const double expected_rows[8] = {64.0,       6.0757284,    6.4832010,  8.6175750,
                                   -1.5463401, 0.0088378156, -1.0617008, 3.8483039};
  for (int r = 0; r < 8; ++r) EXPECT_NEAR(row_sum(t, r), expected_rows[r], 1e-5) << "row " << r;
  EXPECT_NEAR(total(t), 86.425605, 1e-4);

  // Node 1 carries nor_conv_3x3 (id 2): op code = E(2), position code = E(1).
  const SinusoidalEmbedder nerf(EmbedType::kNerf, 32);
  const std::vector<float> e2 = nerf.embed(2.0f), e1 = nerf.embed(1.0f);
  for (int c = 0; c < 64; ++c) {
    EXPECT_FLOAT_EQ(t.at(1, c), e2[c]);
    EXPECT_FLOAT_EQ(t.at(1, 64 + c), e1[c]);
  }
  // Undirected edges, each once.
  EXPECT_EQ(t.edges.size(), 10u);
  EXPECT_EQ(t.edges.front(), std::make_pair(0, 1));
}

TEST(CellTokenizer, AugmentedCopyHasSameTotalButMovedOpCodes) {
  const CellTokenizer tokenizer{CellTokenizerOptions{}};
  const Cell cell = parse_nb201_arch(kExample);
  const TokenSequence original = tokenizer.tokenize(to_graph(cell));
  const TokenSequence augmented = tokenizer.tokenize(to_graph(consistency_augment(cell)));
  EXPECT_NEAR(total(augmented), 86.425605, 1e-4);
  // Rows 5 and 6 swapped op codes but kept their position codes.
  for (int c = 0; c < 64; ++c) {
    EXPECT_EQ(augmented.at(5, c), original.at(6, c));
    EXPECT_EQ(augmented.at(6, c), original.at(5, c));
    EXPECT_EQ(augmented.at(5, 64 + c), original.at(5, 64 + c));
  }
}

TEST(CellTokenizer, OneHotAndNoPosition) {
  CellTokenizerOptions options;
  options.opcode = OpCode::kOneHot;
  options.dx = 7;
  options.dp = 0;
  const CellTokenizer tokenizer(options);
  const TokenSequence t = tokenizer.tokenize(to_graph(parse_nb201_arch(kExample)));
  ASSERT_EQ(t.feature_dim, 7);
  const std::vector<int> ops = {0, 2, 2, 3, 4, 1, 5, 6};
  for (int r = 0; r < 8; ++r)
    for (int c = 0; c < 7; ++c) EXPECT_EQ(t.at(r, c), c == ops[r] ? 1.0f : 0.0f);

  options.dx = 5;
  const CellTokenizer too_short(options);
  EXPECT_THROW(too_short.tokenize(to_graph(parse_nb201_arch(kExample))), DataError);
}

// An NB201 cell with each embedder against values stored before (golden_tokens.h).
TEST(CellTokenizer, TokensMatchTheirGoldenFixtures) {
  const CellTokenizer tokenizer{CellTokenizerOptions{}};
  testing::expect_golden_tokens(tokenizer.tokenize(to_graph(parse_nb201_arch(kExample))),
                                "nb201_example");
  CellTokenizerOptions trans;  // the other embedder, without the self-position code
  trans.embed = EmbedType::kTrans;
  trans.dp = 0;
  testing::expect_golden_tokens(CellTokenizer(trans).tokenize(to_graph(parse_nb201_arch(kExample))),
                                "nb201_example.trans");
}

}  // namespace
}  // namespace narformer
