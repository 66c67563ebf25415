#include "narformer/train/experiment.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <sstream>
#include <thread>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "narformer/core/atomic_file.h"
#include "narformer/core/error.h"
#include "narformer/core/progress.h"
#include "narformer/eval/metrics.h"
#include "narformer/eval/plots.h"
#include "narformer/model/cost_prior.h"
#include "narformer/runtime/checkpoint.h"
#include "narformer/runtime/device.h"
#include "narformer/runtime/run_folder.h"
#include "narformer/train/baseline_trainer.h"

namespace narformer {

namespace fs = std::filesystem;

namespace {

/// The first line where two resolved configs differ, for a readable resume error.
std::string first_difference(const std::string& a, const std::string& b) {
  std::istringstream sa(a), sb(b);
  std::string la, lb;
  while (true) {
    const bool ha = static_cast<bool>(std::getline(sa, la)),
               hb = static_cast<bool>(std::getline(sb, lb));
    if (!ha && !hb) return "";
    if (la != lb || ha != hb) return "'" + la + "' vs '" + lb + "'";
  }
}

/// Adds a file sink for the run's log to the default logger while alive.
class RunLog {
 public:
  explicit RunLog(const std::string& path)
      : sink_(std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, /*truncate=*/false)) {
    sink_->set_pattern("[%Y-%m-%d %H:%M:%S] [%l] %v");
    spdlog::default_logger()->sinks().push_back(sink_);
  }
  ~RunLog() {
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }

