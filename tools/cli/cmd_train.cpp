// narformer train CONFIG [--set key=value ...] [--resume | --overwrite] [--json] [--nproc N]
#include <chrono>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "narformer/config/config.h"
#include "narformer/core/error.h"
#include "narformer/distributed/launch_env.h"
#include "narformer/distributed/local_launch.h"
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
  int64_t nproc = 1;
  double rank_timeout = 300;
};

/// The command line each local rank of --nproc runs: this one without --nproc.
std::vector<std::string> rank_arguments(const TrainArguments& args) {
  std::vector<std::string> out = {"train", args.config};
  for (const std::string& o : args.overrides) out.insert(out.end(), {"--set", o});
  if (args.resume) out.push_back("--resume");
  if (args.overwrite) out.push_back("--overwrite");
  if (args.json) out.push_back("--json");
  if (args.stop_after_epochs > 0)
    out.insert(out.end(), {"--stop-after-epochs", std::to_string(args.stop_after_epochs)});
  out.insert(out.end(), {"--rank-timeout", std::to_string(args.rank_timeout)});
  return out;
}

void run_train(const TrainArguments& args) {
  const Config config = load_config(args.config, args.overrides);
  set_log_level(config.run.log_level);
  if (args.nproc > 1) {
    if (launch_env().distributed())
      throw ConfigError(
          "--nproc starts its own ranks, but this process already is a rank of a launcher's job "
          "(RANK/WORLD_SIZE or SLURM_PROCID/SLURM_NTASKS are set): drop one of the two");
    if (const int code = run_local_ranks(rank_arguments(args), args.nproc); code != 0)
      throw ExitCode{code};
    return;
  }
  TrainOptions options;
  options.resume = args.resume;
  options.overwrite = args.overwrite;
  options.stop_after_epochs = args.stop_after_epochs;
  options.rank_timeout = std::chrono::milliseconds(static_cast<int64_t>(args.rank_timeout * 1000));
  const TrainReport report = train_experiment(config, options);
  if (report.rank != 0) return;  // rank 0 reports for the job
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
  cmd->add_option("--nproc", args->nproc,
                  "train data-parallel on this many local processes (sharing the cores; "
                  "under torchrun or Slurm, leave it out: their variables say the ranks)")
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--rank-timeout", args->rank_timeout,
                  "seconds a rank of a data-parallel job waits for the others before it stops "
                  "with an error naming the rank that is gone (default 300)")
      ->check(CLI::PositiveNumber);
  cmd->callback([args] { run_train(*args); });
}

}  // namespace narformer::cli
