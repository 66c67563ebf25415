#pragma once
// A trained run's predictions without LibTorch, whichever kind of run it is: a narformer model
// (LitePredictor, from its weight file) or a baseline (BaselinePredictor). What `narformer
// predict` and the Python module call, so that neither asks which kind a folder holds.
//
//   narformer::TorchFreePredictor predictor("runs/nb201_cpu_5pct");
//   std::vector<double> accuracy = predictor.predict({predictor.tokenize_cell(arch)});
//
// Thread-safe: const member functions may be called concurrently.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "narformer/predict/run_inputs.h"

namespace narformer {

class BaselinePredictor;
class LitePredictor;

class TorchFreePredictor {
 public:
  /// Loads `run_dir` with the weights of `checkpoint` (best | last | a .pt path; baselines have
  /// one model and ignore it). Throws RunError naming the folder or file when it is not a
  /// finished run or a narformer run lacks its weight file (`narformer export --run` writes it),
  /// ConfigError for a baseline that rescales a narformer run (that one needs LibTorch).
  explicit TorchFreePredictor(const std::string& run_dir, const std::string& checkpoint = "best");
  ~TorchFreePredictor();
  TorchFreePredictor(TorchFreePredictor&&) noexcept;
  TorchFreePredictor& operator=(TorchFreePredictor&&) noexcept;

  const RunInputs& inputs() const;
  /// model.kind of the run: "narformer", "linear", "mlp", "gbdt" or "rescale".
  std::string kind() const;
  bool takes_onnx() const { return inputs().takes_onnx(); }
  bool predicts_latency() const { return inputs().predicts_latency(); }
  const std::vector<std::string>& platforms() const { return inputs().platforms(); }
  /// Width of embed()'s vectors; 0 for baselines, which have no representation.
  int64_t embedding_dim() const;

  TokenPtr tokenize_onnx(const std::string& path, int64_t batch_size = 1) const;
  TokenPtr tokenize_onnx_bytes(const std::string& bytes, const std::string& source,
                               int64_t batch_size = 1) const;
  TokenPtr tokenize_cell(const std::string& arch) const;
  std::vector<TokenPtr> tokenize_cells(const std::vector<std::string>& archs) const;

  std::vector<double> predict(const std::vector<TokenPtr>& tokens,
                              const std::string& platform = "") const;
  /// The graph representation of each; ConfigError for baselines.
  std::vector<float> embed(const TokenPtr& tokens) const;

 private:
  std::unique_ptr<LitePredictor> model_;         ///< narformer runs
  std::unique_ptr<BaselinePredictor> baseline_;  ///< baseline runs
};

}  // namespace narformer
