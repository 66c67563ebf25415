// Cell tables with several label columns (data.labels): one output head per column, the split
// over cells, metrics per column, and predictions per head from the run folder, through
// LibTorch, without it, and for the baselines. The labels are exactly linear in the (edge,
// operation) one-hot with other weights per column, so the linear baseline must fit both heads.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "../test_util.h"
#include "narformer/cells/nb201.h"
#include "narformer/core/atomic_file.h"
#include "narformer/core/error.h"
#include "narformer/predict/predictor.h"
#include "narformer/train/experiment.h"
#ifdef NARFORMER_WITH_LITE
#include "narformer/torch_free/run_predictor.h"
#endif

namespace narformer {
namespace {

using testing::error_message;
using testing::source_path;
using testing::TempDir;

/// 600 NB201 cells with two made-up latencies: 1 ms plus a price per (edge, operation), the
/// prices of `fast` and `slow` differing per operation.
std::string write_two_device_table(const std::string& dir) {
  std::ifstream in(source_path("data/nasbench201/arch_score_acc.csv"));
  std::string line;
  std::getline(in, line);
  std::ofstream out(dir + "/devices.csv");
  out << "arch_str,fast,slow\n";
  const std::map<std::string, double> fast = {{"none", 0},
                                              {"skip_connect", 0.01},
                                              {"avg_pool_3x3", 0.1},
                                              {"nor_conv_1x1", 0.3},
                                              {"nor_conv_3x3", 0.9}};
  const std::map<std::string, double> slow = {{"none", 0},
                                              {"skip_connect", 0.05},
                                              {"avg_pool_3x3", 0.2},
                                              {"nor_conv_1x1", 2.0},
                                              {"nor_conv_3x3", 3.0}};
  for (int row = 0; row < 600 && std::getline(in, line); ++row) {
    const std::string arch =
        line.substr(line.find(',') + 1, line.find(",", line.find(',') + 1) - line.find(',') - 1);
    double a = 1, b = 1;
    for (const auto& [op, price] : fast)
      for (size_t at = arch.find(op + "~"); at != std::string::npos;
           at = arch.find(op + "~", at + 1)) {
        a += price;
        b += slow.at(op) * (1 + 0.1 * (arch[at + op.size() + 1] - '0'));  // edge-dependent too
      }
    out << arch << ',' << a << ',' << b << '\n';
  }
  return dir + "/devices.csv";
}

Config two_device_config(const std::string& dir, const std::string& kind) {
  Config c = load_config(source_path("configs/nb201/smoke.yaml"));
  c.data.path = write_two_device_table(dir);
  c.data.arch_column = "arch_str";
  c.data.labels = {"fast", "slow"};
  c.data.label_scale = 1;
  c.data.n_test = 100;
  c.eval.selection = Selection::kMape;
  c.train.epochs = 2;
  c.train.lambda_sr = 0;
  for (const auto& [value, name] : model_kind_names())
    if (name == kind) c.model.kind = value;
  c.run.dir = dir + "/runs";
  c.run.name = kind;
  c.run.threads = 1;
  return c;
}

struct Row {
  std::string arch, label;
  double truth = 0, prediction = 0;
};

std::vector<Row> read_rows(const std::string& run_dir) {
  std::ifstream csv(run_dir + "/predictions.csv");
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line, "index,arch,label,truth,prediction");
  std::vector<Row> rows;
  while (std::getline(csv, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string field; std::getline(ss, field, ',');) f.push_back(field);
    rows.push_back({f.at(1), f.at(2), std::stod(f.at(3)), std::stod(f.at(4))});
  }
  return rows;
}

TEST(MultiLabel, LinearBaselineFitsEachColumnWithItsOwnHead) {
  TempDir dir;
  const TrainReport report = train_experiment(two_device_config(dir.path(), "linear"), {});
  const std::vector<Row> rows = read_rows(report.run_dir);
  ASSERT_EQ(rows.size(), 200u);  // 100 test cells x 2 heads, cell-major
  EXPECT_EQ(rows[0].arch, rows[1].arch);
  EXPECT_EQ(rows[0].label, "fast");
  EXPECT_EQ(rows[1].label, "slow");
  for (const Row& r : rows) EXPECT_NEAR(r.prediction, r.truth, 1e-3 * r.truth) << r.label;

  const nlohmann::json metrics =
      nlohmann::json::parse(read_file(report.run_dir + "/test_metrics.json"));
  EXPECT_LT(metrics["per_label"]["fast"]["mape"].get<double>(), 1e-4);
  EXPECT_LT(metrics["per_label"]["slow"]["mape"].get<double>(), 1e-4);
  EXPECT_EQ(metrics["per_label"]["slow"]["n"].get<int>(), 100);

  const Predictor predictor(report.run_dir);
  EXPECT_TRUE(predictor.predicts_latency());
  EXPECT_EQ(predictor.platforms(), (std::vector<std::string>{"fast", "slow"}));
  for (size_t i = 0; i < 4; ++i)
    EXPECT_NEAR(predictor.predict_cell(rows[i].arch, rows[i].label), rows[i].prediction,
                1e-9 * rows[i].prediction);
  EXPECT_NE(error_message<ConfigError>([&] {
              predictor.predict_cell(rows[0].arch, "medium");
            }).find("unknown platform 'medium' (this model predicts: fast, slow)"),
            std::string::npos);
}

TEST(MultiLabel, TheNetworkHasAHeadPerColumnAndItsRunFolderPredictsEach) {
  TempDir dir;
  const TrainReport report = train_experiment(two_device_config(dir.path(), "narformer"), {});
  const std::vector<Row> rows = read_rows(report.run_dir);
  ASSERT_EQ(rows.size(), 200u);
  const Predictor predictor(report.run_dir);
#ifdef NARFORMER_WITH_LITE
  const TorchFreePredictor lite(report.run_dir);
#endif
  for (size_t i = 0; i < 6; ++i) {
    const double expected = rows[i].prediction;
    EXPECT_NEAR(predictor.predict_cell(rows[i].arch, rows[i].label), expected, 1e-5 * expected);
#ifdef NARFORMER_WITH_LITE
    EXPECT_NEAR(lite.predict({lite.tokenize_cell(rows[i].arch)}, rows[i].label)[0], expected,
                1e-5 * expected);
#endif
  }
  // The two heads differ (their outputs start apart and train on other labels).
  EXPECT_NE(rows[0].prediction, rows[1].prediction);
  EXPECT_EQ(nlohmann::json::parse(read_file(report.run_dir + "/model.json"))["heads"],
            (nlohmann::json{"fast", "slow"}));
}

TEST(MultiLabel, ConfigRefusesLabelsWhereTheyCannotWork) {
  const std::string latency = error_message<ConfigError>([] {
    load_config(source_path("configs/latency_cpu/in_domain.yaml"), {"data.labels=[a, b]"});
  });
  EXPECT_NE(latency.find("data.labels is for cell tables"), std::string::npos) << latency;
  const std::string prior = error_message<ConfigError>([] {
    load_config(source_path("configs/nb201/smoke.yaml"),
                {"data.labels=[a, b]", "model.prior=linear"});
  });
  EXPECT_NE(prior.find("model.prior linear fits one label"), std::string::npos) << prior;
  const std::string ranking = error_message<ConfigError>([] {
    load_config(source_path("configs/nb201/smoke.yaml"),
                {"data.labels=[a, b]", "train.lambda_sr=0.1"});
  });
  EXPECT_NE(ranking.find("a batch mixes heads"), std::string::npos) << ranking;
}

}  // namespace
}  // namespace narformer
