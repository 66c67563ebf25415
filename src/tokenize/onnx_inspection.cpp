#include "narformer/tokenize/onnx_inspection.h"

#include "narformer/core/progress.h"
#include "narformer/onnx/onnx_graph.h"
#include "narformer/onnx/onnx_model.h"

namespace narformer {

namespace {

/// Everything after reading the bytes: shape inference, the graph, the tokens, with timings.
OnnxInspection inspect(OnnxModel model, double load_ms, const OnnxTokenizerOptions& options,
                       int64_t batch_size) {
  OnnxInspection out;
  const OnnxImportOptions import = options.import_options(batch_size);
  out.source = model.source();
  out.ir_version = model.ir_version();
  out.opset = model.opset();
  out.compat = import.compat;
  out.time.load = load_ms;

  Stopwatch clock;
  model.prepare(import.batch_size, import.data_propagation);
  out.time.shape_inference = 1e3 * clock.seconds();
  clock.reset();
  out.graph = build_graph(model, import.compat);
  out.time.graph = 1e3 * clock.seconds();
  clock.reset();
  const OnnxTokenizer tokenizer(options);
  out.tokens = tokenizer.tokenize(out.graph);
  out.time.tokenize = 1e3 * clock.seconds();

  for (const Node& n : out.graph.nodes()) {
    ++out.op_histogram[n.op_type];
    out.other_code_nodes += tokenizer.op_code(n.op_type) == 0 ? 1 : 0;
  }
  return out;
}

}  // namespace

nlohmann::json OnnxInspection::to_json() const {
  const GraphFacts& f = graph.facts();
  nlohmann::json histogram = nlohmann::json::object();
  for (const auto& [op, count] : op_histogram) histogram[op] = count;
  return {
      {"file", source},
      {"ir_version", ir_version},
      {"opset", opset},
      {"batch_size", f.batch_size},
      {"compat", to_string(compat)},
      {"operators", f.num_operators},
      {"nodes", graph.num_nodes()},
      {"edges", graph.edges().size()},
      {"other_code_nodes", other_code_nodes},
      {"flops", f.total.flops},
      {"params", f.total.params},
      {"memory", f.total.memory},
      {"unknown_ops", f.unknown_ops},
      {"missing_shapes", f.missing_shapes},
      {"token_shape", {tokens.num_nodes, tokens.feature_dim}},
      {"static_dim", tokens.static_features.size()},
      {"time_ms",
       {{"load", time.load},
        {"shape_inference", time.shape_inference},
        {"graph", time.graph},
        {"tokenize", time.tokenize}}},
      {"op_histogram", histogram},
  };
}

OnnxInspection inspect_onnx(const std::string& path, const OnnxTokenizerOptions& options,
                            int64_t batch_size) {
  Stopwatch clock;
  OnnxModel model = OnnxModel::load(path);
  return inspect(std::move(model), 1e3 * clock.seconds(), options, batch_size);
}

OnnxInspection inspect_onnx_bytes(const std::string& bytes, const std::string& source,
                                  const OnnxTokenizerOptions& options, int64_t batch_size) {
  Stopwatch clock;
  OnnxModel model = OnnxModel::parse(bytes, source);
  return inspect(std::move(model), 1e3 * clock.seconds(), options, batch_size);
}

}  // namespace narformer
