// `search_cells` with a latency confidence: the factor is the quantile of measured / predicted
// latency over the latency run's validation cells (recomputed here from the split and the
// run's own predictions), and a cell fits when its predicted latency times the factor does.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "../test_util.h"
#include "narformer/config/choices.h"
#include "narformer/config/config.h"
#include "narformer/core/error.h"
#include "narformer/data/nas_table.h"
#include "narformer/data/split.h"
#include "narformer/search/cell_search.h"
#include "narformer/torch_free/run_predictor.h"
#include "narformer/train/experiment.h"

namespace narformer {
namespace {

using testing::error_message;
using testing::source_path;
using testing::TempDir;

/// HELP's gold_6226 latencies (1,000 training, 200 validation cells) fitted by the linear
/// baseline: milliseconds, and a real predictor's errors.
class LatencyCalibration : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    Config c = load_config(source_path("configs/help/gold_6226.yaml"));
    c.data.path = source_path(c.data.path);
    c.model.kind = ModelKind::kLinear;
    c.run.dir = dir_->path();
    c.run.name = "latency";
    c.run.threads = 1;
    train_experiment(c, {});
    latency_run_ = c.run_dir();
    c.run.name = "accuracy";  // the same space; its own predictions stand in for accuracy
    train_experiment(c, {});
    accuracy_run_ = c.run_dir();
  }
  static void TearDownTestSuite() { delete dir_; }

  /// measured / predicted latency of the latency run's validation cells, split as training did.
  static std::vector<double> validation_ratios() {
    const TorchFreePredictor run(latency_run_);
    const Config& config = run.inputs().config();
    const NasTable table = read_dataset_cells(config.data);
    const Split split = make_split(static_cast<int64_t>(table.records.size()), config.data,
                                   static_cast<uint64_t>(config.run.seed));
    std::vector<std::string> archs;
    std::vector<double> measured;
    for (const int64_t i : split.val) {
      archs.push_back(table.records[static_cast<size_t>(i)].arch);
      measured.push_back(table.records[static_cast<size_t>(i)].eval_label);
    }
    const std::vector<double> predicted = run.predict(run.tokenize_cells(archs));
    std::vector<double> ratios;
    for (size_t i = 0; i < archs.size(); ++i) ratios.push_back(measured[i] / predicted[i]);
    return ratios;
  }

  static SearchOptions options(double confidence, double budget_ms) {
    SearchOptions o;
    o.accuracy_run = accuracy_run_;
    o.latency_run = latency_run_;
    o.latency_confidence = confidence;
    o.max_latency_ms = budget_ms;
    return o;
  }

  static TempDir* dir_;
  static std::string latency_run_, accuracy_run_;
};

TempDir* LatencyCalibration::dir_ = nullptr;
std::string LatencyCalibration::latency_run_, LatencyCalibration::accuracy_run_;

double share_within(const std::vector<double>& ratios, double factor) {
  return static_cast<double>(
             std::count_if(ratios.begin(), ratios.end(), [&](double r) { return r <= factor; })) /
         static_cast<double>(ratios.size());
}

TEST_F(LatencyCalibration, TheFactorIsTheQuantileOfMeasuredOverPredictedOnValidation) {
  const std::vector<double> ratios = validation_ratios();
  ASSERT_EQ(ratios.size(), 200u);
  double previous = 0;
  for (const double confidence : {0.5, 0.55, 0.9, 0.95}) {  // 0.55 x 200 = 110.00000000000001
    const SearchResult found = search_cells(options(confidence, 12.0));
    EXPECT_EQ(found.calibration_cells, 200);
    // The smallest factor under which this share of validation cells fits when measured.
    EXPECT_GE(share_within(ratios, found.latency_factor), confidence);
    EXPECT_LT(share_within(ratios, std::nextafter(found.latency_factor, 0.0)), confidence);
    EXPECT_GT(found.latency_factor, previous);
    previous = found.latency_factor;
  }
  EXPECT_GT(previous, 1.0);  // at 0.95 the budget tightens: a linear fit errs both ways
}

TEST_F(LatencyCalibration, ACellFitsWhenItsPredictedLatencyTimesTheFactorDoes) {
  const double budget = 9.0;
  const SearchResult plain = search_cells(options(0, budget));
  const SearchResult careful = search_cells(options(0.95, budget));
  EXPECT_EQ(plain.latency_factor, 1.0);
  EXPECT_EQ(plain.calibration_cells, 0);
  ASSERT_EQ(plain.candidates.size(), careful.candidates.size());
  int64_t plain_fits = 0, careful_fits = 0;
  for (size_t i = 0; i < careful.candidates.size(); ++i) {
    const SearchCandidate& c = careful.candidates[i];
    EXPECT_EQ(c.latency_ms, plain.candidates[i].latency_ms);  // predictions are unchanged
    EXPECT_EQ(c.feasible, c.latency_ms * careful.latency_factor <= budget) << c.arch;
    plain_fits += plain.candidates[i].feasible ? 1 : 0;
    careful_fits += c.feasible ? 1 : 0;
  }
  EXPECT_LT(careful_fits, plain_fits);
  EXPECT_GT(careful_fits, 0);
  const SearchCandidate& pick = careful.candidates[careful.top.at(0)];
  EXPECT_LE(pick.latency_ms * careful.latency_factor, budget);
}

TEST_F(LatencyCalibration, ConfidenceOutsideItsRangeOrWithoutALatencyRunIsAnError) {
  EXPECT_NE(error_message<ConfigError>([] {
              search_cells(options(1.5, 9.0));
            }).find("--latency-confidence must be a share in (0, 1]"),
            std::string::npos);
  SearchOptions no_latency = options(0.9, std::numeric_limits<double>::infinity());
  no_latency.latency_run.clear();
  EXPECT_NE(error_message<ConfigError>([&] {
              search_cells(no_latency);
            }).find("--latency-confidence needs a latency run"),
            std::string::npos);
}

}  // namespace
}  // namespace narformer
