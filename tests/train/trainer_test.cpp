#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "../test_util.h"
#include "narformer/core/atomic_file.h"
#include "narformer/core/error.h"
#include "narformer/runtime/checkpoint.h"
#include "narformer/runtime/device.h"
#include "narformer/runtime/evaluator.h"
#include "narformer/train/experiment.h"
#include "narformer/train/nas_task.h"

namespace narformer {
namespace {

using testing::error_message;
using testing::source_path;
using testing::TempDir;

/// A small NB201 config on the shipped table: seconds per run.
Config tiny_config(const std::string& run_dir, const std::string& name) {
  Config c;
  c.source_file = "tiny";
  c.data.path = source_path("data/nasbench201/arch_score_acc.csv");
  c.data.protocol = Protocol::kHoldout;
  c.data.n_train = 48;
  c.data.n_val = 24;
  c.data.n_test = 100;
  c.model.blocks = 2;
  c.model.hidden = 32;
  c.model.ffn_hidden = 64;
  c.train.epochs = 3;
  c.train.batch_size = 16;
  c.train.lr = 1e-3;
  c.run.dir = run_dir;
  c.run.name = name;
  c.run.seed = 5;
  c.run.device = DeviceSetting::kCpu;
  c.run.threads = 1;  // bitwise-reproducible reductions
  return c;
}

std::vector<torch::Tensor> weights_of(const std::string& checkpoint, const Config& config,
                                      int64_t input_dim) {
  NarFormerModel model(ModelOptions::from_config(config.model, input_dim, 0));
  load_checkpoint(checkpoint, model, nullptr, torch::kCPU);
  std::vector<torch::Tensor> out;
  for (const auto& p : model->parameters()) out.push_back(p.detach().clone());
  return out;
}

TEST(Trainer, ResumeContinuesExactly) {
  TempDir dir;
  const Config straight = tiny_config(dir.path(), "straight");
  const Config pieces = tiny_config(dir.path(), "pieces");
  const TrainReport full = train_experiment(straight, {});
  ASSERT_TRUE(full.fit.finished);

  TrainOptions first;
  first.stop_after_epochs = 1;
  const TrainReport paused = train_experiment(pieces, first);
  EXPECT_FALSE(paused.fit.finished);
  EXPECT_EQ(paused.fit.epochs_done, 1);
  TrainOptions rest;
  rest.resume = true;
  const TrainReport resumed = train_experiment(pieces, rest);
  ASSERT_TRUE(resumed.fit.finished);

  const std::vector<torch::Tensor> a = weights_of(dir.path() + "/straight/last.pt", straight, 128);
  const std::vector<torch::Tensor> b = weights_of(dir.path() + "/pieces/last.pt", pieces, 128);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], b[i])) << "parameter " << i;
  EXPECT_EQ(full.test.metrics.kendall_tau, resumed.test.metrics.kendall_tau);
  EXPECT_EQ(full.fit.best_epoch, resumed.fit.best_epoch);

  // metrics.jsonl holds one line per epoch, not duplicated by the resume.
  std::ifstream metrics(dir.path() + "/pieces/metrics.jsonl");
  int lines = 0;
  for (std::string line; std::getline(metrics, line);) lines += !line.empty();
  EXPECT_EQ(lines, 3);
}

// train.consistency reaches the loss: with the weights frozen (lr 0) both runs make the same
// predictions, so the main loss is the same, and dividing each pair's difference by an
// accuracy label (at most 0.95 in NB201) makes the consistency term at least 1/0.95 larger.
TEST(Trainer, RelativeConsistencyDividesByTheLabel) {
  TempDir dir;
  const auto first_epoch = [&](ConsistencyScale scale, const std::string& name) {
    Config config = tiny_config(dir.path(), name);
    config.train.epochs = 1;
    config.train.lr = 0;
    config.train.lambda_sr = 0;
    config.train.lambda_cons = 0.5;
    config.train.consistency = scale;
    train_experiment(config, {});
    std::ifstream metrics(dir.path() + "/" + name + "/metrics.jsonl");
    std::string line;
    std::getline(metrics, line);
    return nlohmann::json::parse(line);
  };
  const nlohmann::json absolute = first_epoch(ConsistencyScale::kAbsolute, "absolute");
  const nlohmann::json relative = first_epoch(ConsistencyScale::kRelative, "relative");
  EXPECT_DOUBLE_EQ(absolute["loss_main"].get<double>(), relative["loss_main"].get<double>());
  EXPECT_GT(absolute["loss_cons"].get<double>(), 0.0);
  EXPECT_GT(relative["loss_cons"].get<double>(), absolute["loss_cons"].get<double>() / 0.95);
}

TEST(Trainer, ARunPausedBeforeItsFirstValidationResumes) {
  TempDir dir;
  Config config = tiny_config(dir.path(), "sparse");
  config.eval.every = 3;  // only the last of the three epochs validates
  TrainOptions first;
  first.stop_after_epochs = 2;
  const TrainReport paused = train_experiment(config, first);
  EXPECT_FALSE(paused.fit.finished);
  EXPECT_EQ(paused.fit.best_epoch, 0);
  TrainOptions rest;
  rest.resume = true;
  const TrainReport resumed = train_experiment(config, rest);
  ASSERT_TRUE(resumed.fit.finished);
  EXPECT_EQ(resumed.fit.best_epoch, 3);
}

