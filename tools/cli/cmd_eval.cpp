// narformer eval --run RUN_DIR [--checkpoint best|last|PATH] [--json]
// narformer eval --checkpoint PATH CONFIG [--json]
#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "narformer/config/config.h"
#include "narformer/core/error.h"
#include "narformer/train/experiment.h"

namespace narformer::cli {

namespace {

struct EvalArguments {
  std::string run_dir;
  std::string checkpoint = "best";
  std::string config;
  std::string output_dir;
  std::vector<std::string> overrides;
  bool json = false;
};

void run_eval(const EvalArguments& args) {
  TestReport report;
  if (!args.run_dir.empty()) {
    if (!args.config.empty())
      throw ConfigError("give either --run RUN_DIR or --checkpoint PATH CONFIG, not both");
    report = evaluate_run(args.run_dir, args.checkpoint, args.overrides);
  } else {
    if (args.config.empty())
      throw ConfigError("eval needs --run RUN_DIR, or --checkpoint PATH and a CONFIG");
    if (args.checkpoint == "best" || args.checkpoint == "last")
      throw ConfigError("with a CONFIG, --checkpoint must be the path of a .pt file");
    const Config config = load_config(args.config, args.overrides);
    set_log_level(config.run.log_level);
    const std::string out = args.output_dir.empty()
                                ? std::filesystem::path(args.checkpoint).parent_path().string()
                                : args.output_dir;
    report = evaluate_checkpoint(config, args.checkpoint, out.empty() ? "." : out);
  }
  const MetricSummary& m = report.metrics;
  std::printf("checkpoint:   %s\n", report.checkpoint.c_str());
  std::printf("predictions:  %s\n", report.predictions_file.c_str());
  std::printf(
      "test:         n %lld  kendall tau %.4f  mape %.3f%%  rmspe %.3f%%  acc@1/5/10%% %.4f %.4f "
      "%.4f\n",
      static_cast<long long>(m.n), m.kendall_tau, 100 * m.mape, 100 * m.rmspe, m.acc_1, m.acc_5,
      m.acc_10);
  for (const auto& [family, g] : report.groups)
    std::printf("  %-14s n %5lld  mape %7.3f%%  rmspe %7.3f%%  acc@10%% %.4f  tau %.4f\n",
                family.c_str(), static_cast<long long>(g.n), 100 * g.mape, 100 * g.rmspe, g.acc_10,
                g.kendall_tau);
  if (args.json) {
    auto to_json = [](const MetricSummary& s) {
      return nlohmann::json{{"kendall_tau", s.kendall_tau},
                            {"n", s.n},
                            {"mape", s.mape},
                            {"rmspe", s.rmspe},
                            {"acc_1", s.acc_1},
                            {"acc_5", s.acc_5},
                            {"acc_10", s.acc_10}};
    };
    nlohmann::json out = to_json(m);
    out["checkpoint"] = report.checkpoint;
    if (!report.groups.empty()) {
      nlohmann::json per_family = nlohmann::json::object();
      for (const auto& [family, g] : report.groups) per_family[family] = to_json(g);
      out["per_family"] = per_family;
    }
    std::printf("%s\n", out.dump().c_str());
  }
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto args = std::make_shared<EvalArguments>();
  CLI::App* cmd =
      app.add_subcommand("eval", "evaluate a checkpoint on the test split; writes predictions.csv");
  cmd->add_option("--run", args->run_dir, "run folder written by `narformer train`");
  cmd->add_option("--checkpoint", args->checkpoint, "best | last | path of a .pt file")
      ->capture_default_str();
  cmd->add_option("config", args->config, "YAML config (with --checkpoint PATH instead of --run)");
  cmd->add_option("--out", args->output_dir,
                  "folder for predictions.csv (default: the checkpoint's folder)");
  cmd->add_option("--set", args->overrides,
                  "override a config key, e.g. --set eval.batch_size=256");
  cmd->add_flag("--json", args->json,
                "print the metrics as one JSON object on the last line of stdout");
  cmd->callback([args] { run_eval(*args); });
}

}  // namespace narformer::cli
