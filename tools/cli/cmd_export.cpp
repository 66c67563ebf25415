// narformer export --run RUN_DIR [--checkpoint best|last|all|PATH.pt]
// Writes the weight file(s) beside the checkpoint(s) (best.pt -> best.weights) that the
// torch-free `narformer predict` reads. Training writes them itself; this is for runs trained
// before weight files existed.
#include <filesystem>

#include <spdlog/spdlog.h>

#include "commands.h"
#include "narformer/core/error.h"
#include "narformer/predict/run_inputs.h"
#include "narformer/runtime/checkpoint.h"

namespace narformer::cli {

namespace {

struct ExportArguments {
  std::string run_dir;
  std::string checkpoint = "all";
};

void run_export(const ExportArguments& args) {
  const RunInputs inputs(args.run_dir);
  std::vector<std::string> checkpoints;
  if (args.checkpoint == "all") {
    for (const char* name : {"best", "last"})
      if (std::filesystem::exists(inputs.checkpoint_path(name)))
        checkpoints.push_back(inputs.checkpoint_path(name));
    if (checkpoints.empty())
      throw RunError(with_file(args.run_dir, "no best.pt or last.pt to export"));
  } else {
    checkpoints.push_back(inputs.checkpoint_path(args.checkpoint));
  }
  for (const std::string& checkpoint : checkpoints) {
    NarFormerModel model(inputs.model_options());
    spdlog::info("wrote {}", export_checkpoint_weights(checkpoint, model));
  }
}

}  // namespace

void add_export_command(CLI::App& app) {
  auto args = std::make_shared<ExportArguments>();
  CLI::App* cmd = app.add_subcommand(
      "export", "write a run's weight files for the fast, LibTorch-free predict");
  cmd->add_option("--run", args->run_dir, "run folder written by `narformer train`")->required();
  cmd->add_option("--checkpoint", args->checkpoint, "best | last | all | path of a .pt file")
      ->capture_default_str();
  cmd->callback([args] { run_export(*args); });
}

}  // namespace narformer::cli
