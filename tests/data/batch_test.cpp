#include "narformer/data/batch.h"

#include <gtest/gtest.h>

namespace narformer {
namespace {

TokenSequence make_sequence(int nodes, int dim, float fill,
                            std::vector<std::pair<int32_t, int32_t>> edges) {
  TokenSequence t;
  t.num_nodes = nodes;
  t.feature_dim = dim;
  t.features.assign(static_cast<size_t>(nodes * dim), fill);
  t.edges = std::move(edges);
  t.static_features = {fill, -fill};
  return t;
}

TEST(Collate, PadsFeaturesAdjacencyAndMask) {
  const TokenSequence small = make_sequence(2, 3, 1.0f, {{0, 1}});
  const TokenSequence large = make_sequence(4, 3, 2.0f, {{0, 3}, {1, 2}});
  const PaddedBatch b = collate({&small, &large});
  EXPECT_EQ(b.batch_size, 2);
  EXPECT_EQ(b.max_nodes, 4);
  EXPECT_EQ(b.feature_dim, 3);
  EXPECT_EQ(b.num_nodes, (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(b.mask, (std::vector<float>{1, 1, 0, 0, 1, 1, 1, 1}));
  // sample 0: rows 2 and 3 padded with zeros
  for (int c = 0; c < 3; ++c) {
    EXPECT_EQ(b.features[0 * 12 + 1 * 3 + c], 1.0f);
    EXPECT_EQ(b.features[0 * 12 + 2 * 3 + c], 0.0f);
    EXPECT_EQ(b.features[1 * 12 + 3 * 3 + c], 2.0f);
  }
  auto adj = [&](int s, int i, int j) {
    return b.adjacency[static_cast<size_t>(s * 16 + i * 4 + j)];
  };
  EXPECT_EQ(adj(0, 0, 1), 1.0f);
  EXPECT_EQ(adj(0, 1, 0), 1.0f);
  EXPECT_EQ(adj(1, 3, 0), 1.0f);
  EXPECT_EQ(adj(1, 2, 1), 1.0f);
  EXPECT_EQ(adj(1, 0, 0), 0.0f);
  float total = 0;
  for (float a : b.adjacency) total += a;
  EXPECT_EQ(total, 6.0f);  // 3 undirected edges, both directions
  EXPECT_EQ(b.static_features, (std::vector<float>{1, -1, 2, -2}));
}

TEST(Collate, RejectsMismatchedWidths) {
  const TokenSequence a = make_sequence(2, 3, 1.0f, {});
  const TokenSequence b = make_sequence(2, 4, 1.0f, {});
  EXPECT_THROW(collate({&a, &b}), std::invalid_argument);
  EXPECT_THROW(collate({}), std::invalid_argument);
}

TEST(Collate, PadsNodeCostsWithZerosAndRejectsAMix) {
  TokenSequence small = make_sequence(1, 2, 1.0f, {});
  TokenSequence large = make_sequence(2, 2, 1.0f, {{0, 1}});
  // Node rows 1, 2, 3 (each value its row number plus the column / 16); padding 0.
  auto row = [](int r) {
    std::vector<float> v;
    for (int c = 0; c < kNodeCostDims; ++c)
      v.push_back(static_cast<float>(r) + static_cast<float>(c) / 16);
    return v;
  };
  auto concat = [](std::initializer_list<std::vector<float>> parts) {
    std::vector<float> v;
    for (const auto& p : parts) v.insert(v.end(), p.begin(), p.end());
    return v;
  };
  small.node_costs = row(1);
  large.node_costs = concat({row(2), row(3)});
  const PaddedBatch b = collate({&small, &large});
  EXPECT_EQ(b.node_costs,
            concat({row(1), std::vector<float>(kNodeCostDims, 0.0f), row(2), row(3)}));
  const TokenSequence cell = make_sequence(2, 2, 1.0f, {});
  EXPECT_TRUE(collate({&cell}).node_costs.empty());
  EXPECT_THROW(collate({&small, &cell}), std::invalid_argument);
}

TEST(Collate, CarriesPriorsAndRejectsAMix) {
  TokenSequence a = make_sequence(1, 2, 1.0f, {}), b = make_sequence(2, 2, 1.0f, {{0, 1}});
  EXPECT_TRUE(collate({&a, &b}).prior.empty());
  a.prior = 0.5f;
  EXPECT_THROW(collate({&a, &b}), std::invalid_argument);
  b.prior = 2.0f;
  EXPECT_EQ(collate({&a, &b}).prior, (std::vector<float>{0.5f, 2.0f}));
}

}  // namespace
}  // namespace narformer
