// The baselines end to end: trained from a config like any run, their run folders predict
// what training wrote, and each fit matches an independent fit on the same split.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "../test_util.h"
#include "latency_fixture.h"
#include "narformer/cells/nb201.h"
#include "narformer/core/atomic_file.h"
#include "narformer/core/error.h"
#include "narformer/predict/baseline_predictor.h"
#include "narformer/predict/predictor.h"
#include "narformer/runtime/evaluator.h"
#include "narformer/runtime/run_folder.h"
#include "narformer/train/baseline_trainer.h"
#include "narformer/train/experiment.h"
#ifdef NARFORMER_WITH_LITE
#include "narformer/torch_free/lite_predictor.h"
#endif

namespace narformer {
namespace {

using testing::error_message;
using testing::source_path;
using testing::TempDir;

/// The NB201 smoke config (300 training, 100 validation, 2,000 test architectures).
Config smoke(const std::string& kind, const std::string& run_dir) {
  Config c = load_config(source_path("configs/nb201/smoke.yaml"));
  c.data.path = source_path(c.data.path);
  for (const auto& [value, name] : model_kind_names())
    if (name == kind) c.model.kind = value;
  c.run.dir = run_dir;
  c.run.name = kind;
  c.run.threads = 1;
  return c;
}

/// predictions.csv's last column, by its second (arch or ONNX path) and platform.
std::vector<std::pair<std::string, double>> read_predictions(const std::string& run_dir,
                                                             int key_column, int value_column) {
  std::ifstream csv(run_dir + "/predictions.csv");
  std::string line;
  std::getline(csv, line);
  std::vector<std::pair<std::string, double>> rows;
  while (std::getline(csv, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string field; std::getline(ss, field, ',');) f.push_back(field);
    rows.emplace_back(f.at(static_cast<size_t>(key_column)),
                      std::stod(f.at(static_cast<size_t>(value_column))));
  }
  return rows;
}

TEST(TrainMlp, FitsASmoothFunctionOfItsFeatures) {
  // y = exp(0.5 log1p(a) − 0.3 log1p(b)): exactly what the MLP's input transform and output
  // can express, so training reaches a small error on items it never saw.
  FeatureRows rows, val_rows;
  std::vector<double> labels, val_labels;
  for (int i = 0; i < 300; ++i) {
    const float a = static_cast<float>((i * 37) % 101), b = static_cast<float>((i * 53) % 89);
    const double y = std::exp(0.5 * std::log1p(a) - 0.3 * std::log1p(b));
    (i % 5 == 0 ? val_rows : rows).push_back({a, b});
    (i % 5 == 0 ? val_labels : labels).push_back(y);
  }
  MlpSettings s;
  s.hidden = 32;
  s.epochs = 150;
  s.lr = 3e-3;
  const auto score = [&](const std::vector<double>& p) { return summarize(p, val_labels).mape; };
  const MlpModel m = train_mlp(rows, labels, val_rows, score, s);
  EXPECT_LT(summarize(m.predict(val_rows), val_labels).mape, 0.03);
  EXPECT_NE(error_message<DataError>([&] {
              train_mlp(rows, std::vector<double>(rows.size(), -1), val_rows, score, s);
            }).find("not a positive"),
            std::string::npos);
}

TEST(LinearBaseline, RunFolderHoldsTheValidationChosenFitOfTheTrainingSplit) {
  TempDir dir;
  const Config config = smoke("linear", dir.path());
  const TrainReport report = train_experiment(config, {});
  // One metrics line per grid setting; the kept one has the best validation tau.
  std::ifstream metrics(report.run_dir + "/metrics.jsonl");
  std::string line;
  double best_tau = -2;
  nlohmann::json best_setting;
  int lines = 0;
  while (std::getline(metrics, line)) {
    const nlohmann::json j = nlohmann::json::parse(line);
    if (j.at("val_kendall_tau").get<double>() > best_tau)
      best_tau = j["val_kendall_tau"], best_setting = j["setting"];
    ++lines;
  }
  EXPECT_EQ(lines, 8);
  const BaselineModel model = BaselineModel::load(report.run_dir);
  EXPECT_EQ(model.setting, best_setting);
  // An independent fit on the training split with that ridge gives the same weights.
  const std::unique_ptr<Task> task = make_task(config);
  const FlatSet train = task->flat_set(SplitPart::kTrain, FeatureSet::kEncoding);
  ASSERT_EQ(train.rows.size(), 300u);
  // Accuracy is ranked by tau: the squared error (baseline.loss auto).
  const LinearModel expected =
      fit_linear(train.rows, train.labels,
                 {best_setting.at("ridge").get<double>(), false, BaselineLoss::kSquared});
  ASSERT_EQ(model.heads.size(), 1u);
  ASSERT_EQ(model.heads[0].linear.weights.size(), 30u);
  for (size_t j = 0; j < 30; ++j)
    EXPECT_NEAR(model.heads[0].linear.weights[j], expected.weights[j], 1e-9);
  // The test file and what the run folder predicts agree; the metrics are real.
  const auto rows = read_predictions(report.run_dir, 1, 3);
  ASSERT_EQ(rows.size(), 2000u);
  const BaselinePredictor predictor(report.run_dir);
  const Predictor with_torch(report.run_dir);
  for (size_t k = 0; k < rows.size(); k += 97) {
    EXPECT_NEAR(predictor.predict_cell(rows[k].first), rows[k].second, 1e-6) << rows[k].first;
    EXPECT_NEAR(with_torch.predict_cell(rows[k].first), rows[k].second, 1e-6) << rows[k].first;
  }
  EXPECT_GT(report.test.metrics.kendall_tau, 0.4);  // 0.48 here: 300 cells, 31 parameters
  const nlohmann::json test =
      nlohmann::json::parse(read_file(report.run_dir + "/test_metrics.json"));
  EXPECT_EQ(test.at("model_kind"), "linear");
  EXPECT_EQ(test.at("setting"), best_setting);
  // eval reproduces it; embed has nothing to embed.
  EXPECT_NEAR(evaluate_run(report.run_dir).metrics.kendall_tau, report.test.metrics.kendall_tau,
              1e-12);
  EXPECT_NE(error_message<ConfigError>([&] {
              predictor.embed(predictor.tokenize_cell(rows[0].first));
            }).find("no learned representation"),
            std::string::npos);
  // Tokens of another kind of run are refused, not read as an empty row.
  const TokenPtr empty = std::make_shared<TokenSequence>();
  EXPECT_NE(error_message<DataError>([&] { predictor.predict(empty); }).find("reads 30 features"),
            std::string::npos);
  // A finished baseline run is not overwritten by accident.
  EXPECT_NE(
      error_message<RunError>([&] { train_experiment(config, {}); }).find("already holds a run"),
      std::string::npos);
}

TEST(GbdtAndMlpBaselines, TrainOnCellsAndPredictFromTheirRunFolders) {
  if (!gbdt_available()) GTEST_SKIP() << "built without XGBoost";
  TempDir dir;
  Config gbdt = smoke("gbdt", dir.path());
  gbdt.baseline.gbdt_max_depth = {2, 4};
  gbdt.baseline.gbdt_min_child_weight = {1};
  gbdt.baseline.gbdt_eta = {0.1};
  gbdt.baseline.gbdt_max_rounds = 300;
  Config mlp = smoke("mlp", dir.path());
  mlp.baseline.mlp_hidden = {32};
  mlp.baseline.mlp_layers = {2};
  mlp.baseline.mlp_lr = {3e-3};
  mlp.baseline.mlp_weight_decay = {0};
  mlp.baseline.mlp_epochs = 40;
  for (const Config& config : {gbdt, mlp}) {
    const TrainReport report = train_experiment(config, {});
    EXPECT_GT(report.test.metrics.kendall_tau, 0.5) << to_string(config.model.kind);
    const BaselinePredictor predictor(report.run_dir);
    EXPECT_EQ(predictor.model().features, FeatureSet::kGraph);
    const auto rows = read_predictions(report.run_dir, 1, 3);
    for (size_t k = 0; k < rows.size(); k += 101)
      EXPECT_NEAR(predictor.predict_cell(rows[k].first), rows[k].second, 1e-6 * rows[k].second)
          << to_string(config.model.kind);
  }
}

TEST(RescaleBaseline, FactorIsTheMedianRatioOverTheTrainingItems) {
  TempDir dir;
  const Config source = smoke("linear", dir.path());
  train_experiment(source, {});
  // The target: the same architectures' CIFAR-10 test accuracy x 1.5 is not in the table; the
  // test label (test_top1) differs from the source's training label (valid_top1) anyway.
  Config target = smoke("rescale", dir.path());
  target.data.train_label = "test_top1";
  target.data.n_train = 20;
  target.train.init_from = source.run_dir();
  const TrainReport report = train_experiment(target, {});
  const std::unique_ptr<Task> task = make_task(target);
  const FlatSet train = task->flat_set(SplitPart::kTrain, FeatureSet::kEncoding, false);
  const BaselinePredictor from(source.run_dir());
  std::vector<double> ratios;
  for (size_t i = 0; i < train.keys.size(); ++i)
    ratios.push_back(train.labels[i] / from.predict_cell(train.keys[i]));
  std::sort(ratios.begin(), ratios.end());
  const double median = 0.5 * (ratios[9] + ratios[10]);
  const BaselinePredictor rescaled(report.run_dir);
  ASSERT_EQ(rescaled.model().heads.size(), 1u);
  EXPECT_NEAR(rescaled.model().heads[0].factor, median, 1e-12);
  const std::string arch = train.keys[0];
  EXPECT_NEAR(rescaled.predict_cell(arch), median * from.predict_cell(arch), 1e-9);
}

TEST(LatencyBaselines, LinearIsNonNegativeOnWorkTotalsAndOneFitPerPlatform) {
  TempDir dir;
  Config config = testing::latency_config(testing::write_dataset(dir.path()), dir.path() + "/runs");
  config.model.kind = ModelKind::kLinear;
  config.baseline.linear_ridge = {0};
  const TrainReport report = train_experiment(config, {});
  const BaselineModel model = BaselineModel::load(report.run_dir);
  ASSERT_EQ(model.heads.size(), 2u);  // platforms 1 and 2
  for (const auto& head : model.heads) {
    EXPECT_EQ(head.linear.weights.size(), static_cast<size_t>(kNodeCostDims));
    for (double w : head.linear.weights) EXPECT_GE(w, 0);
    EXPECT_GE(head.linear.bias, 0);
  }
  // Platform 2 is 10 ms slower on every line: its own fit says so.
  const BaselinePredictor predictor(report.run_dir);
  const std::string resnet = dir.path() + "/onnx/resnet18.onnx";
  EXPECT_GT(predictor.predict_onnx(resnet, 1, "2"), predictor.predict_onnx(resnet, 1, "1") + 5);
  const auto rows = read_predictions(report.run_dir, 4, 6);
  ASSERT_EQ(rows.size(), 12u);
  const Predictor with_torch(report.run_dir);
  for (const auto& [path, value] : rows) {
    // predictions.csv holds both platforms' lines; one of the two heads gave each.
    const double p1 = with_torch.predict_onnx(path, 1, "1"),
                 p2 = with_torch.predict_onnx(path, 1, "2");
    EXPECT_TRUE(std::abs(p1 - value) < 1e-6 * value || std::abs(p2 - value) < 1e-6 * value) << path;
  }
}

TEST(LinearPriorRun, TheNetworkCorrectsTheValidationChosenLinearFit) {
  TempDir dir;
  Config config = smoke("narformer", dir.path());
  config.model.prior = Prior::kLinear;
  config.train.epochs = 2;
  {  // Before training the network predicts the prior itself (a correction of exactly 1).
    NarFormerModel untrained(ModelOptions::from_config(config.model, 128, 0));
    auto tokens = std::make_shared<TokenSequence>();
    tokens->num_nodes = 2;
    tokens->feature_dim = 128;
    tokens->features.assign(256, 0.1f);
    tokens->edges = {{0, 1}};
    tokens->prior = 0.75f;
    EXPECT_NEAR(predict(untrained, {tokens}, {}, 1, torch::kCPU)[0], 0.75, 1e-6);
  }
  const TrainReport report = train_experiment(config, {});
  // prior.json is the linear baseline an independent fit on the same split chooses.
  const std::unique_ptr<Task> task = make_task(config);
  const FlatSet train = task->flat_set(SplitPart::kTrain, FeatureSet::kEncoding);
  const FlatSet val = task->flat_set(SplitPart::kValidation, FeatureSet::kEncoding);
  const LinearPrior expected =
      fit_linear_prior(config, train.rows, train.labels, val.rows, val.labels);
  const LinearPrior saved = LinearPrior::from_json(
      nlohmann::json::parse(read_file(RunFolder(report.run_dir).prior())), "prior");
  EXPECT_EQ(saved.ridge, expected.ridge);
  ASSERT_EQ(saved.model.weights.size(), expected.model.weights.size());
  for (size_t j = 0; j < saved.model.weights.size(); ++j)
    EXPECT_NEAR(saved.model.weights[j], expected.model.weights[j], 1e-12);
  // Predicting from the run folder applies the same prior: predictions.csv is reproduced.
  const Predictor predictor(report.run_dir);
  const auto rows = read_predictions(report.run_dir, 1, 3);
  for (size_t k = 0; k < rows.size(); k += 199)
    EXPECT_NEAR(predictor.predict_cell(rows[k].first), rows[k].second, 1e-5 * rows[k].second)
        << rows[k].first;
  // The prediction is the prior times the network's correction: twice the prior, twice the
  // prediction.
  const TokenPtr tokens = predictor.tokenize_cell(rows[0].first);
  EXPECT_NEAR(tokens->prior, expected.value(parse_nb201_arch(rows[0].first)), 1e-6);
  auto doubled = std::make_shared<TokenSequence>(*tokens);
  doubled->prior *= 2;
  EXPECT_NEAR(predictor.predict(doubled), 2 * predictor.predict(tokens),
              1e-5 * predictor.predict(tokens));
#ifdef NARFORMER_WITH_LITE
  const LitePredictor lite(report.run_dir);
  EXPECT_NEAR(lite.predict(doubled), predictor.predict(doubled), 1e-5 * predictor.predict(doubled));
  EXPECT_NEAR(lite.predict_cell(rows[0].first), rows[0].second, 1e-5 * rows[0].second);
#endif
}

}  // namespace
}  // namespace narformer
