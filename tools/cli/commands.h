#pragma once
// Each subcommand registers itself on the app; main() only dispatches and turns errors into
// one line and a non-zero exit.

#include <CLI/CLI.hpp>

#include "narformer/config/choices.h"

namespace narformer::cli {

void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_predict_command(CLI::App& app);
void add_embed_command(CLI::App& app);
void add_inspect_command(CLI::App& app);
void add_export_command(CLI::App& app);
void add_search_command(CLI::App& app);      ///< built with the LibTorch-free library only
void add_pretrained_command(CLI::App& app);  ///< built with the LibTorch-free library only

/// Thrown to end the process with `code` after the command already reported why (e.g.
/// predict printed one error line per unreadable input).
struct ExitCode {
  int code;
};

/// Thrown by a command of the torch-free `narformer` that needs LibTorch for these arguments
/// (CUDA, a run without a weight file): main() then runs `narformer-torch` with the same
/// command line.
struct DelegateToFullCli {};

/// Sets the log level of the default (stderr) logger: debug | info | warn.
void set_log_level(LogLevel level);

}  // namespace narformer::cli
