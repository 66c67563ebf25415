// The built-in heads for one graph (model/readouts.h declares them).
#include <algorithm>
#include <optional>

#include "blas_ops.h"
#include "lite_builtin_parts.h"
#include "narformer/core/error.h"

namespace narformer::lite {

namespace {

void relu(std::vector<float>& x) {
  for (float& v : x) v = std::max(v, 0.0f);
}

/// [g ; ReLU(static branch)] -> Linear -> ReLU -> Linear -> ReLU -> Linear = z; softplus(−z),
/// times prior / log 2 under model.prior (method.md §3.5).
class GraphMlpHead : public LiteHead {
 public:
  GraphMlpHead(const WeightFile& weights, const ModelOptions& o, const std::string& source)
      : hidden_(o.hidden),
        static_dim_(o.static_dim),
        head1_(LiteLinear::read(weights, "head1", o.static_dim > 0 ? 2 * o.hidden : o.hidden,
                                o.hidden, source)),
        head2_(LiteLinear::read(weights, "head2", o.hidden, o.hidden, source)),
        head_out_(LiteLinear::read(weights, "head_out", o.hidden, o.num_heads, source)) {
    if (o.static_dim > 0)
      static_branch_ = LiteLinear::read(weights, "static_branch", o.static_dim, o.hidden, source);
  }

  void check(const TokenSequence& tokens) const override {
    if (static_cast<int64_t>(tokens.static_features.size()) != static_dim_)
      throw DataError("lite model: " + std::to_string(tokens.static_features.size()) +
                      " static features, the model reads " + std::to_string(static_dim_));
  }

  std::vector<float> represent(std::vector<float> pooled,
                               const TokenSequence& tokens) const override {
    if (static_branch_) {
      std::vector<float> s = (*static_branch_)(tokens.static_features);
      relu(s);
      pooled.insert(pooled.end(), s.begin(), s.end());
    }
    return pooled;
  }

  double predict(const std::vector<float>& representation, const std::vector<float>&,
                 const TokenSequence& tokens, int64_t head) const override {
    std::vector<float> a = head1_(representation);
    relu(a);
    std::vector<float> b = head2_(a);
    relu(b);
    float z = 0;  // only this head's row of head_out
    lite::apply(b.data(), 1, hidden_, hidden_, 1, head_out_.weight + head * hidden_,
                head_out_.bias + head, &z, 1);
    const double out = softplus(-static_cast<double>(z));
    return tokens.prior > 0 ? tokens.prior * out / std::log(2.0) : out;  // model.prior
  }

 private:
  int64_t hidden_, static_dim_;
  std::optional<LiteLinear> static_branch_;
  LiteLinear head1_, head2_, head_out_;
};

/// Σ_nodes Σ_c fitted rate_c · softplus(z_ic)/log 2 · cost_ic, z_i = MLP([node ; log(1 +
/// 100 · its amounts of work)]).
class NodeCostHead : public LiteNodeCostHead {
 public:
  NodeCostHead(const WeightFile& weights, const ModelOptions& o, const std::string& source)
      : hidden_(o.hidden),
        rate_hidden_(LiteLinear::read(weights, "node_rate_hidden", o.hidden + kLibraryCall,
                                      o.hidden / 4, source)),
        rate_out_(LiteLinear::read(weights, "node_rate_out", o.hidden / 4,
                                   kNodeCostDims * o.num_heads, source)),
        rates_(weights.at("cost_rates", {o.num_heads, kNodeCostDims}, source).values.data()) {}

  void check(const TokenSequence& tokens) const override {
    if (tokens.node_costs.size() != static_cast<size_t>(tokens.num_nodes) * kNodeCostDims)
      throw DataError(
          "model.readout: cost needs graphs with node costs (ONNX tokens); these have none");
  }

  std::vector<float> represent(std::vector<float> pooled, const TokenSequence&) const override {
    return pooled;
  }

  double predict(const std::vector<float>&, const std::vector<float>& nodes,
                 const TokenSequence& tokens, int64_t head) const override {
    double total = 0;
    for (const NodeLatency& node : node_latencies(nodes, tokens, head)) total += node.latency_ms;
    return total;
  }

  std::vector<NodeLatency> node_latencies(const std::vector<float>& nodes,
                                          const TokenSequence& tokens,
                                          int64_t head) const override {
    const int64_t n = tokens.num_nodes, h = hidden_, in = h + kLibraryCall, r = rate_hidden_.out;
    std::vector<float> input(static_cast<size_t>(n * in));
    for (int64_t i = 0; i < n; ++i) {
      std::copy_n(nodes.data() + i * h, h, input.data() + i * in);
      for (int c = 0; c < kLibraryCall; ++c)
        input[static_cast<size_t>(i * in + h + c)] =
            std::log1p(tokens.node_costs[static_cast<size_t>(i * kNodeCostDims + c)] * 100);
    }
    std::vector<float> hidden(static_cast<size_t>(n * r));
    rate_hidden_.apply(input.data(), n, hidden.data());
    relu(hidden);
    // Only this head's kNodeCostDims outputs: rows head*K .. head*K+K of node_rate_out.
    std::vector<float> z(static_cast<size_t>(n * kNodeCostDims));
    lite::apply(hidden.data(), n, r, r, kNodeCostDims, rate_out_.weight + head * kNodeCostDims * r,
                rate_out_.bias + head * kNodeCostDims, z.data(), kNodeCostDims);
    const float* base = rates_ + head * kNodeCostDims;
    std::vector<NodeLatency> out(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i)
      for (int c = 0; c < kNodeCostDims; ++c) {
        const size_t k = static_cast<size_t>(i * kNodeCostDims + c);
        const double prior = base[c] * tokens.node_costs[k];
        out[static_cast<size_t>(i)].prior_ms += prior;
        out[static_cast<size_t>(i)].latency_ms += prior * softplus(z[k]) / std::log(2.0);
      }
    return out;
  }

 private:
  int64_t hidden_;
  LiteLinear rate_hidden_, rate_out_;
  const float* rates_;  ///< heads x kNodeCostDims
};

}  // namespace

std::unique_ptr<LiteHead> make_graph_mlp_head(const WeightFile& weights,
                                              const ModelOptions& options,
                                              const std::string& source) {
  return std::make_unique<GraphMlpHead>(weights, options, source);
}

std::unique_ptr<LiteHead> make_node_cost_head(const WeightFile& weights,
                                              const ModelOptions& options,
                                              const std::string& source) {
  return std::make_unique<NodeCostHead>(weights, options, source);
}

}  // namespace narformer::lite