 private:
  std::shared_ptr<spdlog::sinks::basic_file_sink_mt> sink_;
};

void prepare_run_dir(const Config& config, const TrainOptions& options) {
  const RunFolder run(config.run_dir());
  const fs::path dir = run.path();
  const fs::path last = run.checkpoint("last");
  const std::string resolved = to_yaml(config);
  if (options.resume) {
    if (!fs::exists(last))
      throw RunError(with_file(dir.string(), "nothing to resume: no last.pt in the run folder"));
    if (fs::exists(run.config())) {
      // Read back through today's loader, so a key added since the run started compares at
      // its default instead of blocking the resume of an otherwise identical run.
      const std::string stored = to_yaml(load_config(run.config()));
      if (stored != resolved)
        throw RunError(with_file(run.config(),
                                 "resume needs the same config as the run was started with; "
                                 "first difference: " +
                                     first_difference(stored, resolved)));
    }
    return;
  }
  if (fs::exists(dir)) {
    // A folder without last.pt holds no epoch worth keeping (a start that failed early).
    const bool finished_baseline = fs::exists(run.baseline());
    if ((fs::exists(last) || finished_baseline) && !options.overwrite)
      throw RunError(with_file(dir.string(),
                               "run folder already holds a run: pass --resume to continue it, "
                               "--overwrite to start over, or --set run.name=NEW"));
    fs::remove_all(dir);
  }
  fs::create_directories(dir);
  write_file_atomic(run.config(), resolved);
}

nlohmann::json to_json(const MetricSummary& m) {
  return {{"n", m.n},          {"kendall_tau", m.kendall_tau},
          {"mape", m.mape},    {"rmspe", m.rmspe},
          {"acc_1", m.acc_1},  {"acc_5", m.acc_5},
          {"acc_10", m.acc_10}};
}

/// test_metrics.json, the plots and the log line for a test result; `checkpoint` names what
/// was evaluated, `extra` adds keys to test_metrics.json.
TestReport write_test_outputs(const Config& config, const TestResult& result,
                              const std::string& checkpoint, const std::string& output_dir,
                              double seconds, nlohmann::json extra) {
  TestReport report;
  report.checkpoint = checkpoint;
  const RunFolder output(output_dir);
  report.predictions_file = output.predictions();
  report.metrics = result.overall;
  report.groups = result.groups;
  report.group_key = result.group_key;
  nlohmann::json out = to_json(report.metrics);
  if (!report.groups.empty()) {
    nlohmann::json groups;
    for (const auto& [name, summary] : report.groups) groups[name] = to_json(summary);
    out[report.group_key] = groups;
  }
  report.baseline = result.baseline;
  if (report.baseline) {
    out["linear_cost_model"] = to_json(*report.baseline);
    spdlog::info("linear cost model alone on test: mape {:.3f}%  acc@10% {:.3f}  tau {:.4f}",
                 100 * report.baseline->mape, report.baseline->acc_10,
                 report.baseline->kendall_tau);
  }
  out["model_kind"] = to_string(config.model.kind);
  out["checkpoint"] = checkpoint;
  out["seconds"] = seconds;
  out["config"] = config.source_file;
  out.update(extra);
  write_file_atomic(output.test_metrics(), out.dump(2) + "\n");
  PlotRequest plot;
  plot.dir = output_dir;
  plot.truths = result.truths;
  plot.predictions = result.predictions;
  plot.groups = result.item_groups;
  plot.log_scale = result.log_scale;
  plot.quantity = result.quantity;
  if (fs::exists(output.metrics()) && !is_baseline(config.model))
    plot.metrics_file = output.metrics();
  report.plots = write_plots(plot).message;
  spdlog::info("{}", report.plots);
  spdlog::info("test ({} items, {}): kendall tau {:.4f}  mape {:.3f}%  acc@10% {:.3f}  [{}]",
               report.metrics.n, fs::path(checkpoint).filename().string(),
               report.metrics.kendall_tau, 100 * report.metrics.mape, report.metrics.acc_10,
               format_duration(seconds));
  return report;
}

TestReport run_test(const Config& config, const Task& task, NarFormerModel& model,
                    const std::string& checkpoint, const torch::Device& device,
                    const std::string& output_dir, const nlohmann::json& validation = nullptr,
                    DataParallelGroup* group = nullptr) {
  load_model_weights(checkpoint, model, device);
  model->to(device);
  Stopwatch clock;
  const bool writes = group == nullptr || group->rank() == 0;
  const TestResult result =
      task.evaluate_test(model, device, writes ? RunFolder(output_dir).predictions() : "", group);
  if (!writes) {
    TestReport report;
    report.checkpoint = checkpoint;
    report.metrics = result.overall;
    report.groups = result.groups;
    report.group_key = result.group_key;
    return report;
  }
  nlohmann::json extra = nlohmann::json::object();
  if (!validation.is_null()) extra["validation"] = validation;
  if (const nlohmann::json import = task.import_summary(); !import.is_null())
    extra["import"] = import;
  return write_test_outputs(config, result, checkpoint, output_dir, clock.seconds(), extra);
}

/// A baseline run's test: its model's predictions of the test split.
TestReport run_baseline_test(const Config& config, const Task& task, const BaselineModel& model,
                             const std::string& model_dir, const std::string& output_dir,
                             const nlohmann::json& validation = nullptr) {
  Stopwatch clock;
  const TestResult result =
      task.report_test(predict_baseline(task, model), RunFolder(output_dir).predictions());
  nlohmann::json extra = {{"setting", model.setting}, {"features", to_string(model.features)}};
  if (!validation.is_null()) extra["validation"] = validation;
  if (const nlohmann::json import = task.import_summary(); !import.is_null())
    extra["import"] = import;
  return write_test_outputs(config, result, RunFolder(model_dir).baseline(), output_dir,
                            clock.seconds(), extra);
}

/// What a Predictor needs besides config.yaml and the weights, so it never reads the data.
void write_model_info(const Config& config, const Task& task, const nlohmann::json& model) {
  const nlohmann::json info = {{"input_dim", task.input_dim()},
                               {"static_dim", task.static_dim()},
                               {"heads", task.head_names()},
                               {"kind", to_string(config.model.kind)},
                               {"model", model}};
  write_file_atomic(RunFolder(config.run_dir()).model_info(), info.dump(2) + "\n");
}

/// model.kind linear | mlp | gbdt | rescale: the grid on training + validation, then test.
TrainReport train_baseline(const Config& config, const Task& task, TrainReport report) {
  const std::string metrics = RunFolder(config.run_dir()).metrics();
  const BaselineFit fit = fit_baseline(config, task, metrics);
  fit.model.save(config.run_dir());
  write_model_info(config, task,
                   {{"setting", fit.model.setting}, {"features", to_string(fit.model.features)}});
  report.fit.epochs_done = fit.settings;
  report.fit.finished = true;
  report.fit.best_score = fit.best_score;
  report.fit.seconds = fit.seconds;
  report.kept_setting = fit.model.setting.dump();
  spdlog::info("{} baseline: {} settings in {}; kept {} (validation {} {:.4f})",
               to_string(config.model.kind), fit.settings, format_duration(fit.seconds),
               fit.model.setting.dump(), to_string(config.eval.selection), fit.best_score);
  report.test =
      run_baseline_test(config, task, fit.model, config.run_dir(), config.run_dir(),
                        {{"metric", to_string(config.eval.selection)}, {"score", fit.best_score}});
  return report;
}

/// Cost readout: the linear cost model per head, fitted on the training graphs; logs how well
/// it alone does on validation (the baseline the network has to beat).
void fit_cost_readout(NarFormerModel& model, const TrainingSet& train, const EvaluationSet& val) {
  TrainingSet fitted;
  for (size_t i = 0; i < train.inputs.size(); ++i) {
    if (!train.fits_cost_model.empty() && !train.fits_cost_model[i]) continue;
    fitted.inputs.push_back(train.inputs[i]);
    fitted.labels.push_back(train.labels[i]);
    if (!train.heads.empty()) fitted.heads.push_back(train.heads[i]);
  }
  if (fitted.inputs.size() < train.inputs.size())
    spdlog::info(
        "linear cost model fitted on {} of the {} training lines (data.extra_train's lines only "
        "train the "
        "correction)",
        fitted.inputs.size(), train.inputs.size());
  const std::vector<CostRates> rates = fit_cost_rates_per_head(
      fitted.inputs, fitted.labels, fitted.heads, model->options().num_heads);
  for (size_t h = 0; h < rates.size(); ++h)
    spdlog::info("linear cost model (head {}): {}", h, describe_cost_rates(rates[h]));
  model->set_cost_rates(rates);
  if (val.inputs.empty()) return;
  const MetricSummary linear =
      summarize(linear_cost_predictions(val.inputs, val.heads, rates), val.labels);
  spdlog::info("linear cost model alone on validation: mape {:.2f}%  acc@10% {:.3f}  tau {:.4f}",
               100 * linear.mape, linear.acc_10, linear.kendall_tau);
}

/// This process's place in a data-parallel job: null for one process. Ranks other than 0 log
/// warnings and errors only.
std::unique_ptr<DataParallelGroup> join_job(const Config& config, const TrainOptions& options,
                                            const LaunchEnv& launch) {
  if (!launch.distributed()) return nullptr;
  if (is_baseline(config.model))
    throw ConfigError("model.kind " + to_string(config.model.kind) +
                      " fits in one process: start it without a launcher (world size " +
                      std::to_string(launch.world_size) + ")");
  auto group = std::make_unique<DataParallelGroup>(launch, options.rank_timeout);
  group->require_same("config", to_yaml(config));
  group->require_same("start (--resume, --overwrite, --stop-after-epochs)",
                      std::to_string(options.resume) + std::to_string(options.overwrite) +
                          std::to_string(options.stop_after_epochs));
  if (group->rank() != 0) spdlog::set_level(spdlog::level::warn);
  return group;
}

/// run.threads, or all cores shared among the ranks on this machine.
int64_t threads_per_rank(const Config& config, const LaunchEnv& launch) {
  if (config.run.threads > 0 || launch.local_world_size <= 1) return config.run.threads;
  const int64_t cores = std::max(1u, std::thread::hardware_concurrency());
  return std::max<int64_t>(1, cores / launch.local_world_size);
}

/// run.device; with CUDA and several ranks on a machine, each rank takes the GPU of its local
/// rank (ranks share GPUs when there are fewer GPUs than ranks).
torch::Device rank_device(const Config& config, const LaunchEnv& launch) {
  const torch::Device device = resolve_device(config.run.device);
  if (!device.is_cuda() || launch.local_world_size <= 1) return device;
  const int64_t gpus = std::max<int64_t>(1, static_cast<int64_t>(torch::cuda::device_count()));
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(launch.local_rank % gpus));
}

}  // namespace

