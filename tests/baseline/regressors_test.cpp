// The baselines' regressors against fits computed by hand on tiny data.
#include <gtest/gtest.h>

#include <cmath>

#include "../test_util.h"
#include "narformer/baseline/baseline_model.h"
#include "narformer/core/error.h"

namespace narformer {
namespace {

// y = (1, 3, 2) at x = (1, 2, 3). Normal equations of Σ((w x + b)/y − 1)², rows (x/y, 1/y):
// G = [[133/36, 71/36], [71/36, 49/36]], rhs = (19/6, 11/6)  ->  w = 25/41, b = 19/41.
const FeatureRows kX = {{1}, {2}, {3}};
const std::vector<double> kY = {1, 3, 2};

TEST(LinearModel, RelativeErrorLeastSquaresByHand) {
  const LinearModel m = fit_linear(kX, kY, {});
  ASSERT_EQ(m.weights.size(), 1u);
  EXPECT_NEAR(m.weights[0], 25.0 / 41, 1e-12);
  EXPECT_NEAR(m.bias, 19.0 / 41, 1e-12);
  EXPECT_NEAR(m.predict(std::vector<float>{2}), 69.0 / 41, 1e-12);
}

TEST(LinearModel, RidgeShrinksTheWeightNotTheBias) {
  // ridge 1 doubles G_11: det = (266·49 − 71²)/36² = 7993/1296, w = (150/216)/det = 900/7993.
  const LinearModel m = fit_linear(kX, kY, {1.0, false});
  EXPECT_NEAR(m.weights[0], 900.0 / 7993, 1e-12);
  EXPECT_NEAR(m.bias, (133.0 * 2 / 36 * 11 / 6 - 71.0 / 36 * 19 / 6) / (7993.0 / 1296), 1e-12);
}

TEST(LinearModel, NonNegativeDropsANegativeSlope) {
  // Falling labels want w < 0; constrained, w = 0 and b = Σ(1/y) / Σ(1/y²) = (11/6)/(49/36) =
  // 66/49.
  const std::vector<double> falling = {3, 2, 1};
  EXPECT_LT(fit_linear(kX, falling, {}).weights[0], 0);
  const LinearModel m = fit_linear(kX, falling, {0, true});
  EXPECT_EQ(m.weights[0], 0);
  EXPECT_NEAR(m.bias, 66.0 / 49, 1e-12);
}

TEST(LinearModel, OneHotWithBiasIsRankDeficientButExact) {
  // Two categories and a bias: three unknowns, two distinct rows; every minimiser predicts 2 and 4.
  const FeatureRows x = {{1, 0}, {0, 1}, {1, 0}, {0, 1}};
  const LinearModel m = fit_linear(x, {2, 4, 2, 4}, {});
  EXPECT_NEAR(m.predict(x[0]), 2, 1e-9);
  EXPECT_NEAR(m.predict(x[1]), 4, 1e-9);
}

TEST(LinearModel, SquaredErrorIsOrdinaryLeastSquares) {
  // x = (1, 2, 3), y = (1, 3, 2): slope = cov/var = 0.5, intercept = 2 − 0.5·2 = 1.
  LinearOptions options;
  options.loss = BaselineLoss::kSquared;
  const LinearModel m = fit_linear(kX, kY, options);
  EXPECT_NEAR(m.weights[0], 0.5, 1e-12);
  EXPECT_NEAR(m.bias, 1.0, 1e-12);
}

TEST(LinearModel, RejectsBadLabels) {
  EXPECT_NE(testing::error_message<DataError>([] {
              fit_linear(kX, {1, std::nan(""), 2}, {});
            }).find("not a positive"),
            std::string::npos);
  EXPECT_NE(testing::error_message<DataError>([] {
              fit_linear(kX, {1, INFINITY, 2}, {});
            }).find("not a positive"),
            std::string::npos);
}

TEST(Gbdt, OneStumpByHand) {
  if (!gbdt_available()) GTEST_SKIP() << "built without XGBoost";
  // Four items at x = 0 with log y = 1, four at x = 1 with log y = 3. base_score = mean log = 2;
  // one depth-1 tree splits on x, each leaf = −Σg/(Σh + λ) = ∓4/(4 + 1) with XGBoost's λ = 1,
  // so log ŷ = 2 ∓ 0.8 at eta 1.
  FeatureRows x;
  std::vector<double> y;
  for (int i = 0; i < 8; ++i) {
    x.push_back({static_cast<float>(i % 2)});
    y.push_back(std::exp(i % 2 ? 3.0 : 1.0));
  }
  GbdtSettings s;
  s.max_depth = 1;
  s.eta = 1;
  s.min_child_weight = 0;
  s.subsample = 1;
  s.colsample = 1;
  s.max_rounds = 1;
  s.check_every = 1;
  s.threads = 1;
  const GbdtModel m = GbdtModel::fit(
      x, y, x, [](const std::vector<double>&) { return 0.0; }, s);
  EXPECT_EQ(m.rounds(), 1);
  const std::vector<double> p = m.predict({{0}, {1}});
  EXPECT_NEAR(std::log(p[0]), 1.2, 1e-5);
  EXPECT_NEAR(std::log(p[1]), 2.8, 1e-5);
  // Saved and loaded, the same trees.
  const GbdtModel loaded = GbdtModel::from_bytes(m.to_bytes(), "test", BaselineLoss::kRelative);
  EXPECT_EQ(loaded.predict({{0}, {1}}), p);
}

TEST(Gbdt, KeepsTheRoundsOfTheBestValidationScore) {
  if (!gbdt_available()) GTEST_SKIP() << "built without XGBoost";
  FeatureRows x;
  std::vector<double> y;
  for (int i = 0; i < 64; ++i) {
    x.push_back({static_cast<float>(i)});
    y.push_back(1 + i);
  }
  GbdtSettings s;
  s.max_rounds = 200;
  s.early_stopping = 30;
  s.check_every = 10;
  s.threads = 1;
  // A score that is best at round 40 and worse after: boosting stops at 70, keeps 40 rounds.
  int calls = 0;
  const GbdtModel m = GbdtModel::fit(
      x, y, x,
      [&](const std::vector<double>&) {
        ++calls;
        return std::abs(calls * 10 - 40.0);
      },
      s);
  EXPECT_EQ(m.rounds(), 40);
  EXPECT_EQ(calls, 7);
}

TEST(Mlp, ForwardPassByHand) {
  // One input, two hidden ReLU units, one output: z = (log1p(x) − 0) / 1,
  // h = ReLU([1, −1] z + [0, 1]), o = [2, 3]·h − 1, ŷ = 10 · exp(o).
  MlpModel m;
  m.input_mean = {0};
  m.input_std = {1};
  m.scale = 10;
  m.weights = {NamedArray{{2, 1}, {1, -1}}, NamedArray{{1, 2}, {2, 3}}};
  m.biases = {NamedArray{{2}, {0, 1}}, NamedArray{{1}, {-1}}};
  const double z = std::log1p(std::exp(1.0) - 1);  // = 1: h = (1, 0), o = 1
  ASSERT_NEAR(z, 1, 1e-9);
  const std::vector<double> p = m.predict({{static_cast<float>(std::exp(1.0) - 1)}, {0}});
  EXPECT_NEAR(p[0], 10 * std::exp(1.0), 1e-4);
  EXPECT_NEAR(p[1], 10 * std::exp(2.0), 1e-4);  // z = 0: h = (0, 1), o = 3 − 1 = 2
  // Through a weight file and back.
  WeightFile file;
  m.write_to(file, "head0.");
  const MlpModel read = MlpModel::read_from(file, "head0.", "test");
  EXPECT_EQ(read.predict({{0}}), m.predict({{0}}));
}

TEST(BaselineGrid, EveryCombinationOfTheDeclaredLists) {
  Config config;
  config.model.kind = ModelKind::kGbdt;
  config.baseline.gbdt_max_depth = {3, 5};
  config.baseline.gbdt_eta = {0.1, 0.3};
  const std::vector<nlohmann::json> grid = baseline_grid(config);
  ASSERT_EQ(static_cast<int64_t>(grid.size()), baseline_grid_size(config));
  ASSERT_EQ(grid.size(), 2u * 2u * 2u);  // x the default min_child_weight {1, 5}
  EXPECT_EQ(grid[0].at("max_depth"), 3);
  EXPECT_EQ(grid[0].at("eta"), 0.1);
  EXPECT_EQ(grid[1].at("min_child_weight"), 5);
  EXPECT_EQ(grid.back().at("max_depth"), 5);
  config.baseline.gbdt_eta = {0.01, 0.03, 0.1, 0.3, 1.0, 0.5};
  EXPECT_NE(testing::error_message<ConfigError>([&] { validate(config); }).find("at most 20"),
            std::string::npos);
}

}  // namespace
}  // namespace narformer

namespace narformer {
namespace {

TEST(BaselineKind, EachBaselineModelKindMapsToItsBaselineAndNarformerIsNone) {
  EXPECT_EQ(baseline_kind(ModelKind::kLinear), BaselineKind::kLinear);
  EXPECT_EQ(baseline_kind(ModelKind::kMlp), BaselineKind::kMlp);
  EXPECT_EQ(baseline_kind(ModelKind::kGbdt), BaselineKind::kGbdt);
  EXPECT_EQ(baseline_kind(ModelKind::kRescale), BaselineKind::kRescale);
  EXPECT_THROW(baseline_kind(ModelKind::kNarformer), ConfigError);
  // The run file's spelling reads back to the same kind.
  for (const auto& [kind, name] : model_kind_names())
    if (kind != ModelKind::kNarformer) EXPECT_EQ(parse_baseline_kind(name), baseline_kind(kind));
}

}  // namespace
}  // namespace narformer
