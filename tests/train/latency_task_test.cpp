#include "narformer/train/latency_task.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "narformer/core/atomic_file.h"
#include "narformer/core/error.h"
#include "narformer/model/cost_prior.h"
#include "narformer/runtime/weight_file.h"
#ifdef NARFORMER_WITH_LITE
#include "narformer/torch_free/lite_predictor.h"
#endif
#include "../test_util.h"
#include "latency_fixture.h"
#include "narformer/predict/predictor.h"
#include "narformer/runtime/checkpoint.h"
#include "narformer/train/experiment.h"

namespace narformer {
namespace {

using testing::error_message;
using testing::latency_config;
using testing::source_path;
using testing::TempDir;
using testing::write_dataset;

TEST(LatencyTask, ReadsSplitsAndCountsSkippedLines) {
  TempDir dir;
  const Config config = latency_config(write_dataset(dir.path()), dir.path() + "/runs");
  const LatencyTask task(config);
  EXPECT_EQ(task.records().size(), 48u);  // 49 lines, one missing file
  EXPECT_NE(task.skipped_report().find("onnx/missing.onnx"), std::string::npos)
      << task.skipped_report();
  EXPECT_EQ(task.num_heads(), 2);
  EXPECT_EQ(task.input_dim(), 152);
  EXPECT_EQ(task.static_dim(), 40);
  EXPECT_EQ(task.split().test.size(), 12u);  // copy 3: 6 models x 2 platforms
  EXPECT_EQ(task.split().val.size() + task.split().train.size(), 36u);
  EXPECT_EQ(task.split().val.size(), 9u);
  for (const int64_t i : task.split().test)
    EXPECT_EQ(task.records()[static_cast<size_t>(i)].stage, "test");

  Config left_out = config;
  left_out.data.protocol = Protocol::kLeaveFamilyOut;
  left_out.data.test_family = "squeezenet";
  const LatencyTask lfo(left_out);
  EXPECT_EQ(lfo.split().test.size(), 16u);
  for (const int64_t i : lfo.split().train)
    EXPECT_NE(lfo.records()[static_cast<size_t>(i)].family, "squeezenet");

  Config filtered = config;
  filtered.data.families = {"resnet18"};
  filtered.data.platforms = {"2"};
  const LatencyTask only(filtered);
  EXPECT_EQ(only.records().size(), 8u);
  EXPECT_EQ(only.num_heads(), 1);

  Config limited = config;
  limited.data.train_limit = 5;
  EXPECT_EQ(LatencyTask(limited).split().train.size(), 5u);

  Config absent = config;
  absent.data.protocol = Protocol::kLeaveFamilyOut;
  absent.data.test_family = "vgg16";
  EXPECT_NE(error_message<DataError>([&] { LatencyTask{absent}; }).find("'vgg16' does not occur"),
            std::string::npos);
}

// data.extra_train: another file's lines join training only. Validation and test stay those of
// data.path, data.families does not filter them, data.platforms does, and unreadable ones are
// listed like the main file's.
TEST(LatencyTask, CountsGraphsTheImporterCouldNotReadCompletely) {
  TempDir dir;
  const std::string gt = write_dataset(dir.path());
  std::filesystem::copy_file(source_path("tests/fixtures/onnx/synthetic/unknown_op.onnx"),
                             dir.path() + "/onnx/unknown_op.onnx");
  std::ofstream(gt, std::ios::app) << "900 onnx/unknown_op.onnx 1 0.5 custom 1 train\n";
  const LatencyTask task(latency_config(gt, dir.path() + "/runs"));
  const nlohmann::json summary = task.import_summary();
  EXPECT_EQ(summary.at("usable_lines"), 49);
  EXPECT_EQ(summary.at("skipped_lines"), 1);  // the missing file
  EXPECT_EQ(summary.at("graphs_with_unknown_operators"), 1);
  EXPECT_EQ(summary.at("graphs_with_missing_shapes"), 1);
  EXPECT_EQ(summary.at("nodes_without_shapes"), 1);
}

TEST(LatencyTask, ExtraTrainLinesJoinTrainingOnly) {
  TempDir dir;
  Config config = latency_config(write_dataset(dir.path()), dir.path() + "/runs");
  config.data.families = {"resnet18", "squeezenet"};
  const LatencyTask base(config);

  const std::string extra = dir.path() + "/kernels";
  std::filesystem::create_directories(extra + "/onnx");
  std::filesystem::copy_file(source_path("tests/fixtures/onnx/torchvision/squeezenet1_0.onnx"),
                             extra + "/onnx/k.onnx");
  write_file_atomic(
      extra + "/gt.txt",
      "1 onnx/k.onnx 1 0.5 kernels 1 train\n2 onnx/k.onnx 1 0.7 kernels 2 test\n"
      "3 onnx/k.onnx 1 0.9 kernels 3 train\n4 onnx/gone.onnx 1 1.0 kernels 1 train\n");
  Config with = config;
  with.data.extra_train = {extra + "/gt.txt"};
  const LatencyTask task(with);
  EXPECT_EQ(task.split().val, base.split().val);
  EXPECT_EQ(task.split().test, base.split().test);
  ASSERT_EQ(task.split().train.size(), base.split().train.size() + 2);  // platform 3: not the run's
  const size_t first = base.records().size();
  EXPECT_EQ(task.records().size(), first + 2);
  EXPECT_EQ(task.records()[first].family, "kernels");
  EXPECT_EQ(task.records()[first + 1].stage, "test");  // the stage column does not matter here
  EXPECT_EQ(task.split().train.back(), static_cast<int64_t>(first + 1));
  EXPECT_NE(task.skipped_report().find(extra + "/gt.txt line 4"), std::string::npos)
      << task.skipped_report();
  EXPECT_NE(task.summary().find("2 of them from data.extra_train, training only"),
            std::string::npos)
      << task.summary();

  // The extra lines take part in the linear cost model's fit unless
  // data.extra_train_fits_cost_model says they only train the correction.
  const TrainingSet all = task.training_set();
  ASSERT_EQ(all.fits_cost_model.size(), all.inputs.size());
  EXPECT_EQ(std::count(all.fits_cost_model.begin(), all.fits_cost_model.end(), false), 0);
  EXPECT_EQ(all.group_names.back(), "kernels");
  with.data.extra_train_fits_cost_model = false;
  const TrainingSet networks = LatencyTask(with).training_set();
  EXPECT_EQ(std::count(networks.fits_cost_model.begin(), networks.fits_cost_model.end(), false), 2);
  EXPECT_FALSE(networks.fits_cost_model.back());

  // A file none of whose lines can be used is an error that names it.
  write_file_atomic(extra + "/gt3.txt", "1 onnx/k.onnx 1 0.5 kernels 3 train\n");
  with.data.extra_train = {extra + "/gt3.txt"};
  const std::string message = error_message<DataError>([&] { LatencyTask{with}; });
  EXPECT_NE(message.find(extra + "/gt3.txt"), std::string::npos) << message;
  EXPECT_NE(message.find("data.extra_train: no usable lines"), std::string::npos) << message;
}

// The cost readout's linear model is fitted on data.extra_train's lines only when told to: the
// rates a run saves are those of a fit on exactly the lines the mask lets in, and lines of a
// network measured 100x faster than in data.path move platform 1's rates.
TEST(CostReadout, ExtraTrainLinesSetTheRatesOnlyWhenTheyFitTheCostModel) {
  TempDir dir;
  Config config = latency_config(write_dataset(dir.path()), dir.path() + "/runs");
  config.model.readout = "cost";
  config.train.epochs = 1;
  const std::string extra = dir.path() + "/fast";
  std::filesystem::create_directories(extra);
  std::string lines;
  for (int i = 1; i <= 24; ++i)
    lines += std::to_string(i) + " ../onnx/resnet18.onnx 1 " + std::to_string(0.01 + 0.001 * i) +
             " fast 1 train\n";
  write_file_atomic(extra + "/gt.txt", lines);
  config.data.extra_train = {extra + "/gt.txt"};

  const auto saved_rates = [](const std::string& run_dir) {
    const WeightFile weights = read_weight_file(run_dir + "/best.weights");
    return weights.at("cost_rates", {2, kNodeCostDims}, "best.weights").values;
  };
  const auto expected_rates = [](const TrainingSet& train, bool use_mask) {
    std::vector<TokenPtr> inputs;
    std::vector<double> labels;
    std::vector<int64_t> heads;
    for (size_t i = 0; i < train.inputs.size(); ++i) {
      if (use_mask && !train.fits_cost_model[i]) continue;
      inputs.push_back(train.inputs[i]);
      labels.push_back(train.labels[i]);
      heads.push_back(train.heads[i]);
    }
    std::vector<float> flat;
    for (const CostRates& r : fit_cost_rates_per_head(inputs, labels, heads, 2))
      for (const double v : r) flat.push_back(static_cast<float>(v));
    return flat;
  };
  std::vector<std::vector<float>> runs;
  for (const bool fits : {false, true}) {
    config.data.extra_train_fits_cost_model = fits;
    config.run.name = fits ? "with_fast" : "networks_only";
    const TrainingSet train = LatencyTask(config).training_set();
    const std::vector<float> want = expected_rates(train, /*use_mask=*/true);
    runs.push_back(saved_rates(train_experiment(config, {}).run_dir));
    ASSERT_EQ(runs.back().size(), want.size());
    for (size_t k = 0; k < want.size(); ++k)
      EXPECT_NEAR(runs.back()[k], want[k], 1e-5 * std::abs(want[k]) + 1e-9) << k;
    if (!fits) {  // not the same as fitting every training line
      const std::vector<float> all = expected_rates(train, /*use_mask=*/false);
      EXPECT_NE(all, want);
    }
  }
  double moved = 0;  // platform 1 (head 0) only: the fast lines are its
  for (size_t k = 0; k < kNodeCostDims; ++k) moved += std::abs(runs[1][k] - runs[0][k]);
  EXPECT_GT(moved, 0.0);
  for (size_t k = kNodeCostDims; k < 2 * kNodeCostDims; ++k)
    EXPECT_FLOAT_EQ(runs[1][k], runs[0][k]);
}

TEST(LatencyTask, TrainsAndReportsPerFamily) {
  TempDir dir;
  const Config config = latency_config(write_dataset(dir.path()), dir.path() + "/runs");
  const TrainReport report = train_experiment(config, {});
  EXPECT_EQ(report.test.metrics.n, 12);
  ASSERT_EQ(report.test.groups.size(), 3u);
  EXPECT_EQ(report.test.groups.at("mobilenet").n, 4);
  EXPECT_TRUE(std::filesystem::exists(report.run_dir + "/skipped.txt"));
  EXPECT_FALSE(report.test.baseline.has_value());  // sum readout: no linear model
  std::ifstream predictions(report.run_dir + "/predictions.csv");
  std::string header;
  std::getline(predictions, header);
  EXPECT_EQ(header, "id,family,platform,batch_size,onnx_path,latency_ms,prediction_ms");
}

// The cost readout's fitted rates are part of the saved model: a Predictor built from the run
// folder alone reproduces the test predictions, per platform.
TEST(CostReadout, RunFolderAloneReproducesPredictionsPerPlatform) {
  TempDir dir;
  Config config = latency_config(write_dataset(dir.path()), dir.path() + "/runs");
  config.model.readout = "cost";
  const TrainReport report = train_experiment(config, {});
  std::ifstream csv(report.run_dir + "/predictions.csv");
  std::string line;
  std::getline(csv, line);
  const Predictor predictor(report.run_dir);
  int rows = 0;
  while (std::getline(csv, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string field; std::getline(ss, field, ',');) f.push_back(field);
    const double prediction = std::stod(f[6]);
    EXPECT_NEAR(predictor.predict_onnx(f[4], 1, f[2]), prediction, 1e-5 * prediction) << f[4];
    ++rows;
  }
  EXPECT_EQ(rows, 12);
#ifdef NARFORMER_WITH_LITE
  // The torch-free forward pass reads the weight file training wrote beside best.pt.
  ASSERT_TRUE(LitePredictor::available(report.run_dir));
  const LitePredictor lite(report.run_dir);
  for (const char* platform : {"1", "2"})
    for (const char* file : {"/onnx/resnet18.onnx", "/onnx/mobilenet_v2.onnx"}) {
      const double torch_ms = predictor.predict_onnx(dir.path() + file, 1, platform);
      EXPECT_NEAR(lite.predict_onnx(dir.path() + file, 1, platform), torch_ms, 1e-5 * torch_ms)
          << file << " " << platform;
    }
  // Per node: named after the graph's nodes, adding up to the prediction and to the linear model.
  const std::string file = dir.path() + "/onnx/resnet18.onnx";
  const LatencyBreakdown breakdown = lite.explain_onnx(file, 1, "2");
  const TokenPtr tokens = lite.tokenize_onnx(file);
  ASSERT_EQ(static_cast<int>(breakdown.nodes.size()), tokens->num_nodes);
  EXPECT_EQ(breakdown.nodes.front().op_type, "Input");
  EXPECT_EQ(breakdown.nodes.back().op_type, "Gemm");
  EXPECT_NEAR(breakdown.latency_ms, lite.predict_onnx(file, 1, "2"), 1e-9 * breakdown.latency_ms);
  // The linear model's rates, as training saved them (heads x kNodeCostDims).
  const WeightFile weights = read_weight_file(report.run_dir + "/best.weights");
  const std::vector<float>& saved =
      weights.at("cost_rates", {2, kNodeCostDims}, "best.weights").values;
  std::vector<CostRates> rates(2);
  for (size_t k = 0; k < saved.size(); ++k) rates[k / kNodeCostDims][k % kNodeCostDims] = saved[k];
  const double linear = linear_cost_predictions({tokens}, {1}, rates)[0];
  EXPECT_NEAR(breakdown.prior_ms, linear, 1e-5 * linear);
  double convolutions = 0;
  for (const auto& node : breakdown.nodes)
    convolutions += node.op_type == "Conv" ? node.latency.latency_ms : 0;
  EXPECT_GT(convolutions, 0.3 * breakdown.latency_ms);  // resnet18 is mostly its convolutions
#endif
  // The linear model alone is reported beside it, on the same 12 test items.
  ASSERT_TRUE(report.test.baseline.has_value());
  EXPECT_EQ(report.test.baseline->n, 12);
  EXPECT_GT(report.test.baseline->mape, 0.0);
  EXPECT_NE(read_file(report.run_dir + "/test_metrics.json").find("\"linear_cost_model\""),
            std::string::npos);
  // Platform 2's latencies are 10 ms higher: its fitted linear model (its own rates) says so.
  const std::string resnet = dir.path() + "/onnx/resnet18.onnx";
  EXPECT_GT(predictor.predict_onnx(resnet, 1, "2"), 2 * predictor.predict_onnx(resnet, 1, "1"));
}

// train.family_offsets: two families of the same graphs, one measured twice as slow. The
// family factors absorb the 2x, in training only; a resumed run continues them exactly.
TEST(FamilyOffsets, AbsorbEachFamilysLevelAndResumeExactly) {
  TempDir dir;
  const std::string fixtures = source_path("tests/fixtures/onnx/torchvision");
  std::filesystem::create_directories(dir.path() + "/onnx");
  std::ofstream gt(dir.path() + "/gt.txt");
  int id = 0;
  const std::vector<std::pair<std::string, double>> models = {
      {"resnet18", 6.0}, {"mobilenet_v2", 3.0}, {"squeezenet1_0", 4.0}, {"alexnet", 5.0}};
  for (const auto& [file, ms] : models) {
    std::filesystem::copy_file(fixtures + "/" + file + ".onnx",
                               dir.path() + "/onnx/" + file + ".onnx");
    for (int copy = 0; copy < 4; ++copy)
      for (const auto& [family, factor] :
           {std::pair<std::string, double>{"fast", 1.0}, {"slow", 2.0}})
        gt << ++id << " onnx/" << file << ".onnx 1 " << ms * factor << ' ' << family << " 1 "
           << (copy == 3 ? "test" : "train") << '\n';
  }
  gt.close();
  Config config = latency_config(dir.path() + "/gt.txt", dir.path() + "/runs");
  config.data.val_fraction = 0.2;
  config.train.family_offsets = true;
  config.train.epochs = 60;
  config.train.lr = 1e-2;
  config.run.name = "straight";
  const TrainReport straight = train_experiment(config, {});
  ASSERT_EQ(straight.fit.family_offsets.size(), 2u);
  EXPECT_NEAR(straight.fit.family_offsets[0] + straight.fit.family_offsets[1], 0.0,
              1e-6);  // centred
  const double ratio =
      std::exp(std::abs(straight.fit.family_offsets[1] - straight.fit.family_offsets[0]));
  EXPECT_GT(ratio, 1.7) << "the families' 2x level difference should go to their factors";
  EXPECT_LT(ratio, 2.3);

  config.run.name = "pieces";
  TrainOptions first;
  first.stop_after_epochs = 17;
  train_experiment(config, first);
  TrainOptions rest;
  rest.resume = true;
  const TrainReport resumed = train_experiment(config, rest);
  EXPECT_EQ(resumed.fit.family_offsets, straight.fit.family_offsets);
}

TEST(Transfer, CopiesMatchingWeightsAndKeepsNewHeads) {
  TempDir dir;
  ModelOptions one_head;
  one_head.input_dim = 16;
  one_head.hidden = 32;
  one_head.ffn_hidden = 64;
  one_head.blocks = 2;
  torch::manual_seed(1);
  NarFormerModel source(one_head);
  save_checkpoint(dir.path() + "/source.pt", source, nullptr, TrainingState{});

  ModelOptions two_heads = one_head;
  two_heads.num_heads = 2;
  torch::manual_seed(2);
  NarFormerModel target(two_heads);
  const std::vector<std::string> fresh =
      load_matching_weights(dir.path() + "/source.pt", target, torch::kCPU);
  EXPECT_EQ(fresh, (std::vector<std::string>{"head_out.weight", "head_out.bias"}));
  const auto source_params = source->named_parameters();
  for (const auto& item : target->named_parameters()) {
    if (item.key().rfind("head_out", 0) == 0) continue;
    EXPECT_TRUE(torch::equal(item.value(), source_params[item.key()])) << item.key();
  }
  EXPECT_NE(error_message<RunError>([&] {
              load_matching_weights(dir.path() + "/none.pt", target, torch::kCPU);
            }).find("not found"),
            std::string::npos);
}

}  // namespace
}  // namespace narformer
