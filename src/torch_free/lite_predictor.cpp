#include "narformer/torch_free/lite_predictor.h"

#include <algorithm>
#include <exception>
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
  if (tokens.size() == 1) return {model_.predict(*tokens.front(), head)};
  // Several graphs: one per thread. One graph's small GEMMs and per-group regions (LiteModel)
  // then run on their caller's thread (nested regions are off; OpenBLAS inside a parallel region
  // does not fork), instead of a fork and a spinning barrier per GEMM: with other processes on
  // the cores those barriers made 300 NAS-Bench-201 cells take 33 s instead of 0.2 s.
  const auto n = static_cast<int64_t>(tokens.size());
  // Chunks of up to 16 cells spare the scheduler; a few (large) graphs go one per chunk, or
  // a batch smaller than a chunk would run on one thread while the others idle.
  const int64_t chunk = std::clamp<int64_t>(n / (4 * omp_get_max_threads()), 1, 16);
  std::vector<double> out(tokens.size());
  int64_t first_failed = n;  // the error reported is the first graph's, as in a plain loop
  std::exception_ptr error;
#pragma omp parallel for schedule(dynamic, chunk)
  for (int64_t i = 0; i < n; ++i) {
    try {
      out[static_cast<size_t>(i)] = model_.predict(*tokens[static_cast<size_t>(i)], head);
    } catch (...) {  // an exception must not leave the parallel region
#pragma omp critical(narformer_lite_predict_error)
      if (i < first_failed) {
        first_failed = i;
        error = std::current_exception();
      }
    }
  }
  if (error) std::rethrow_exception(error);
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
