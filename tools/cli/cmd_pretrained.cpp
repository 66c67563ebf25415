// narformer pretrained list [--json]          the shipped predictors (runtime/pretrained.h)
// narformer pretrained show NAME              one predictor's pretrained.json
// narformer pretrained pack --run RUN --name NAME [--out DIR] [--summary TEXT]
//                           [--description TEXT] [--metrics FILE.json] [--version N] [--overwrite]
//                                             a trained run packed as a predictor
// Then `narformer predict --pretrained NAME ...` predicts with it. No LibTorch.
#include <cstdio>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "narformer/runtime/pretrained.h"
#include "narformer/torch_free/pretrained_pack.h"

namespace narformer::cli {

namespace {

std::string size_text(int64_t bytes) {
  char text[32];
  if (bytes < 1'000'000)
    std::snprintf(text, sizeof(text), "%.0f kB", static_cast<double>(bytes) / 1e3);
  else
    std::snprintf(text, sizeof(text), "%.1f MB", static_cast<double>(bytes) / 1e6);
  return text;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out.empty() ? "-" : out;
}

void list(bool json) {
  const std::vector<PretrainedInfo> all = list_pretrained();
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const PretrainedInfo& info : all) {
      nlohmann::json item = nlohmann::json::parse(info.manifest_json);
      item["dir"] = info.dir;
      item["size_bytes"] = info.size_bytes;
      out.push_back(item);
    }
    std::printf("%s\n", out.dump().c_str());
    return;
  }
  if (all.empty()) {
    std::printf("no pretrained predictors found (searched: %s)\n",
                joined(pretrained_roots()).c_str());
    return;
  }
  std::printf("%-16s %3s  %-8s %-6s %-8s %8s  %s\n", "name", "v", "task", "input", "weights",
              "size", "platforms");
  for (const PretrainedInfo& info : all) {
    std::printf("%-16s %3lld  %-8s %-6s %-8s %8s  %s\n", info.name.c_str(),
                static_cast<long long>(info.version), info.task.c_str(), info.input.c_str(),
                info.weights.c_str(), size_text(info.size_bytes).c_str(),
                joined(info.platforms).c_str());
    if (!info.metrics.empty()) std::printf("%19s%s\n", "", info.metrics.c_str());
    if (!info.description.empty()) std::printf("%19s%s\n", "", info.description.c_str());
  }
}

}  // namespace

void add_pretrained_command(CLI::App& app) {
  CLI::App* cmd =
      app.add_subcommand("pretrained", "list, show or pack the shipped pretrained predictors");
  cmd->require_subcommand(1);

  auto json = std::make_shared<bool>(false);
  CLI::App* list_cmd = cmd->add_subcommand("list", "the predictors `predict --pretrained` knows");
  list_cmd->add_flag("--json", *json, "print them as one JSON array (their pretrained.json)");
  list_cmd->callback([json] { list(*json); });

  auto name = std::make_shared<std::string>();
  CLI::App* show_cmd = cmd->add_subcommand("show", "print one predictor's pretrained.json");
  show_cmd->add_option("name", *name, "predictor name")->required();
  show_cmd->callback([name] {
    const PretrainedInfo info = read_pretrained_info(find_pretrained(*name));
    std::printf("%s\n", nlohmann::json::parse(info.manifest_json).dump(1).c_str());
  });

  struct PackArguments {
    std::string run_dir, out;
    PackOptions options;
  };
  auto pack = std::make_shared<PackArguments>();
  CLI::App* pack_cmd = cmd->add_subcommand("pack", "pack a trained run as a pretrained predictor");
  pack_cmd->add_option("--run", pack->run_dir, "run folder written by `narformer train`")
      ->required();
  pack_cmd->add_option("--name", pack->options.name, "the predictor's name")->required();
  pack_cmd->add_option("--out", pack->out, "folder to write (default: pretrained/NAME)");
  pack_cmd->add_option("--summary", pack->options.metrics_summary,
                       "one line: the figure to quote and its protocol");
  pack_cmd->add_option("--description", pack->options.description, "one paragraph");
  pack_cmd->add_option("--metrics", pack->options.metrics_file,
                       "JSON file of out-of-sample figures copied into the manifest");
  pack_cmd->add_option("--version", pack->options.version,
                       "the predictor's version (default: one more than the folder it replaces)");
  pack_cmd->add_flag("--overwrite", pack->options.overwrite, "replace an existing predictor");
  pack_cmd->callback([pack] {
    const std::string out = pack->out.empty() ? "pretrained/" + pack->options.name : pack->out;
    const PretrainedInfo info = pack_pretrained(pack->run_dir, out, pack->options);
    spdlog::info("packed {} (version {}, {} weights, {}) into {}", info.name, info.version,
                 info.weights, size_text(info.size_bytes), info.dir);
  });
}

}  // namespace narformer::cli
