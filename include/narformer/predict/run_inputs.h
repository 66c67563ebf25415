#pragma once
// What a trained run folder says about its inputs: the config, the model's options, the
// platforms of its output heads, and the tokenizer that turns ONNX files, graphs or cells into
// the tokens the model was trained on. No LibTorch; shared by Predictor (LibTorch) and
// LitePredictor (torch_free/lite_predictor.h).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "narformer/cells/cell.h"
#include "narformer/config/config.h"
#include "narformer/graph/graph.h"
#include "narformer/model/options.h"
#include "narformer/runtime/run_folder.h"
#include "narformer/tokenize/token_sequence.h"

namespace narformer {

class CellTokenizer;
class OnnxTokenizer;
struct LinearPrior;

/// `platform` when a run with these head platforms has a head for it, else "" (its first
/// head): how a run that rescales another asks that run for a platform it may not know.
std::string platform_or_first(const std::vector<std::string>& platforms,
                              const std::string& platform);

class RunInputs {
 public:
  /// Reads `run_dir`/config.yaml and model.json. Throws RunError naming the folder or file
  /// when either is missing or malformed.
  explicit RunInputs(const std::string& run_dir);
  ~RunInputs();
  RunInputs(RunInputs&&) noexcept;
  RunInputs& operator=(RunInputs&&) noexcept;

  const std::string& run_dir() const { return run_dir_; }
  const Config& config() const { return *config_; }
  const ModelOptions& model_options() const { return model_options_; }
  /// True for latency runs (ONNX graphs), false for NAS-Bench cell runs.
  bool takes_onnx() const { return onnx_; }
  const std::vector<std::string>& platforms() const { return platforms_; }
  /// Latency in ms (ONNX runs, and cell runs selected by MAPE such as HELP's), else accuracy.
  bool predicts_latency() const;
  /// The output head of `platform` ("" = the first): a latency platform id, or a label column
  /// of a cell run trained with data.labels. Throws ConfigError for an unknown one.
  int64_t head(const std::string& platform) const;
  /// best | last | a path: the checkpoint file it names (RunFolder::checkpoint).
  std::string checkpoint_path(const std::string& checkpoint) const {
    return RunFolder(run_dir_).checkpoint(checkpoint);
  }

  // Tokens, exactly as in training. Throws DataError for unreadable inputs, ConfigError for
  // inputs of the other kind (an ONNX file for a cell run, ...).
  TokenPtr tokenize_onnx(const std::string& path, int64_t batch_size = 1) const;
  TokenPtr tokenize_onnx_bytes(const std::string& bytes, const std::string& source,
                               int64_t batch_size = 1) const {
    return tokenize_graph(import_onnx_bytes(bytes, source, batch_size));
  }
  /// The graph tokenize_onnx reads (same import settings), for naming what the tokens are.
  Graph import_onnx(const std::string& path, int64_t batch_size = 1) const;
  /// The same for a serialized ONNX model in memory; `source` names it in messages.
  Graph import_onnx_bytes(const std::string& bytes, const std::string& source,
                          int64_t batch_size = 1) const;
  TokenPtr tokenize_graph(const Graph& graph) const;
  TokenPtr tokenize_cell(const std::string& arch) const;
  /// The cell an arch string names in this run's space (NB201 arch string, NB101
  /// "ADJACENCY OPS"). Throws DataError for a malformed one, ConfigError for ONNX runs.
  Cell parse_cell(const std::string& arch) const;

 private:
  std::string run_dir_;
  std::unique_ptr<Config> config_;
  ModelOptions model_options_;
  bool onnx_ = false;
  std::vector<std::string> platforms_;
  std::unique_ptr<OnnxTokenizer> onnx_tokenizer_;
  std::unique_ptr<CellTokenizer> cell_tokenizer_;
  std::unique_ptr<LinearPrior> prior_;  ///< model.prior: linear (prior.json)
};

}  // namespace narformer
