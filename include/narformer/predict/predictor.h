#pragma once
// The face for other research code: load a trained run, predict from an ONNX file, a Graph
// or a cell, many at once, and export the learned graph representations.
//
//   narformer::Predictor predictor("runs/latency_cpu_in_domain");   // config.yaml + best.pt
//   double ms = predictor.predict_onnx("resnet18.onnx");            // latency runs
//   double acc = nb201.predict_cell("|nor_conv_3x3~0|+|...|");       // NB201 / NB101 runs
//   std::vector<float> vector = predictor.embed(predictor.tokenize_onnx("resnet18.onnx"));
//
// Thread-safe: const member functions may be called concurrently. This header does not
// include LibTorch (the model lives behind a pointer), so it is cheap to include.
// For the fastest one-graph predictions call narformer::keep_freed_memory() (core/allocator.h)
// once at the start of your process, as the narformer command does.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "narformer/graph/graph.h"
#include "narformer/tokenize/token_sequence.h"

namespace narformer {

struct PredictorOptions {
  std::string checkpoint = "best";  ///< best | last | a path to a .pt file
  std::string device = "cpu";       ///< cpu | cuda | auto
  int threads = 0;                  ///< LibTorch intra-op threads; 0 = keep the process setting
  int64_t batch_size = 256;         ///< items per forward pass in the batched calls
};

class Predictor {
 public:
  /// Loads `run_dir` (written by `narformer train`). Throws RunError naming the folder or
  /// file when it is not a complete run or the checkpoint does not fit its config.
  explicit Predictor(const std::string& run_dir, const PredictorOptions& options = {});
  ~Predictor();
  Predictor(Predictor&&) noexcept;
  Predictor& operator=(Predictor&&) noexcept;

  /// True for latency runs (ONNX graphs), false for NAS-Bench cell runs.
  bool takes_onnx() const;
  /// Latency in ms (ONNX runs, and cell runs selected by MAPE such as HELP's), else accuracy.
  bool predicts_latency() const;
  /// Platform ids of the output heads (latency platforms, or a cell run's data.labels);
  /// predictions default to the first.
  const std::vector<std::string>& platforms() const;
  /// Width of the representation returned by embed().
  int64_t embedding_dim() const;

  // Tokens, exactly as in training. Throws DataError for unreadable inputs.
  TokenPtr tokenize_onnx(const std::string& path, int64_t batch_size = 1) const;
  TokenPtr tokenize_graph(const Graph& graph) const;  ///< an imported ONNX graph, or a cell graph
  /// NB201 arch string, or for NB101 "ADJACENCY OPS" (n² '0'/'1' chars, ops joined by '|').
  TokenPtr tokenize_cell(const std::string& arch) const;

  // Predictions: latency in ms, or accuracy as in the training labels.
  double predict(const TokenPtr& tokens, const std::string& platform = "") const;
  std::vector<double> predict(const std::vector<TokenPtr>& tokens,
                              const std::string& platform = "") const;
  double predict_onnx(const std::string& path, int64_t batch_size = 1,
                      const std::string& platform = "") const;
  double predict_graph(const Graph& graph, const std::string& platform = "") const;
  /// `platform`: the head of a cell run trained with data.labels ("" = the first).
  double predict_cell(const std::string& arch, const std::string& platform = "") const;

  /// The graph representation the head reads (embedding_dim() values per item).
  std::vector<float> embed(const TokenPtr& tokens) const;
  std::vector<std::vector<float>> embed(const std::vector<TokenPtr>& tokens) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace narformer
