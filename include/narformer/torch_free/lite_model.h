#pragma once
// The trained model's inference forward pass in plain C++ and BLAS (cblas_sgemm), read from a
// weight file (runtime/weight_file.h): the numbers NarFormerModel gives in eval mode, to float
// rounding, without LibTorch. Why it exists: loading LibTorch takes ~0.4 s per process and
// its dispatcher adds microseconds per operator, which dominate one-graph predictions; this
// pass starts in milliseconds. One graph per call, every readout and head the model has.
// Thread-safe: const calls share nothing mutable.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "narformer/torch_free/lite_parts.h"

namespace narformer {

class LiteModel {
 public:
  /// Takes the arrays `options` needs from `weights`. Throws RunError naming `source` when one
  /// is missing or of another shape.
  LiteModel(const ModelOptions& options, WeightFile weights, const std::string& source);
  // The layers point into the weights: moving keeps them in place, copying would not.
  LiteModel(LiteModel&&) = default;
  LiteModel(const LiteModel&) = delete;
  LiteModel& operator=(const LiteModel&) = delete;

  const ModelOptions& options() const { return options_; }

  /// The prediction for one graph with output head `head` (latency in ms, or the accuracy
  /// label's scale). Throws DataError when the tokens do not fit the model.
  double predict(const TokenSequence& tokens, int64_t head = 0) const;

  /// Cost readout only: the prediction split over the graph's nodes (in token order; their
  /// latency_ms sum to predict()). Throws ConfigError for other readouts, whose prediction
  /// comes from the whole graph's representation and has no per-node parts.
  std::vector<NodeLatency> node_latencies(const TokenSequence& tokens, int64_t head = 0) const;

  /// The graph representation the head reads (NarFormerModel::embed for one graph).
  std::vector<float> embed(const TokenSequence& tokens) const;
  int64_t embedding_dim() const;

 private:
  struct LayerNorm {
    int64_t dim = 0;
    const float* weight = nullptr;
    const float* bias = nullptr;
  };
  struct GroupedLinear {
    int64_t in = 0, out = 0, groups = 0;  ///< full widths
    const float* weight = nullptr;        ///< groups x in/groups x out/groups
    const float* bias = nullptr;          ///< groups x out/groups
    LayerNorm norm;                       ///< over out/groups
  };
  struct Block {
    int64_t in_dim = 0;
    LiteLinear degree, query_key, neighbour, root;
    LayerNorm norm;
    GroupedLinear up, down;
    const float* layer_scale = nullptr;
  };

  LiteLinear linear(const std::string& name, int64_t in, int64_t out, bool bias = true) const;
  LayerNorm layer_norm(const std::string& name, int64_t dim) const;
  GroupedLinear grouped(const std::string& name, int64_t in, int64_t out, int64_t groups) const;
  void check(const TokenSequence& tokens, int64_t head) const;
  std::vector<std::vector<float>> encode(const TokenSequence& tokens) const;

  ModelOptions options_;
  WeightFile weights_;
  std::string source_;
  std::vector<Block> blocks_;
  std::unique_ptr<LiteReadout> readout_;  ///< model/readouts.h: options_.readout
  std::unique_ptr<LiteHead> head_;        ///< and its head
};

}  // namespace narformer
