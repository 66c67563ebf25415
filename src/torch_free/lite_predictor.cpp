#include "narformer/torch_free/lite_predictor.h"

#include <filesystem>

#include <omp.h>

#include "narformer/core/error.h"

#include "narformer/runtime/run_folder.h"
#include "narformer/runtime/weight_file.h"

namespace narformer {

namespace {

LiteModel load_model(const RunInputs& inputs, const std::string& checkpoint) {
  const std::string path = weights_path_for(inputs.checkpoint_path(checkpoint));
  if (!std::filesystem::exists(path))
    throw RunError(with_file(
        path, "missing: write it once with `narformer export --run " + inputs.run_dir() + "`"));
  return LiteModel(inputs.model_options(), read_weight_file(path), path);
}

}  // namespace

LitePredictor::LitePredictor(const std::string& run_dir, const std::string& checkpoint)
    : inputs_(run_dir), model_(load_model(inputs_, checkpoint)) {}

bool LitePredictor::available(const std::string& run_dir, const std::string& checkpoint) {
  return std::filesystem::exists(weights_path_for(RunFolder(run_dir).checkpoint(checkpoint)));
}

void LitePredictor::set_threads(int threads) {
  if (threads > 0) omp_set_num_threads(threads);
}

double LitePredictor::predict(const TokenPtr& tokens, const std::string& platform) const {
  return model_.predict(*tokens, inputs_.head(platform));
}

std::vector<double> LitePredictor::predict(const std::vector<TokenPtr>& tokens,
                                           const std::string& platform) const {
  const int64_t head = inputs_.head(platform);
  std::vector<double> out;
  out.reserve(tokens.size());
  for (const TokenPtr& t : tokens) out.push_back(model_.predict(*t, head));
  return out;
}

double LitePredictor::predict_onnx(const std::string& path, int64_t batch_size,
                                   const std::string& platform) const {
  return predict(tokenize_onnx(path, batch_size), platform);
}

double LitePredictor::predict_cell(const std::string& arch, const std::string& platform) const {
  return predict(tokenize_cell(arch), platform);
}

LatencyBreakdown LitePredictor::explain_onnx(const std::string& path, int64_t batch_size,
                                             const std::string& platform) const {
  const Graph graph = inputs_.import_onnx(path, batch_size);
  const std::vector<NodeLatency> latencies =
      model_.node_latencies(*inputs_.tokenize_graph(graph), inputs_.head(platform));
  LatencyBreakdown out;
  out.nodes.reserve(latencies.size());
  for (size_t i = 0; i < latencies.size(); ++i) {
    const Node& node = graph.node(static_cast<int>(i));
    out.nodes.push_back({node.name, node.op_type, latencies[i]});
    out.latency_ms += latencies[i].latency_ms;
    out.prior_ms += latencies[i].prior_ms;
  }
  return out;
}

}  // namespace narformer
