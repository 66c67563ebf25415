// narformer predict --run RUN_DIR MODEL.onnx [MORE.onnx ...] [--batch N] [--platform ID] [--json]
// narformer predict --pretrained NAME MODEL.onnx     (a shipped predictor: `pretrained list`)
// narformer predict --run RUN_DIR --arch ARCH [--arch ARCH ...]        (NAS-Bench cell runs)
// narformer predict --run RUN_DIR MODEL.onnx --per-node   (cost readout: the latency per node)
// narformer predict --run RUN_A --run RUN_B MODEL.onnx     (an ensemble: the runs' predictions
//                                                            averaged, geometrically for latency)
// With no files and no --arch, reads one path (or arch) per line from stdin.
//
// Two builds of this file: in the torch-free `narformer` it predicts with LitePredictor when
// the run has its weight file and the device is the CPU, and otherwise hands the whole
// command line to `narformer-torch` (DelegateToFullCli); in `narformer-torch` it uses the
// LibTorch Predictor.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "narformer/core/error.h"
#include "narformer/core/progress.h"
#include "narformer/runtime/pretrained.h"
#ifdef NARFORMER_CLI_LITE
#include "narformer/predict/baseline_predictor.h"
#include "narformer/torch_free/lite_predictor.h"
#include "narformer/torch_free/run_predictor.h"
#else
#include "narformer/predict/predictor.h"
#endif

