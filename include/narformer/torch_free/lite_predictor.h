#pragma once
// Predictor (predict/predictor.h) without LibTorch: loads a run's weight file (best.weights,
// written beside best.pt by training or by `narformer export`) and runs LiteModel on the CPU.
// Same tokens, same numbers to float rounding; a process that uses only this never loads
// LibTorch, so `narformer predict` answers in tens of milliseconds instead of ~0.5 s.
//
//   narformer::LitePredictor predictor("runs/in_domain");
//   double ms = predictor.predict_onnx("resnet18.onnx");
//
// Thread-safe: const member functions may be called concurrently.

#include <cstdint>
#include <string>
#include <vector>

#include "narformer/predict/run_inputs.h"
#include "narformer/torch_free/lite_model.h"

namespace narformer {

/// Where a cost-readout model's predicted latency goes, node by node (LitePredictor::explain_onnx).
struct LatencyBreakdown {
  struct Node {
    std::string name;     ///< the node's name in the graph (ONNX: its first output's name)
    std::string op_type;  ///< "Conv", "Relu", ...; "Input" for graph inputs
    NodeLatency latency;  ///< the model's share and the linear cost model's alone
  };
  double latency_ms = 0;    ///< = predict_onnx(), the sum over nodes
  double prior_ms = 0;      ///< the fitted linear cost model alone, summed
  std::vector<Node> nodes;  ///< in graph order
};

class LitePredictor {
 public:
  /// Loads `run_dir` and the weights of `checkpoint` (best | last | a .pt path: its .weights
  /// file). Throws RunError naming the folder or file when something is missing or does not
  /// fit the config.
  explicit LitePredictor(const std::string& run_dir, const std::string& checkpoint = "best");

  /// Whether `run_dir` has the weight file LitePredictor needs (runs trained before weight
  /// files existed need `narformer export --run RUN_DIR` once).
  static bool available(const std::string& run_dir, const std::string& checkpoint = "best");

  /// Threads of the BLAS calls, for the whole process (OpenMP builds of OpenBLAS, Debian's
  /// libopenblas0-openmp; no effect with other BLAS builds). 0 = leave the setting alone.
  static void set_threads(int threads);

  const RunInputs& inputs() const { return inputs_; }
  bool takes_onnx() const { return inputs_.takes_onnx(); }
  const std::vector<std::string>& platforms() const { return inputs_.platforms(); }
  int64_t embedding_dim() const { return model_.embedding_dim(); }

  TokenPtr tokenize_onnx(const std::string& path, int64_t batch_size = 1) const {
    return inputs_.tokenize_onnx(path, batch_size);
  }
  TokenPtr tokenize_onnx_bytes(const std::string& bytes, const std::string& source,
                               int64_t batch_size = 1) const {
    return inputs_.tokenize_onnx_bytes(bytes, source, batch_size);
  }
  TokenPtr tokenize_graph(const Graph& graph) const { return inputs_.tokenize_graph(graph); }
  TokenPtr tokenize_cell(const std::string& arch) const { return inputs_.tokenize_cell(arch); }

  double predict(const TokenPtr& tokens, const std::string& platform = "") const;
  std::vector<double> predict(const std::vector<TokenPtr>& tokens,
                              const std::string& platform = "") const;
  double predict_onnx(const std::string& path, int64_t batch_size = 1,
                      const std::string& platform = "") const;
  /// `platform`: the head of a cell run trained with data.labels ("" = the first).
  double predict_cell(const std::string& arch, const std::string& platform = "") const;

  /// The prediction for an ONNX file split over its nodes (cost readout only: model.readout:
  /// cost; ConfigError otherwise). Which layers a latency comes from, and where the learned
  /// correction departs from the fitted linear cost model.
  LatencyBreakdown explain_onnx(const std::string& path, int64_t batch_size = 1,
                                const std::string& platform = "") const;
  std::vector<float> embed(const TokenPtr& tokens) const { return model_.embed(*tokens); }

 private:
  RunInputs inputs_;
  LiteModel model_;
};

}  // namespace narformer
