#pragma once
// Predictions of a baseline run (model.kind linear, mlp, gbdt, or rescale of another
// baseline run), with the face of Predictor and LitePredictor, without LibTorch:
//
//   narformer::BaselinePredictor gbdt("runs/gbdt_gold_6226");
//   double ms = gbdt.predict_cell("|nor_conv_3x3~0|+|...|");
//
// What a baseline reads is a flat feature row (baseline/features.h). For ONNX runs that row
// is computed from the tokens, so tokenize_onnx() returns the usual tokens; for cell runs
// tokenize_cell() returns a token sequence without nodes whose graph-level features are the
// row. Baselines have no learned representation: embed() throws ConfigError.
// Thread-safe: const member functions may be called concurrently.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "narformer/baseline/baseline_model.h"
#include "narformer/predict/run_inputs.h"

namespace narformer {

class BaselinePredictor {
 public:
  /// Loads `run_dir`. Throws RunError naming the folder or file when it is not a finished
  /// baseline run, ConfigError for a rescale of a narformer run (that needs the model: use
  /// Predictor or `narformer predict`).
  explicit BaselinePredictor(const std::string& run_dir);
  ~BaselinePredictor();
  BaselinePredictor(BaselinePredictor&&) noexcept;
  BaselinePredictor& operator=(BaselinePredictor&&) noexcept;

  /// Whether `run_dir`'s config.yaml says model.kind is a baseline. Throws like load_config.
  static bool is_baseline_run(const std::string& run_dir);

  bool takes_onnx() const { return inputs_.takes_onnx(); }
  const std::vector<std::string>& platforms() const { return inputs_.platforms(); }
  const BaselineModel& model() const { return model_; }
  const RunInputs& inputs() const { return inputs_; }

  TokenPtr tokenize_onnx(const std::string& path, int64_t batch_size = 1) const;
  /// A serialized ONNX model in memory; `source` names it in messages.
  TokenPtr tokenize_onnx_bytes(const std::string& bytes, const std::string& source,
                               int64_t batch_size = 1) const;
  TokenPtr tokenize_cell(const std::string& arch) const;

  double predict(const TokenPtr& tokens, const std::string& platform = "") const;
  std::vector<double> predict(const std::vector<TokenPtr>& tokens,
                              const std::string& platform = "") const;
  double predict_onnx(const std::string& path, int64_t batch_size = 1,
                      const std::string& platform = "") const;
  /// `platform`: the head of a cell run trained with data.labels ("" = the first).
  double predict_cell(const std::string& arch, const std::string& platform = "") const;

  /// Throws ConfigError: baselines have no representation.
  std::vector<float> embed(const TokenPtr& tokens) const;

 private:
  RunInputs inputs_;
  BaselineModel model_;
  std::unique_ptr<BaselinePredictor> source_;  ///< rescale: the run it rescales
};

/// The flat feature row of a cell's arch string as a baseline of `inputs`' run reads it (NB201
/// arch string, or NB101 "ADJACENCY OPS").
std::vector<float> cell_feature_row(const RunInputs& inputs, const std::string& arch,
                                    FeatureSet set);

}  // namespace narformer
