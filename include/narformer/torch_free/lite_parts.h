#pragma once
// The LibTorch-free side of the readouts and heads that model/readouts.h declares: each reads
// exactly its declared arrays from a weight file and computes, for one graph, what its
// LibTorch implementation (model/model_parts.h) computes for a batch, to float rounding.
// tests/lite/parts_parity_test.cpp holds every registered readout to that.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "narformer/model/options.h"
#include "narformer/runtime/weight_file.h"
#include "narformer/tokenize/token_sequence.h"

namespace narformer {

/// One node's share of a node-cost prediction (model.readout: cost).
struct NodeLatency {
  double latency_ms = 0;  ///< the model's: Σ_c fitted rate_c · learned correction_c · cost_c
  double prior_ms = 0;    ///< the fitted linear cost model's alone: Σ_c rate_c · cost_c
};

/// A Linear layer's arrays in a weight file.
struct LiteLinear {
  int64_t in = 0, out = 0;
  const float* weight = nullptr;  ///< out x in
  const float* bias = nullptr;    ///< out, or null

  /// "<name>.weight" (out x in) and, with `bias`, "<name>.bias"; RunError naming `source`
  /// when either is missing or of another shape.
  static LiteLinear read(const WeightFile& weights, const std::string& name, int64_t in,
                         int64_t out, const std::string& source, bool bias = true);
  /// y (rows x out) = x (rows x in) Wᵀ + b, both contiguous.
  void apply(const float* x, int64_t rows, float* y) const;
  /// The same for one row, returned.
  std::vector<float> operator()(const std::vector<float>& x) const;
};

/// Node vectors of one graph -> its graph vector.
class LiteReadout {
 public:
  virtual ~LiteReadout() = default;
  /// `layers`: every block's node vectors (nodes x hidden, row-major). Returns hidden values.
  virtual std::vector<float> pool(const std::vector<std::vector<float>>& layers,
                                  int64_t nodes) const = 0;
};

/// Graph vector of one graph -> its prediction.
class LiteHead {
 public:
  virtual ~LiteHead() = default;
  /// DataError when the tokens lack what the head reads (static features, node costs).
  virtual void check(const TokenSequence& tokens) const = 0;
  /// The graph representation (what embed() returns) from the pooled vector.
  virtual std::vector<float> represent(std::vector<float> pooled,
                                       const TokenSequence& tokens) const = 0;
  /// The prediction of output head `head`; `nodes` are the last block's node vectors.
  virtual double predict(const std::vector<float>& representation, const std::vector<float>& nodes,
                         const TokenSequence& tokens, int64_t head) const = 0;
};

/// The node-cost head: its prediction is a sum over nodes, and it says each node's share.
class LiteNodeCostHead : public LiteHead {
 public:
  virtual std::vector<NodeLatency> node_latencies(const std::vector<float>& nodes,
                                                  const TokenSequence& tokens,
                                                  int64_t head) const = 0;
};

/// The implementations registered for a declaration (built-ins, and those added with
/// add_lite_readout, model/readouts.h); RunError naming `source` when there is none or an array
/// does not fit.
std::unique_ptr<LiteReadout> make_lite_readout(const ReadoutSpec& readout,
                                               const WeightFile& weights,
                                               const ModelOptions& options,
                                               const std::string& source);
std::unique_ptr<LiteHead> make_lite_head(const HeadSpec& head, const WeightFile& weights,
                                         const ModelOptions& options, const std::string& source);

}  // namespace narformer
