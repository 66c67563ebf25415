#pragma once
// Each subcommand registers itself on the app; main() only dispatches and turns errors into
// one line and a non-zero exit.

#include <CLI/CLI.hpp>

namespace narformer::cli {

void add_train_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_inspect_command(CLI::App& app);

/// Sets the log level of the default (stderr) logger: debug | info | warn.
void set_log_level(const std::string& level);

}  // namespace narformer::cli