TrainReport train_experiment(const Config& config, const TrainOptions& options) {
  // Everything that can reject the input runs before the run folder is touched.
  TrainReport report;
  report.run_dir = config.run_dir();
  const LaunchEnv launch = options.launch ? *options.launch : launch_env();
  report.threads = configure_threads(threads_per_rank(config, launch));
  const torch::Device device = rank_device(config, launch);
  report.device = device.str();
  const std::unique_ptr<DataParallelGroup> group = join_job(config, options, launch);
  report.rank = launch.rank;
  report.world_size = launch.world_size;
  const bool writes = report.rank == 0;
  Stopwatch clock;
  // Rank 0 reads the data first (and fills the token cache); the others then read the cache.
  std::unique_ptr<Task> task;
  if (writes) task = make_task(config);
  if (group) group->barrier();
  if (!writes) task = make_task(config);

  if (writes) prepare_run_dir(config, options);
  std::optional<RunLog> log;
  if (writes) {
    log.emplace(RunFolder(config.run_dir()).train_log());
    task->write_run_files(config.run_dir());
    if (const std::string skipped = task->skipped_report(); !skipped.empty())
      write_file_atomic(RunFolder(config.run_dir()).skipped(), skipped);
  }
  if (group) group->barrier();  // the run folder exists (and resume was checked) for every rank
  spdlog::info("run {}  (config {}, device {}, {} threads, seed {})", report.run_dir,
               config.source_file, report.device, report.threads, config.run.seed);
  if (group)
    spdlog::info("data-parallel: {} ranks ({}), master {}:{}", launch.world_size, launch.launcher,
                 launch.master_addr, launch.master_port);
  // Baselines read flat features, not the Transformer's tokens and augmented copies.
  if (is_baseline(config.model)) {
    spdlog::info("{}", task->summary());
    return train_baseline(config, *task, report);
  }
  const TrainingSet train = task->training_set();
  const EvaluationSet val = task->validation_set();
  spdlog::info("{}", task->summary());
  spdlog::info("tokenized {} training (+{} augmented) and {} validation items in {}",
               train.inputs.size(), train.augmented.size(), val.inputs.size(),
               format_duration(clock.seconds()));

  seed_torch(static_cast<uint64_t>(config.run.seed));
  NarFormerModel model(model_options(config, *task));
  if (writes) write_model_info(config, *task, describe(model->options()));
  report.parameters = model->parameter_count();
  if (model->options().readout->head->needs_node_costs) fit_cost_readout(model, train, val);
  if (!config.train.init_from.empty() && !options.resume) {
    const std::vector<std::string> fresh =
        load_matching_weights(config.train.init_from, model, device);
    std::string names;
    for (const auto& n : fresh) names += (names.empty() ? "" : ", ") + n;
    spdlog::info("initialised from {}; {} parameter tensors kept their initialisation{}{}",
                 config.train.init_from, fresh.size(), fresh.empty() ? "" : ": ", names);
  }
  spdlog::info("model: {} blocks x {} hidden, {} parameters", config.model.blocks,
               config.model.hidden, report.parameters);

  Trainer trainer(config, device, report.run_dir, group.get());
  report.fit = trainer.fit(model, train, val, options.resume, options.stop_after_epochs);
  if (!report.fit.finished) {
    spdlog::info("paused after epoch {} of {}; continue with --resume", report.fit.epochs_done,
                 config.train.epochs);
    return report;
  }
  spdlog::info("trained {} epochs in {} ({:.1f} samples/s); best validation {} {:.4f} at epoch {}",
               report.fit.epochs_done, format_duration(report.fit.seconds),
               report.fit.samples_per_second, to_string(config.eval.selection),
               report.fit.best_score, report.fit.best_epoch);
  // The best validation score beside the test metrics: what chose this checkpoint.
  report.test = run_test(config, *task, model, trainer.best_checkpoint(), device, report.run_dir,
                         {{"metric", to_string(config.eval.selection)},
                          {"score", report.fit.best_score},
                          {"epoch", report.fit.best_epoch}},
                         group.get());
  return report;
}

TestReport evaluate_checkpoint(const Config& config, const std::string& checkpoint,
                               const std::string& output_dir) {
  configure_threads(config.run.threads);
  if (is_baseline(config.model)) {
    // A baseline run has no checkpoints: its model is the run folder's baseline files.
    const std::string model_dir =
        fs::is_directory(checkpoint) ? checkpoint : fs::path(checkpoint).parent_path().string();
    const BaselineModel model = BaselineModel::load(model_dir);
    const std::unique_ptr<Task> task = make_task(config);
    fs::create_directories(output_dir);
    return run_baseline_test(config, *task, model, model_dir, output_dir);
  }
  const torch::Device device = resolve_device(config.run.device);
  const std::unique_ptr<Task> task = make_task(config);
  NarFormerModel model(model_options(config, *task));
  fs::create_directories(output_dir);
  return run_test(config, *task, model, checkpoint, device, output_dir);
}

TestReport evaluate_run(const std::string& run_dir, const std::string& checkpoint,
                        const std::vector<std::string>& overrides) {
  const RunFolder run(run_dir);
  run.require_run();
  const Config config = load_config(run.config(), overrides);
  return evaluate_checkpoint(config, run.checkpoint(checkpoint), run_dir);
}

}  // namespace narformer
