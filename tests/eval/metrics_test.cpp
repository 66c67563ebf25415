#include "narformer/eval/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "narformer/eval/kendall_tau.h"

namespace narformer {
namespace {

/// Tau-b by definition, O(n²).
double kendall_tau_brute_force(const std::vector<double>& x, const std::vector<double>& y) {
  double concordant = 0, discordant = 0, tied_x = 0, tied_y = 0;
  for (size_t i = 0; i < x.size(); ++i)
    for (size_t j = i + 1; j < x.size(); ++j) {
      const double dx = x[i] - x[j], dy = y[i] - y[j];
      if (dx == 0 && dy == 0) continue;
      if (dx == 0) {
        ++tied_x;
      } else if (dy == 0) {
        ++tied_y;
      } else if ((dx > 0) == (dy > 0)) {
        ++concordant;
      } else {
        ++discordant;
      }
    }
  return (concordant - discordant) /
         std::sqrt((concordant + discordant + tied_x) * (concordant + discordant + tied_y));
}

TEST(KendallTau, MatchesBruteForceWithAndWithoutTies) {
  std::mt19937 engine(42);
  for (const int n : {2, 3, 10, 57, 500, 2000}) {
    for (const int levels : {3, 20, 1000000}) {  // few levels = many ties
      std::uniform_int_distribution<int> value(0, levels);
      std::vector<double> x(n), y(n);
      for (int i = 0; i < n; ++i) {
        x[i] = value(engine);
        y[i] = 0.5 * x[i] + value(engine);  // correlated
      }
      const double brute = kendall_tau_brute_force(x, y);
      if (std::isnan(brute)) continue;
      EXPECT_NEAR(kendall_tau(x, y), brute, 1e-12) << "n = " << n << ", levels = " << levels;
    }
  }
}

TEST(KendallTau, KnownValues) {
  EXPECT_DOUBLE_EQ(kendall_tau({1, 2, 3, 4}, {10, 20, 30, 40}), 1.0);
  EXPECT_DOUBLE_EQ(kendall_tau({1, 2, 3, 4}, {4, 3, 2, 1}), -1.0);
  // SciPy: kendalltau([1,2,3,4,5],[3,1,2,5,4]).correlation = 0.4
  EXPECT_NEAR(kendall_tau({1, 2, 3, 4, 5}, {3, 1, 2, 5, 4}), 0.4, 1e-12);
  // SciPy: kendalltau([1,1,2,3],[1,2,2,3]) = 0.8
  EXPECT_NEAR(kendall_tau({1, 1, 2, 3}, {1, 2, 2, 3}), 0.8, 1e-12);
  EXPECT_TRUE(std::isnan(kendall_tau({1, 1, 1}, {1, 2, 3})));
  EXPECT_TRUE(std::isnan(kendall_tau({1}, {1})));
  EXPECT_THROW(kendall_tau({1, 2}, {1}), std::invalid_argument);
}

TEST(Metrics, RelativeErrorsAndBounds) {
  PredictionMeter meter;
  // Exactly representable ratios: the bounds are inclusive.
  meter.add(110, 100);  // +10 %
  meter.add(50, 100);   // -50 %
  meter.add(101, 100);  // +1 %
  meter.add(300, 300);  //  0 %
  const MetricSummary s = meter.value();
  EXPECT_EQ(s.n, 4);
  EXPECT_NEAR(s.mape, (0.1 + 0.5 + 0.01 + 0) / 4, 1e-12);
  EXPECT_NEAR(s.rmspe, std::sqrt((0.01 + 0.25 + 0.0001) / 4), 1e-12);
  EXPECT_DOUBLE_EQ(s.acc_1, 0.5);
  EXPECT_DOUBLE_EQ(s.acc_5, 0.5);
  EXPECT_DOUBLE_EQ(s.acc_10, 0.75);
  meter.reset();
  EXPECT_EQ(meter.value().n, 0);
}

}  // namespace
}  // namespace narformer
