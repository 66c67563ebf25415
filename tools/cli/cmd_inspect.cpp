// narformer inspect MODEL.onnx [MORE.onnx ...] [--batch N] [--compat corrected|reference] [--json]
//                              [--tokens OUT.npy|OUT.csv] [--embed trans|nerf] [--dp N]
//
// What narformer reads from an ONNX file: operator and node counts, op histogram, edges,
// FLOPs / parameters / memory, unknown operators, missing shapes; optionally the token matrix.
// Several files are inspected in one process (loading LibTorch costs far more than a file):
// --json then prints one JSON object per file and line; a file that cannot be read gets its
// error line (and {"file", "error"} with --json), the others are still inspected, exit 1.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "narformer/core/atomic_file.h"
#include "narformer/core/error.h"
#include "narformer/core/npy.h"
#include "narformer/tokenize/onnx_inspection.h"

namespace narformer::cli {

namespace {

struct InspectArguments {
  std::vector<std::string> models;
  int64_t batch = 1;
  std::string compat = "corrected";
  std::string embed = "trans";
  int dp = 0;
  std::string tokens;
  bool json = false;
  std::string log_level = "info";
};

/// One row per node: name, op type, then the features (9 significant digits: float32 exact).
std::string csv(const TokenSequence& t, const Graph& g) {
  std::ostringstream out;
  out << "node,op_type";
  for (int c = 0; c < t.feature_dim; ++c) out << ",f" << c;
  out << '\n';
  char buffer[32];
  for (int i = 0; i < t.num_nodes; ++i) {
    out << g.node(i).name << ',' << g.node(i).op_type;
    for (int c = 0; c < t.feature_dim; ++c) {
      std::snprintf(buffer, sizeof(buffer), ",%.9g", static_cast<double>(t.at(i, c)));
      out << buffer;
    }
    out << '\n';
  }
  return out.str();
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void inspect_one(const InspectArguments& args, const std::string& path) {
  OnnxTokenizerOptions token_options;
  token_options.embed = parse_embed_type(args.embed, "--embed");
  token_options.position_frequencies = args.dp;
  token_options.compat = parse_onnx_compat(args.compat);
  const OnnxInspection seen = inspect_onnx(path, token_options, args.batch);
  const Graph& graph = seen.graph;
  const TokenSequence& tokens = seen.tokens;

  if (!args.tokens.empty())
    write_file_atomic(args.tokens, ends_with(args.tokens, ".npy")
                                       ? npy_float32(tokens.features.data(),
                                                     {tokens.num_nodes, tokens.feature_dim})
                                       : csv(tokens, graph));
  if (args.json) {
    nlohmann::json out = seen.to_json();
    if (!args.tokens.empty()) out["tokens_file"] = args.tokens;
    std::printf("%s\n", out.dump().c_str());
    return;
  }
  std::vector<std::pair<std::string, int>> ops(seen.op_histogram.begin(), seen.op_histogram.end());
  std::stable_sort(ops.begin(), ops.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  const GraphFacts& f = graph.facts();
  std::printf("file:            %s\n", path.c_str());
  std::printf("model:           IR %" PRId64 ", opset %" PRId64 ", %d operators\n", seen.ir_version,
              seen.opset, f.num_operators);
  std::printf("batch size:      %" PRId64 "   compat: %s\n", f.batch_size, to_string(seen.compat));
  std::printf("graph:           %d nodes, %zu directed edges\n", graph.num_nodes(),
              graph.edges().size());
  std::printf("node op types:  ");
  for (const auto& [op, count] : ops) std::printf(" %s %d", op.c_str(), count);
  std::printf("\n");
  std::printf("other op code:   %d nodes\n", seen.other_code_nodes);
  std::printf("flops:           %.0f (%.3f G)\n", f.total.flops, f.total.flops / 1e9);
  std::printf("params:          %.0f (%.3f M)\n", f.total.params, f.total.params / 1e6);
  std::printf("memory:          %.0f elements (%.3f M)\n", f.total.memory, f.total.memory / 1e6);
  std::string unknown;
  for (const auto& op : f.unknown_ops) unknown += (unknown.empty() ? "" : ", ") + op;
  std::printf("unknown ops:     %s\n", unknown.empty() ? "none" : unknown.c_str());
  std::printf("missing shapes:  %d\n", f.missing_shapes);
  std::printf("tokens:          %d x %d, static %zu%s%s\n", tokens.num_nodes, tokens.feature_dim,
              tokens.static_features.size(), args.tokens.empty() ? "" : ", written to ",
              args.tokens.c_str());
  std::printf(
      "time:            load %.2f ms, shape inference %.2f ms, graph %.2f ms, tokenize %.2f ms\n",
      seen.time.load, seen.time.shape_inference, seen.time.graph, seen.time.tokenize);
}

void run_inspect(const InspectArguments& args) {
  set_log_level(parse_log_level(args.log_level, "--log-level"));
  if (!args.tokens.empty() && !ends_with(args.tokens, ".npy") && !ends_with(args.tokens, ".csv"))
    throw ConfigError("--tokens must name a .npy or a .csv file, got '" + args.tokens + "'");
  if (!args.tokens.empty() && args.models.size() > 1)
    throw ConfigError("--tokens writes one file's tokens: give one model, got " +
                      std::to_string(args.models.size()));
  if (args.models.size() == 1)
    return inspect_one(args, args.models.front());  // errors end the process
  int failures = 0;
  for (size_t i = 0; i < args.models.size(); ++i) {
    if (!args.json && i > 0) std::printf("\n");
    try {
      inspect_one(args, args.models[i]);
    } catch (const Error& e) {
      ++failures;
      std::fprintf(stderr, "error: %s\n", e.what());
      if (args.json)
        std::printf("%s\n",
                    nlohmann::json{{"file", args.models[i]}, {"error", e.what()}}.dump().c_str());
    }
    std::fflush(stdout);
  }
  if (failures) throw ExitCode{1};  // each failure already has its error line
}

}  // namespace

void add_inspect_command(CLI::App& app) {
  auto args = std::make_shared<InspectArguments>();
  CLI::App* cmd = app.add_subcommand(
      "inspect", "show what narformer reads from an ONNX file (graph, costs, tokens)");
  cmd->add_option("models", args->models, "ONNX files")->required();
  cmd->add_option("--batch", args->batch, "batch size written into the graph inputs")
      ->capture_default_str();
  cmd->add_option("--compat", args->compat, "cost formulas: corrected | reference (method.md §2.5)")
      ->check(CLI::IsMember({"corrected", "reference"}))
      ->capture_default_str();
  cmd->add_option("--embed", args->embed, "embedder of the tokens: trans | nerf")
      ->check(CLI::IsMember({"trans", "nerf"}))
      ->capture_default_str();
  cmd->add_option("--dp", args->dp, "frequencies of the self-position code (0 = off)")
      ->capture_default_str();
  cmd->add_option("--tokens", args->tokens, "write the node token matrix to a .npy or .csv file");
  cmd->add_flag("--json", args->json, "print one JSON object per file instead of text");
  cmd->add_option("--log-level", args->log_level, "debug | info | warn")->capture_default_str();
  cmd->callback([args] { run_inspect(*args); });
}

}  // namespace narformer::cli