TEST(Trainer, ARunStartedBeforeANewConfigKeyResumes) {
  TempDir dir;
  Config config = tiny_config(dir.path(), "older");
  config.train.epochs = 2;
  TrainOptions first;
  first.stop_after_epochs = 1;
  ASSERT_FALSE(train_experiment(config, first).fit.finished);
  // Drop a key from the stored config.yaml, as a run started by an older build wrote it.
  const std::string stored_path = config.run_dir() + "/config.yaml";
  std::string stored;
  {
    std::ifstream in(stored_path);
    stored.assign(std::istreambuf_iterator<char>(in), {});
  }
  const std::string key = "  consistency: absolute\n";
  const size_t at = stored.find(key);
  ASSERT_NE(at, std::string::npos);
  stored.erase(at, key.size());
  std::ofstream(stored_path) << stored;
  TrainOptions rest;
  rest.resume = true;
  EXPECT_TRUE(train_experiment(config, rest).fit.finished);
}

TEST(Trainer, RunFolderGuardsAndResumeChecks) {
  TempDir dir;
  Config config = tiny_config(dir.path(), "guarded");
  config.train.epochs = 1;
  train_experiment(config, {});
  EXPECT_NE(
      error_message<RunError>([&] { train_experiment(config, {}); }).find("already holds a run"),
      std::string::npos);
  Config changed = config;
  changed.train.lr = 5e-4;
  TrainOptions resume;
  resume.resume = true;
  EXPECT_NE(
      error_message<RunError>([&] { train_experiment(changed, resume); }).find("first difference"),
      std::string::npos);
  Config fresh = tiny_config(dir.path(), "never_started");
  EXPECT_NE(
      error_message<RunError>([&] { train_experiment(fresh, resume); }).find("nothing to resume"),
      std::string::npos);
}

TEST(Trainer, FamilyOffsetsNeedDataWithFamilies) {
  TempDir dir;
  Config config = tiny_config(dir.path(), "cells");
  config.train.family_offsets = true;  // NB201 cells have no model families
  EXPECT_NE(error_message<ConfigError>([&] {
              train_experiment(config, {});
            }).find("train.family_offsets"),
            std::string::npos);
}

TEST(Checkpoint, RejectsOtherModelsAndCorruptFiles) {
  TempDir dir;
  const Config config = tiny_config(dir.path(), "ckpt");
  ModelOptions options = ModelOptions::from_config(config.model, 128, 0);
  NarFormerModel model(options);
  const std::string path = dir.path() + "/model.pt";
  save_checkpoint(path, model, nullptr, TrainingState{});

  ModelOptions wider = options;
  wider.hidden = 64;
  NarFormerModel other(wider);
  EXPECT_NE(error_message<RunError>([&] {
              load_checkpoint(path, other, nullptr, torch::kCPU);
            }).find("different model"),
            std::string::npos);

  write_file_atomic(dir.path() + "/corrupt.pt", "not a checkpoint");
  EXPECT_NE(error_message<RunError>([&] {
              load_checkpoint(dir.path() + "/corrupt.pt", model, nullptr, torch::kCPU);
            }).find("cannot read checkpoint"),
            std::string::npos);
  EXPECT_NE(error_message<RunError>([&] {
              load_checkpoint(dir.path() + "/none.pt", model, nullptr, torch::kCPU);
            }).find("not found"),
            std::string::npos);
}

// The shipped smoke config learns: tau on held-out architectures (never used for training or
// selection) clears a bar that the same model untrained does not reach.
TEST(EndToEnd, SmokeConfigLearnsToRankHeldOutArchitectures) {
  constexpr double kBar = 0.45;  // seeds 1-5 on this machine: 0.49-0.67 trained
  TempDir dir;
  Config config = load_config(source_path("configs/nb201/smoke.yaml"), {"run.dir=" + dir.path()});
  config.data.path = source_path(config.data.path);

  const TrainReport report = train_experiment(config, {});
  EXPECT_EQ(report.test.metrics.n, config.data.n_test);
  EXPECT_GT(report.test.metrics.kendall_tau, kBar);

  // The same initialisation, untrained, on the same test architectures.
  const NasTask task(config);
  seed_torch(static_cast<uint64_t>(config.run.seed));
  NarFormerModel untrained(ModelOptions::from_config(config.model, task.input_dim(), 0));
  const MetricSummary before = task.evaluate_test(untrained, torch::kCPU, "").overall;
  EXPECT_LT(before.kendall_tau, kBar);
  std::printf("smoke: untrained tau %.4f -> trained tau %.4f (n = %lld)\n", before.kendall_tau,
              report.test.metrics.kendall_tau, static_cast<long long>(report.test.metrics.n));
}

}  // namespace
}  // namespace narformer
