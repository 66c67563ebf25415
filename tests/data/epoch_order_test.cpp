// Epoch order: seeded shuffles and length-bucketed batches visit every sample exactly once,
// and bucketing cuts the padding of mixed-size batches.
#include "narformer/data/epoch_order.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace narformer {
namespace {

std::vector<int64_t> identity(int64_t n) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  return order;
}

/// Padded node slots of the batches: sum over batches of batch length * largest size.
int64_t padded_slots(const std::vector<int64_t>& order, const std::vector<int64_t>& starts,
                     const std::vector<int>& sizes, int64_t batch) {
  int64_t slots = 0;
  for (const int64_t s : starts) {
    const int64_t end = std::min<int64_t>(static_cast<int64_t>(order.size()), s + batch);
    int largest = 0;
    for (int64_t k = s; k < end; ++k)
      largest = std::max(largest, sizes[static_cast<size_t>(order[static_cast<size_t>(k)])]);
    slots += (end - s) * largest;
  }
  return slots;
}

TEST(EpochOrder, ShuffleIsASeededPermutation) {
  std::mt19937_64 a(7), b(7), c(8);
  auto x = identity(100), y = identity(100), z = identity(100);
  shuffle_indices(x, a);
  shuffle_indices(y, b);
  shuffle_indices(z, c);
  EXPECT_EQ(x, y);
  EXPECT_NE(x, z);
  EXPECT_NE(x, identity(100));
  std::sort(x.begin(), x.end());
  EXPECT_EQ(x, identity(100));
}

TEST(EpochOrder, WithoutBucketsBatchesAreConsecutive) {
  std::mt19937_64 engine(1);
  auto order = identity(37);
  const std::vector<int> sizes(37, 5);
  const auto starts = batch_starts(order, sizes, 16, 0, engine);
  EXPECT_EQ(starts, (std::vector<int64_t>{0, 16, 32}));
  EXPECT_EQ(order, identity(37));
}

TEST(EpochOrder, BucketsVisitEverySampleOnceAndCutPadding) {
  // 1,000 graphs of 20..370 nodes, batches of 16: bucketing in pools of 32 batches.
  std::mt19937_64 sizes_engine(3);
  std::vector<int> sizes(1000);
  for (auto& s : sizes) s = 20 + static_cast<int>(sizes_engine() % 351);
  std::mt19937_64 engine(0);
  auto plain = identity(1000);
  shuffle_indices(plain, engine);
  auto bucketed = plain;
  const auto plain_starts = batch_starts(plain, sizes, 16, 0, engine);
  const auto starts = batch_starts(bucketed, sizes, 16, 32, engine);

  ASSERT_EQ(starts.size(), 63u);  // ceil(1000 / 16)
  auto sorted_starts = starts;
  std::sort(sorted_starts.begin(), sorted_starts.end());
  EXPECT_EQ(sorted_starts, plain_starts);  // the same batch boundaries, shuffled
  EXPECT_NE(starts, plain_starts);
  auto visited = bucketed;
  std::sort(visited.begin(), visited.end());
  EXPECT_EQ(visited, identity(1000));  // each sample once
  const int64_t real = std::accumulate(sizes.begin(), sizes.end(), int64_t{0});
  const int64_t padded_plain = padded_slots(plain, plain_starts, sizes, 16);
  const int64_t padded_bucketed = padded_slots(bucketed, starts, sizes, 16);
  EXPECT_GT(padded_plain, real * 17 / 10);     // random batches: > 1.7x the real nodes
  EXPECT_LT(padded_bucketed, real * 11 / 10);  // bucketed: < 1.1x
}

}  // namespace
}  // namespace narformer
