// narformer train CONFIG [--set key=value ...] [--resume | --overwrite] [--json]
#include <cstdio>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "narformer/config/config.h"
#include "narformer/train/experiment.h"

namespace narformer::cli {

namespace {

struct TrainArguments {
  std::string config;
  std::vector<std::string> overrides;
  bool resume = false;
  bool overwrite = false;
  bool json = false;
  int64_t stop_after_epochs = 0;
};

void run_train(const TrainArguments& args) {
  const Config config = load_config(args.config, args.overrides);
  set_log_level(config.run.log_level);
  TrainOptions options;
  options.resume = args.resume;
  options.overwrite = args.overwrite;
  options.stop_after_epochs = args.stop_after_epochs;
  const TrainReport report = train_experiment(config, options);
  if (!report.fit.finished) {
    std::printf("run:          %s\n", report.run_dir.c_str());
    std::printf("paused:       after epoch %lld of %lld; continue with --resume\n",
                static_cast<long long>(report.fit.epochs_done),
                static_cast<long long>(config.train.epochs));
    return;
  }

  const MetricSummary& m = report.test.metrics;
  std::printf("run:          %s\n", report.run_dir.c_str());
  if (is_baseline(config.model)) {
    std::printf("kept:         %s, the best of %lld settings (validation %s %.4f)\n",
                report.kept_setting.c_str(), static_cast<long long>(report.fit.epochs_done),
                to_string(config.eval.selection).c_str(), report.fit.best_score);
    std::printf("train time:   %.1f s (%d threads)\n", report.fit.seconds, report.threads);
  } else {
    std::printf("best epoch:   %lld of %lld (validation %s %.4f)\n",
                static_cast<long long>(report.fit.best_epoch),
                static_cast<long long>(report.fit.epochs_done),
                to_string(config.eval.selection).c_str(), report.fit.best_score);
    std::printf("train time:   %.1f s, %.1f samples/s (%s, %d threads)\n", report.fit.seconds,
                report.fit.samples_per_second, report.device.c_str(), report.threads);
  }
  std::printf("test:         n %lld  kendall tau %.4f  mape %.3f%%  acc@10%% %.4f\n",
              static_cast<long long>(m.n), m.kendall_tau, 100 * m.mape, m.acc_10);
  if (args.json) {
    nlohmann::json out = {{"run_dir", report.run_dir},
                          {"kendall_tau", m.kendall_tau},
                          {"n", m.n},
                          {"mape", m.mape},
                          {"rmspe", m.rmspe},
                          {"acc_1", m.acc_1},
                          {"acc_5", m.acc_5},
                          {"acc_10", m.acc_10},
                          {"best_epoch", report.fit.best_epoch},
                          {"train_seconds", report.fit.seconds},
                          {"samples_per_second", report.fit.samples_per_second}};
    std::printf("%s\n", out.dump().c_str());
  }
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto args = std::make_shared<TrainArguments>();
  CLI::App* cmd = app.add_subcommand(
      "train", "train a predictor as a YAML config describes, then test the best checkpoint");
  cmd->add_option("config", args->config, "YAML config (see configs/)")->required();
  cmd->add_option("--set", args->overrides,
                  "override a config key, e.g. --set train.epochs=5 (repeatable)");
  auto* resume = cmd->add_flag("--resume", args->resume,
                               "continue the run in <run.dir>/<run.name> exactly where it stopped");
  cmd->add_flag("--overwrite", args->overwrite, "delete an existing run of the same name first")
      ->excludes(resume);
  cmd->add_option("--stop-after-epochs", args->stop_after_epochs,
                  "pause after this many epochs (the schedule still spans train.epochs); continue "
                  "with --resume")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--json", args->json,
                "print the test metrics as one JSON object on the last line of stdout");
  cmd->callback([args] { run_train(*args); });
}

}  // namespace narformer::cli
