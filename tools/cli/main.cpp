// narformer: learn representations of neural networks and predict their accuracy and latency.
//
// Two executables from this file. `narformer-torch` has every command. `narformer`
// (NARFORMER_CLI_LITE) links no LibTorch, whose loading alone costs ~0.4 s: it runs `predict`,
// `inspect` and `search` itself and replaces itself (exec) with `narformer-torch` from its own
// folder for everything else, and for a predict that needs LibTorch. Users only ever call
// `narformer`.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <string>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "commands.h"
#include "narformer/core/allocator.h"
#include "narformer/core/error.h"
#include "narformer/runtime/pretrained.h"

namespace narformer::cli {

void set_log_level(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      spdlog::set_level(spdlog::level::debug);
      break;
    case LogLevel::kInfo:
      spdlog::set_level(spdlog::level::info);
      break;
    case LogLevel::kWarn:
      spdlog::set_level(spdlog::level::warn);
      break;
  }
}

}  // namespace narformer::cli

namespace {

/// The first line of a message: errors are one line on stderr.
std::string first_line(const std::string& text) {
  const auto newline = text.find('\n');
  return newline == std::string::npos ? text : text.substr(0, newline);
}

#ifdef NARFORMER_CLI_LITE
/// Replaces this process with narformer-torch (same folder as this executable), same arguments.
int run_full_cli(char** argv) {
  std::error_code error;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  const std::string full =
      (error ? std::filesystem::path(argv[0]) : self).parent_path() / "narformer-torch";
  std::fflush(nullptr);
  execv(full.c_str(), argv);
  std::fprintf(stderr, "error: %s: cannot run it (%s); it is built and installed with narformer\n",
               full.c_str(), std::strerror(errno));
  return 2;
}
#endif

}  // namespace

int main(int argc, char** argv) {
#ifdef NARFORMER_CLI_LITE
  const std::string command = argc > 1 ? argv[1] : "";
  if (command != "predict" && command != "inspect" && command != "search" &&
      command != "pretrained" && command != "--version")
    return run_full_cli(argv);
#endif
  narformer::keep_freed_memory();  // tensors reuse freed memory instead of fresh zeroed pages
  // Logs and progress go to stderr, so stdout carries only results (and --json output).
  auto logger = spdlog::stderr_color_mt("narformer");
  logger->set_pattern("[%H:%M:%S] %^%l%$ %v");
  spdlog::set_default_logger(logger);

  CLI::App app{"narformer: predict the accuracy and latency of neural networks from their graphs"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "narformer " + narformer::narformer_version());
#ifndef NARFORMER_CLI_LITE
  narformer::cli::add_train_command(app);
  narformer::cli::add_eval_command(app);
#endif
  narformer::cli::add_predict_command(app);
#ifndef NARFORMER_CLI_LITE
  narformer::cli::add_embed_command(app);
  narformer::cli::add_export_command(app);
#endif
  narformer::cli::add_inspect_command(app);
#ifdef NARFORMER_WITH_LITE
  narformer::cli::add_search_command(app);
  narformer::cli::add_pretrained_command(app);
#endif

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const narformer::cli::ExitCode& e) {
    return e.code;
#ifdef NARFORMER_CLI_LITE
  } catch (const narformer::cli::DelegateToFullCli&) {
    return run_full_cli(argv);
#endif
  } catch (const narformer::Error& e) {
    std::fprintf(stderr, "error: %s\n", first_line(e.what()).c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", first_line(e.what()).c_str());
    return 2;
  }
  return 0;
}
