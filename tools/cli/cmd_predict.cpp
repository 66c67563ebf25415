// narformer predict --run RUN_DIR MODEL.onnx [MORE.onnx ...] [--batch N] [--platform ID] [--json]
// narformer predict --run RUN_DIR --arch ARCH [--arch ARCH ...]        (NAS-Bench cell runs)
// With no files and no --arch, reads one path (or arch) per line from stdin.
//
// Two builds of this file: in the torch-free `narformer` it predicts with LitePredictor when
// the run has its weight file and the device is the CPU, and otherwise hands the whole
// command line to `narformer-torch` (DelegateToFullCli); in `narformer-torch` it uses the
// LibTorch Predictor.
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "commands.h"
#include "narformer/core/error.h"
#include "narformer/core/progress.h"
#ifdef NARFORMER_CLI_LITE
#include "narformer/lite/lite_predictor.h"
#else
#include "narformer/predict/predictor.h"
#endif

namespace narformer::cli {

namespace {

struct PredictArguments {
  std::string run_dir;
  std::vector<std::string> inputs;
  std::vector<std::string> archs;
  std::string checkpoint = "best";
  std::string platform;
  std::string device = "cpu";
  int64_t batch = 1;
  int threads = 0;
  bool json = false;
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
  if (inputs.empty()) throw ConfigError(cells ? "no architectures: give --arch ARCH or pipe them on stdin"
                                              : "no ONNX files: give paths or pipe them on stdin");
  return inputs;
}

template <typename AnyPredictor>
void predict_with(const AnyPredictor& predictor, const PredictArguments& args, const Stopwatch& clock) {
  const bool cells = !predictor.takes_onnx();
  if (cells && !args.inputs.empty()) throw ConfigError("this run predicts NAS-Bench cells: pass them with --arch");
  if (!cells && !args.archs.empty()) throw ConfigError("this run predicts ONNX graphs: pass file paths, not --arch");
  const double load_seconds = clock.seconds();
  const std::vector<std::string> inputs = collect_inputs(args, cells);

  // Tokenize everything first (a bad file is reported and skipped), then predict in batches.
  Stopwatch work;
  std::vector<TokenPtr> tokens;
  std::vector<std::string> names;
  int failures = 0;
  for (const auto& input : inputs) {
    try {
      tokens.push_back(cells ? predictor.tokenize_cell(input) : predictor.tokenize_onnx(input, args.batch));
      names.push_back(input);
    } catch (const DataError& e) {
      std::fprintf(stderr, "error: %s\n", e.what());
      ++failures;
    }
  }
  const std::vector<double> values = tokens.empty() ? std::vector<double>{} : predictor.predict(tokens, args.platform);
  const double seconds = work.seconds();

  const char* unit = cells ? "accuracy" : "latency_ms";
  if (args.json) {
    nlohmann::json items = nlohmann::json::array();
    for (size_t i = 0; i < values.size(); ++i) items.push_back({{cells ? "arch" : "file", names[i]}, {unit, values[i]}});
    const nlohmann::json out = {{"predictions", items},          {"failures", failures},
                                {"load_seconds", load_seconds}, {"predict_seconds", seconds},
                                {"items_per_second", seconds > 0 ? static_cast<double>(values.size()) / seconds : 0.0}};
    std::printf("%s\n", out.dump().c_str());
  } else {
    for (size_t i = 0; i < values.size(); ++i) std::printf("%s\t%.6g\n", names[i].c_str(), values[i]);
  }
  spdlog::info("{} predictions in {:.3f} s ({:.0f} per second; model loaded in {:.3f} s){}", values.size(), seconds,
               seconds > 0 ? static_cast<double>(values.size()) / seconds : 0.0, load_seconds,
               failures ? ", " + std::to_string(failures) + " failed" : "");
  if (failures) throw ExitCode{1};  // each failure already has its error line
}

void run_predict(const PredictArguments& args) {
  Stopwatch clock;
#ifdef NARFORMER_CLI_LITE
  if (args.device != "cpu" || !LitePredictor::available(args.run_dir, args.checkpoint)) throw DelegateToFullCli{};
  LitePredictor::set_threads(args.threads);
  predict_with(LitePredictor(args.run_dir, args.checkpoint), args, clock);
#else
  PredictorOptions options;
  options.checkpoint = args.checkpoint;
  options.device = args.device;
  options.threads = args.threads;
  predict_with(Predictor(args.run_dir, options), args, clock);
#endif
}

}  // namespace

void add_predict_command(CLI::App& app) {
  auto args = std::make_shared<PredictArguments>();
  CLI::App* cmd = app.add_subcommand("predict", "predict latency (ONNX files) or accuracy (cells) with a trained run");
  cmd->add_option("--run", args->run_dir, "run folder written by `narformer train`")->required();
  cmd->add_option("inputs", args->inputs, "ONNX files (none or '-': read paths from stdin)");
  cmd->add_option("--arch", args->archs, "a NAS-Bench cell (NB201 arch string, NB101 \"ADJACENCY OPS\"); repeatable");
  cmd->add_option("--checkpoint", args->checkpoint, "best | last | path of a .pt file")->capture_default_str();
  cmd->add_option("--platform", args->platform, "platform id of the head to use (multi-platform runs)");
  cmd->add_option("--batch", args->batch, "batch size written into the ONNX graphs")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("--device", args->device, "cpu | cuda | auto")->capture_default_str();
  cmd->add_option("--threads", args->threads, "threads (0 = all cores)");
  cmd->add_flag("--json", args->json, "print one JSON object with every prediction and the timings");
  cmd->callback([args] { run_predict(*args); });
}

}  // namespace narformer::cli