namespace narformer::cli {

namespace {

struct PredictArguments {
  std::vector<std::string> run_dirs;
  std::vector<std::string> pretrained;  ///< names, resolved into run_dirs
  std::vector<std::string> inputs;
  std::vector<std::string> archs;
  std::string checkpoint = "best";
  std::string platform;
  std::string device = "cpu";
  int64_t batch = 1;
  int threads = 0;
  bool json = false;
  bool per_node = false;
};

/// The inputs: arguments, or stdin lines when there are none.
std::vector<std::string> collect_inputs(const PredictArguments& args, bool cells) {
  std::vector<std::string> inputs = cells ? args.archs : args.inputs;
  if (inputs.empty() || (inputs.size() == 1 && inputs[0] == "-")) {
    inputs.clear();
    for (std::string line; std::getline(std::cin, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") != std::string::npos) inputs.push_back(line);
    }
  }
  if (inputs.empty())
    throw ConfigError(cells ? "no architectures: give --arch ARCH or pipe them on stdin"
                            : "no ONNX files: give paths or pipe them on stdin");
  return inputs;
}

/// What predict needs of a run, whichever predictor serves it (a model or a baseline).
struct RunPredictor {
  virtual ~RunPredictor() = default;
  virtual bool takes_onnx() const = 0;
  virtual bool predicts_latency() const = 0;
  virtual TokenPtr tokenize_onnx(const std::string& path, int64_t batch_size) const = 0;
  virtual TokenPtr tokenize_cell(const std::string& arch) const = 0;
  virtual std::vector<double> predict(const std::vector<TokenPtr>& tokens,
                                      const std::string& platform) const = 0;
};

template <typename Implementation>
struct RunPredictorOf : RunPredictor {
  template <typename... Args>
  explicit RunPredictorOf(Args&&... args) : impl(std::forward<Args>(args)...) {}
  bool takes_onnx() const override { return impl.takes_onnx(); }
  bool predicts_latency() const override { return impl.predicts_latency(); }
  TokenPtr tokenize_onnx(const std::string& path, int64_t batch_size) const override {
    return impl.tokenize_onnx(path, batch_size);
  }
  TokenPtr tokenize_cell(const std::string& arch) const override {
    return impl.tokenize_cell(arch);
  }
  std::vector<double> predict(const std::vector<TokenPtr>& tokens,
                              const std::string& platform) const override {
    return impl.predict(tokens, platform);
  }
  Implementation impl;
};

/// One predictor per --run; several make an ensemble of runs of the same kind.
void predict_with(const std::vector<std::unique_ptr<RunPredictor>>& predictors,
                  const PredictArguments& args, const Stopwatch& clock) {
  const bool cells = !predictors.front()->takes_onnx();
  const bool latency = predictors.front()->predicts_latency();
  for (size_t r = 1; r < predictors.size(); ++r)
    if (predictors[r]->takes_onnx() == cells || predictors[r]->predicts_latency() != latency)
      throw ConfigError(args.run_dirs[r] + " and " + args.run_dirs[0] +
                        " predict different things: an ensemble needs runs of one kind");
  if (cells && !args.inputs.empty())
    throw ConfigError("this run predicts NAS-Bench cells: pass them with --arch");
  if (!cells && !args.archs.empty())
    throw ConfigError("this run predicts ONNX graphs: pass file paths, not --arch");
  const double load_seconds = clock.seconds();
  const std::vector<std::string> inputs = collect_inputs(args, cells);

  // Tokenize everything first (a bad file is reported and skipped), then predict in batches.
  // Each run tokenizes with its own settings.
  Stopwatch work;
  std::vector<std::vector<TokenPtr>> tokens(predictors.size());
  std::vector<std::string> names;
  int failures = 0;
  for (const auto& input : inputs) {
    try {
      std::vector<TokenPtr> per_run;
      for (const auto& predictor : predictors)
        per_run.push_back(cells ? predictor->tokenize_cell(input)
                                : predictor->tokenize_onnx(input, args.batch));
      for (size_t r = 0; r < predictors.size(); ++r) tokens[r].push_back(per_run[r]);
      names.push_back(input);
    } catch (const DataError& e) {
      std::fprintf(stderr, "error: %s\n", e.what());
      ++failures;
    }
  }
  // Latency: the geometric mean (errors are relative); accuracy: the arithmetic mean.
  std::vector<double> values(names.size(), latency ? 1.0 : 0.0);
  for (size_t r = 0; r < predictors.size() && !names.empty(); ++r) {
    const std::vector<double> run_values = predictors[r]->predict(tokens[r], args.platform);
    const double share = 1.0 / static_cast<double>(predictors.size());
    for (size_t i = 0; i < values.size(); ++i)
      values[i] =
          latency ? values[i] * std::pow(run_values[i], share) : values[i] + share * run_values[i];
  }
  const double seconds = work.seconds();

  const char* unit = latency ? "latency_ms" : "accuracy";
  if (args.json) {
    nlohmann::json items = nlohmann::json::array();
    for (size_t i = 0; i < values.size(); ++i)
      items.push_back({{cells ? "arch" : "file", names[i]}, {unit, values[i]}});
    const nlohmann::json out = {
        {"predictions", items},
        {"failures", failures},
        {"load_seconds", load_seconds},
        {"predict_seconds", seconds},
        {"items_per_second", seconds > 0 ? static_cast<double>(values.size()) / seconds : 0.0}};
    std::printf("%s\n", out.dump().c_str());
  } else {
    for (size_t i = 0; i < values.size(); ++i)
      std::printf("%s\t%.6g\n", names[i].c_str(), values[i]);
  }
  spdlog::info("{} predictions in {:.3f} s ({:.0f} per second; model loaded in {:.3f} s){}",
               values.size(), seconds,
               seconds > 0 ? static_cast<double>(values.size()) / seconds : 0.0, load_seconds,
               failures ? ", " + std::to_string(failures) + " failed" : "");
  if (failures) throw ExitCode{1};  // each failure already has its error line
}

#ifdef NARFORMER_CLI_LITE
/// --per-node: each file's prediction split over its nodes, with the linear cost model's share.
void explain_with(const LitePredictor& predictor, const PredictArguments& args) {
  if (!predictor.takes_onnx())
    throw ConfigError("--per-node explains ONNX latency predictions; this run predicts cells");
  nlohmann::json files = nlohmann::json::array();
  int failures = 0;
  for (const auto& path : collect_inputs(args, false)) {
    LatencyBreakdown b;
    try {
      b = predictor.explain_onnx(path, args.batch, args.platform);
    } catch (const DataError& e) {
      std::fprintf(stderr, "error: %s\n", e.what());
      ++failures;
      continue;
    }
    std::map<std::string, double> per_op;
    for (const auto& node : b.nodes) per_op[node.op_type] += node.latency.latency_ms;
    std::vector<std::pair<std::string, double>> ops(per_op.begin(), per_op.end());
    std::sort(ops.begin(), ops.end(),
              [](const auto& x, const auto& y) { return x.second > y.second; });
    if (args.json) {
      nlohmann::json nodes = nlohmann::json::array(), by_op = nlohmann::json::object();
      for (const auto& node : b.nodes)
        nodes.push_back({{"name", node.name},
                         {"op", node.op_type},
                         {"latency_ms", node.latency.latency_ms},
                         {"prior_ms", node.latency.prior_ms}});
      for (const auto& [op, ms] : ops) by_op[op] = ms;
      files.push_back({{"file", path},
                       {"latency_ms", b.latency_ms},
                       {"prior_ms", b.prior_ms},
                       {"by_operator", by_op},
                       {"nodes", nodes}});
      continue;
    }
    const double share = b.latency_ms > 0 ? 100 / b.latency_ms : 0;
    std::printf("%s\t%.6g ms (linear cost model alone: %.6g ms)\n", path.c_str(), b.latency_ms,
                b.prior_ms);
    std::printf("%12s %6s %12s  %-20s %s\n", "ms", "%", "prior ms", "op", "node");
    for (const auto& node : b.nodes)
      std::printf("%12.6f %6.2f %12.6f  %-20s %s\n", node.latency.latency_ms,
                  node.latency.latency_ms * share, node.latency.prior_ms, node.op_type.c_str(),
                  node.name.c_str());
    std::printf("by operator:");
    for (size_t i = 0; i < ops.size(); ++i)
      std::printf("%s %s %.4g ms (%.1f %%)", i ? "," : "", ops[i].first.c_str(), ops[i].second,
                  ops[i].second * share);
    std::printf("\n");
  }
  if (args.json)
    std::printf("%s\n", nlohmann::json{{"files", files}, {"failures", failures}}.dump().c_str());
  if (failures) throw ExitCode{1};
}
#endif

void run_predict(PredictArguments args) {
  Stopwatch clock;
  for (const std::string& name : args.pretrained) args.run_dirs.push_back(find_pretrained(name));
  if (args.run_dirs.empty())
    throw ConfigError(
        "predict needs a predictor: --run RUN_DIR or --pretrained NAME "
        "(`narformer pretrained list` shows the shipped ones)");
  if (args.per_node && args.run_dirs.size() > 1)
    throw ConfigError("--per-node explains one run's prediction: give one --run");
  std::vector<std::unique_ptr<RunPredictor>> predictors;
#ifdef NARFORMER_CLI_LITE
  if (args.device != "cpu") throw DelegateToFullCli{};
  LitePredictor::set_threads(args.threads);
  for (const auto& run : args.run_dirs) {
    const bool baseline = BaselinePredictor::is_baseline_run(run);
    if (args.per_node && baseline)
      throw ConfigError("--per-node explains a cost-readout model's latency; " + run +
                        " is a baseline run");
    if (!baseline && !LitePredictor::available(run, args.checkpoint)) throw DelegateToFullCli{};
    if (args.per_node) return explain_with(LitePredictor(run, args.checkpoint), args);
    try {
      predictors.push_back(
          std::make_unique<RunPredictorOf<TorchFreePredictor>>(run, args.checkpoint));
    } catch (const ConfigError&) {
      throw DelegateToFullCli{};  // a rescale of a narformer run: LibTorch's Predictor serves it
    }
  }
#else
  if (args.per_node)
    throw ConfigError(
        "--per-node runs on the CPU from the run's weight file: write it with `narformer export "
        "--run " +
        args.run_dirs.front() + "` and leave --device at cpu");
  PredictorOptions options;
  options.checkpoint = args.checkpoint;
  options.device = args.device;
  options.threads = args.threads;
  for (const auto& run : args.run_dirs)
    predictors.push_back(std::make_unique<RunPredictorOf<Predictor>>(run, options));
#endif
  predict_with(predictors, args, clock);
}

}  // namespace

void add_predict_command(CLI::App& app) {
  auto args = std::make_shared<PredictArguments>();
  CLI::App* cmd = app.add_subcommand(
      "predict", "predict latency (ONNX files) or accuracy (cells) with a trained run");
  cmd->add_option("--run", args->run_dirs,
                  "run folder written by `narformer train`; repeat it for an ensemble of runs "
                  "(their predictions "
                  "averaged: geometrically for latency, arithmetically for accuracy)")
      ->allow_extra_args(false);  // one folder per --run; what follows is an input
  cmd->add_option("--pretrained", args->pretrained,
                  "a shipped predictor by name (`narformer pretrained list`); repeatable, and "
                  "may join --run runs in an ensemble")
      ->allow_extra_args(false);
  cmd->add_option("inputs", args->inputs, "ONNX files (none or '-': read paths from stdin)");
  cmd->add_option("--arch", args->archs,
                  "a NAS-Bench cell (NB201 arch string, NB101 \"ADJACENCY OPS\"); repeatable");
  cmd->add_option("--checkpoint", args->checkpoint, "best | last | path of a .pt file")
      ->capture_default_str();
  cmd->add_option("--platform", args->platform,
                  "the head to use: a platform id (latency runs) or a label column (cell runs "
                  "trained with data.labels, e.g. a HELP device); default: the first");
  cmd->add_option("--batch", args->batch, "batch size written into the ONNX graphs")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--device", args->device, "cpu | cuda | auto")->capture_default_str();
  cmd->add_option("--threads", args->threads, "threads (0 = all cores)");
  cmd->add_flag("--json", args->json,
                "print one JSON object with every prediction and the timings");
  cmd->add_flag(
      "--per-node", args->per_node,
      "split each ONNX file's latency over its nodes, beside the linear cost model's share "
      "(runs trained with model.readout: cost)");
  cmd->callback([args] { run_predict(*args); });
}

}  // namespace narformer::cli
