// narformer: learn representations of neural networks and predict their accuracy and latency.
#include <cstdio>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "commands.h"
#include "narformer/core/allocator.h"
#include "narformer/core/error.h"

namespace narformer::cli {

void set_log_level(const std::string& level) {
  if (level == "debug") spdlog::set_level(spdlog::level::debug);
  else if (level == "warn") spdlog::set_level(spdlog::level::warn);
  else spdlog::set_level(spdlog::level::info);
}

}  // namespace narformer::cli

namespace {

/// The first line of a message: errors are one line on stderr.
std::string first_line(const std::string& text) {
  const auto newline = text.find('\n');
  return newline == std::string::npos ? text : text.substr(0, newline);
}

}  // namespace

int main(int argc, char** argv) {
  narformer::keep_freed_memory();  // tensors reuse freed memory instead of fresh zeroed pages
  // Logs and progress go to stderr, so stdout carries only results (and --json output).
  auto logger = spdlog::stderr_color_mt("narformer");
  logger->set_pattern("[%H:%M:%S] %^%l%$ %v");
  spdlog::set_default_logger(logger);

  CLI::App app{"narformer: predict the accuracy and latency of neural networks from their graphs"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("narformer 0.1.0"));
  narformer::cli::add_train_command(app);
  narformer::cli::add_eval_command(app);
  narformer::cli::add_predict_command(app);
  narformer::cli::add_embed_command(app);
  narformer::cli::add_inspect_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const narformer::cli::ExitCode& e) {
    return e.code;
  } catch (const narformer::Error& e) {
    std::fprintf(stderr, "error: %s\n", first_line(e.what()).c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", first_line(e.what()).c_str());
    return 2;
  }
  return 0;
}
