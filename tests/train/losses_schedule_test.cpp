#include <gtest/gtest.h>

#include "narformer/train/losses.h"
#include "narformer/train/schedule.h"

namespace narformer {
namespace {

TEST(Losses, RelativeErrorRankingConsistency) {
  const torch::Tensor y = torch::tensor({1.0f, 2.0f, 4.0f});
  const torch::Tensor p = torch::tensor({1.5f, 2.0f, 3.0f});
  // mean((0.5)², 0², (-0.25)²) = 0.3125 / 3
  EXPECT_NEAR(relative_error_loss(p, y).item<double>(), 0.3125 / 3, 1e-7);
  // identity permutation: every gap is zero
  EXPECT_NEAR(ranking_loss(p, y, torch::tensor({0, 1, 2}, torch::kInt64)).item<double>(), 0.0,
              1e-7);
  // π = (1, 2, 0): predicted gaps (-0.5, -1, 1.5), true gaps (-1, -2, 3) -> |0.5|, |1|, |1.5|
  EXPECT_NEAR(ranking_loss(p, y, torch::tensor({1, 2, 0}, torch::kInt64)).item<double>(), 1.0,
              1e-7);
  EXPECT_NEAR(consistency_loss(p, torch::tensor({1.0f, 2.5f, 3.0f})).item<double>(), 1.0 / 3, 1e-7);
  // relative to the label: mean(|-0.5| / 1, |0.5| / 2, 0 / 4) = 0.75 / 3
  EXPECT_NEAR(relative_consistency_loss(p, torch::tensor({1.0f, 2.5f, 3.0f}), y).item<double>(),
              0.75 / 3, 1e-7);
}

TEST(Losses, TheTaskNamesItsMainLoss) {
  const torch::Tensor y = torch::tensor({1.0f, 2.0f, 4.0f});
  const torch::Tensor p = torch::tensor({1.5f, 2.0f, 3.0f});
  EXPECT_NEAR(training_loss(TrainingLoss::kRelativeError, p, y).item<double>(), 0.3125 / 3, 1e-7);
  // mean(0.5², 0², 1²) = 1.25 / 3
  EXPECT_NEAR(training_loss(TrainingLoss::kSquaredError, p, y).item<double>(), 1.25 / 3, 1e-7);
}

TEST(Schedule, PublishedNb201Schedule) {
  const WarmupLinearSchedule s(98000, 0.1);  // 1000 epochs × 98 iterations, W = 9800
  EXPECT_DOUBLE_EQ(s.multiplier(0), 0.0);
  EXPECT_DOUBLE_EQ(s.multiplier(4900), 0.5);
  EXPECT_DOUBLE_EQ(s.multiplier(9800), 1.0);
  EXPECT_DOUBLE_EQ(s.multiplier(53900), 0.5);
  EXPECT_DOUBLE_EQ(s.multiplier(98000), 0.0);
  EXPECT_DOUBLE_EQ(s.multiplier(99000), 0.0);
}

TEST(Schedule, WarmupIsNotRounded) {
  const WarmupLinearSchedule s(25, 0.1);  // W = 2.5 steps
  EXPECT_DOUBLE_EQ(s.multiplier(2), 0.8);
  EXPECT_DOUBLE_EQ(s.multiplier(3), 22.0 / 22.5);
}

}  // namespace
}  // namespace narformer
