// narformer inspect MODEL.onnx [--batch N] [--compat corrected|reference] [--json]
//                              [--tokens OUT.npy|OUT.csv] [--embed trans|nerf] [--dp N]
//
// What narformer reads from an ONNX file: operator and node counts, op histogram, edges,
// FLOPs / parameters / memory, unknown operators, missing shapes; optionally the token matrix.
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "narformer/core/atomic_file.h"
#include "narformer/core/error.h"
#include "narformer/core/npy.h"
#include "narformer/core/progress.h"
#include "narformer/onnx/onnx_graph.h"
#include "narformer/onnx/onnx_model.h"
#include "narformer/tokenize/onnx_tokenizer.h"

namespace narformer::cli {

namespace {

struct InspectArguments {
  std::string model;
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

void run_inspect(const InspectArguments& args) {
  set_log_level(args.log_level);
  OnnxImportOptions import;
  import.batch_size = args.batch;
  import.compat = parse_onnx_compat(args.compat);
  OnnxTokenizerOptions token_options;
  token_options.embed = parse_embed_type(args.embed);
  token_options.position_frequencies = args.dp;
  token_options.compat = import.compat;
  if (!args.tokens.empty() && !ends_with(args.tokens, ".npy") && !ends_with(args.tokens, ".csv"))
    throw ConfigError("--tokens must name a .npy or a .csv file, got '" + args.tokens + "'");

  Stopwatch clock;
  OnnxModel model = OnnxModel::load(args.model);
  const double load_ms = 1e3 * clock.seconds();
  clock.reset();
  model.prepare(import.batch_size, import.data_propagation);
  const double infer_ms = 1e3 * clock.seconds();
  clock.reset();
  const Graph graph = build_graph(model, import.compat);
  const double graph_ms = 1e3 * clock.seconds();
  clock.reset();
  const OnnxTokenizer tokenizer(token_options);
  const TokenSequence tokens = tokenizer.tokenize(graph);
  const double token_ms = 1e3 * clock.seconds();

  std::map<std::string, int> histogram;
  for (const Node& n : graph.nodes()) ++histogram[n.op_type];
  std::vector<std::pair<std::string, int>> ops(histogram.begin(), histogram.end());
  std::stable_sort(ops.begin(), ops.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  int other = 0;
  for (const Node& n : graph.nodes()) other += tokenizer.op_code(n.op_type) == 0 ? 1 : 0;

  if (!args.tokens.empty())
    write_file_atomic(args.tokens,
                      ends_with(args.tokens, ".npy") ? npy_float32(tokens.features.data(), {tokens.num_nodes, tokens.feature_dim}) : csv(tokens, graph));

  const GraphFacts& f = graph.facts();
  if (args.json) {
    nlohmann::json out = {
        {"file", args.model},
        {"ir_version", model.ir_version()},
        {"opset", model.opset()},
        {"batch_size", f.batch_size},
        {"compat", to_string(import.compat)},
        {"operators", f.num_operators},
        {"nodes", graph.num_nodes()},
        {"edges", graph.edges().size()},
        {"other_code_nodes", other},
        {"flops", f.total.flops},
        {"params", f.total.params},
        {"memory", f.total.memory},
        {"unknown_ops", f.unknown_ops},
        {"missing_shapes", f.missing_shapes},
        {"token_shape", {tokens.num_nodes, tokens.feature_dim}},
        {"static_dim", tokens.static_features.size()},
        {"time_ms",
         {{"load", load_ms},
          {"shape_inference", infer_ms},
          {"graph", graph_ms},
          {"tokenize", token_ms}}},
    };
    nlohmann::json hist = nlohmann::json::object();
    for (const auto& [op, count] : histogram) hist[op] = count;
    out["op_histogram"] = hist;
    if (!args.tokens.empty()) out["tokens_file"] = args.tokens;
    std::printf("%s\n", out.dump().c_str());
    return;
  }
  std::printf("file:            %s\n", args.model.c_str());
  std::printf("model:           IR %" PRId64 ", opset %" PRId64 ", %d operators\n",
              model.ir_version(), model.opset(), f.num_operators);
  std::printf("batch size:      %" PRId64 "   compat: %s\n", f.batch_size,
              to_string(import.compat));
  std::printf("graph:           %d nodes, %zu directed edges\n", graph.num_nodes(),
              graph.edges().size());
  std::printf("node op types:  ");
  for (const auto& [op, count] : ops) std::printf(" %s %d", op.c_str(), count);
  std::printf("\n");
  std::printf("other op code:   %d nodes\n", other);
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
      load_ms, infer_ms, graph_ms, token_ms);
}

}  // namespace

void add_inspect_command(CLI::App& app) {
  auto args = std::make_shared<InspectArguments>();
  CLI::App* cmd = app.add_subcommand(
      "inspect", "show what narformer reads from an ONNX file (graph, costs, tokens)");
  cmd->add_option("model", args->model, "ONNX file")->required();
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
  cmd->add_flag("--json", args->json, "print one JSON object instead of text");
  cmd->add_option("--log-level", args->log_level, "debug | info | warn")->capture_default_str();
  cmd->callback([args] { run_inspect(*args); });
}

}  // namespace narformer::cli
