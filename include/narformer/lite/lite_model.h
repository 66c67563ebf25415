#pragma once
// The trained model's inference forward pass in plain C++ and BLAS (cblas_sgemm), read from a
// weight file (runtime/weight_file.h): the numbers NarFormerModel gives in eval mode, to float
// rounding, without LibTorch. Why it exists: loading LibTorch takes ~0.4 s per process and
// its dispatcher adds microseconds per operator, which dominate one-graph predictions; this
// pass starts in milliseconds. One graph per call, every readout and head the model has.
// Thread-safe: const calls share nothing mutable.

#include <cstdint>
#include <string>
#include <vector>

#include "narformer/model/options.h"
#include "narformer/runtime/weight_file.h"
#include "narformer/tokenize/token_sequence.h"

namespace narformer {

/// One node's share of a cost-readout prediction (model.readout: cost).
struct NodeLatency {
  double latency_ms = 0;  ///< the model's: Σ_c fitted rate_c · learned correction_c · cost_c
  double prior_ms = 0;    ///< the fitted linear cost model's alone: Σ_c rate_c · cost_c
};

class LiteModel {
 public:
  /// Takes the arrays `options` needs from `weights`. Throws RunError naming `source` when one
  /// is missing or of another shape.
  LiteModel(const ModelOptions& options, WeightFile weights, const std::string& source);

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
  struct Linear {
    int64_t in = 0, out = 0;
    const float* weight = nullptr;  ///< out x in
    const float* bias = nullptr;    ///< out, or null
  };
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
    Linear degree, query_key, neighbour, root;
    LayerNorm norm;
    GroupedLinear up, down;
    const float* layer_scale = nullptr;
  };

  Linear linear(const std::string& name, int64_t in, int64_t out, bool bias = true) const;
  LayerNorm layer_norm(const std::string& name, int64_t dim) const;
  GroupedLinear grouped(const std::string& name, int64_t in, int64_t out, int64_t groups) const;
  void check(const TokenSequence& tokens) const;
  std::vector<std::vector<float>> encode(const TokenSequence& tokens) const;
  std::vector<float> readout(const TokenSequence& tokens,
                             const std::vector<std::vector<float>>& layers) const;
  void check_head(int64_t head) const;
  std::vector<NodeLatency> cost_readout(const TokenSequence& tokens,
                                        const std::vector<float>& nodes, int64_t head) const;

  ModelOptions options_;
  WeightFile weights_;
  std::string source_;
  std::vector<Block> blocks_;
  Linear fuse_hidden_, fuse_out_, static_branch_, head1_, head2_, head_out_, node_rate_hidden_,
      node_rate_out_;
  const float* cost_rates_ = nullptr;  ///< heads x kNodeCostDims
};

}  // namespace narformer
