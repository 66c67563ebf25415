#pragma once
// Whole experiments as the CLI runs them; usable from C++ the same way.
//
//   train_experiment: run folder, resolved config, training, then the best checkpoint on the
//                     test split (predictions.csv, test_metrics.json)
//   evaluate_run:     a finished (or running) run's checkpoint on its test split

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "narformer/config/config.h"
#include "narformer/distributed/launch_env.h"
#include "narformer/train/task.h"
#include "narformer/train/trainer.h"

namespace narformer {

struct TrainOptions {
  bool resume = false;            ///< continue run_dir/last.pt exactly
  bool overwrite = false;         ///< delete an existing run folder of the same name first
  int64_t stop_after_epochs = 0;  ///< > 0: pause after this many epochs (continue with resume)
  /// The data-parallel job this process is a rank of (trainer.h); empty: what the launcher's
  /// environment says (launch_env(): torchrun's or Slurm's variables, else one process).
  std::optional<LaunchEnv> launch;
  /// How long a rank waits for the others (to join, and in every collective) before it stops
  /// with an error naming the rank that is gone.
  std::chrono::milliseconds rank_timeout = std::chrono::seconds(300);
};

struct TrainReport {
  std::string run_dir;
  std::string device;
  int64_t rank = 0;  ///< of this process in a data-parallel job; only rank 0 writes files
  int64_t world_size = 1;
  int threads = 0;
  int64_t parameters = 0;
  FitResult fit;
  std::string kept_setting;  ///< baselines: the grid setting chosen on validation (JSON)
  TestReport test;           ///< empty when training paused before the last epoch
};

TrainReport train_experiment(const Config& config, const TrainOptions& options);

/// Evaluates `checkpoint` ("best", "last", or a path) of the run in `run_dir` with the
/// run's own config.yaml (plus `overrides`, e.g. eval.batch_size or run.device) and writes
/// predictions.csv and test_metrics.json into the run folder.
TestReport evaluate_run(const std::string& run_dir, const std::string& checkpoint = "best",
                        const std::vector<std::string>& overrides = {});

/// The same for an explicit config and checkpoint; outputs go to `output_dir`.
TestReport evaluate_checkpoint(const Config& config, const std::string& checkpoint_path,
                               const std::string& output_dir);

}  // namespace narformer
