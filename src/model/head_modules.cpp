// The built-in heads (model/readouts.h declares them).
#include <cmath>

#include "builtin_parts.h"
#include "narformer/core/error.h"
#include "narformer/model/dropout.h"
#include "narformer/model/init.h"

namespace narformer::builtin {

namespace {

/// The output of head batch.head_index per item (head 0 when undefined); z is (B, heads).
torch::Tensor pick_head(const torch::Tensor& z, const BatchTensors& batch) {
  return batch.head_index.defined() ? z.gather(1, batch.head_index.unsqueeze(1)).squeeze(1)
                                    : z.select(1, 0);
}

/// [g ; ReLU(Dropout(Linear(static)))] -> Linear -> ReLU -> Dropout -> Linear -> ReLU ->
/// Dropout -> Linear = z; ŷ = softplus(−z) (method.md §3.5), times prior / log 2 under
/// model.prior.
class GraphMlpHead : public HeadModule {
 public:
  GraphMlpHead(torch::nn::Module& model, const ModelOptions& o) : dropout_(o.dropout) {
    const int64_t h = o.hidden;
    if (o.static_dim > 0) {
      static_branch_ = model.register_module("static_branch", torch::nn::Linear(o.static_dim, h));
      init_linear_reference(static_branch_);
    }
    head1_ = model.register_module("head1", torch::nn::Linear(o.static_dim > 0 ? 2 * h : h, h));
    head2_ = model.register_module("head2", torch::nn::Linear(h, h));
    out_ = model.register_module("head_out", torch::nn::Linear(h, o.num_heads));
    init_linear_reference(head1_);
    init_linear_reference(head2_);
    init_linear_reference(out_);
    if (o.correction_starts_at_one) {  // softplus(−0) / log 2 = 1: the prior itself
      torch::NoGradGuard no_grad;
      out_->weight.zero_();
      out_->bias.zero_();
    }
  }

  torch::Tensor represent(const torch::Tensor& pooled, const BatchTensors& batch,
                          bool training) override {
    if (!static_branch_) return pooled;
    const torch::Tensor s =
        torch::relu(fast_dropout(static_branch_(batch.static_features), dropout_, training));
    return torch::cat({pooled, s}, 1);
  }

  torch::Tensor predict(const torch::Tensor& representation, const torch::Tensor&,
                        const BatchTensors& batch, bool training) override {
    torch::Tensor z = fast_dropout(torch::relu(head1_(representation)), dropout_, training);
    z = fast_dropout(torch::relu(head2_(z)), dropout_, training);
    const torch::Tensor out = torch::nn::functional::softplus(-pick_head(out_(z), batch));
    return batch.prior.defined() ? batch.prior * out / std::log(2.0) : out;  // = −log σ(z) > 0
  }

 private:
  double dropout_;
  torch::nn::Linear static_branch_{nullptr}, head1_{nullptr}, head2_{nullptr}, out_{nullptr};
};

/// ŷ = Σ_i Σ_c r_c · softplus(z_ic)/log 2 · cost_ic, z_i = MLP([X_i ; log(1+100·cost_i)]),
/// r = the linear cost model fitted on the training set, one row per output head.
class NodeCostHeadImpl : public NodeCostHead {
 public:
  NodeCostHeadImpl(torch::nn::Module& model, const ModelOptions& o)
      : dropout_(o.dropout), heads_(o.num_heads) {
    // Input: the node's vector and the log of its own amounts of work (so its rate can depend
    // smoothly on size). The output layer starts at zero: every rate starts at the fitted
    // linear model.
    const int64_t h = o.hidden;
    hidden_ = model.register_module("node_rate_hidden", torch::nn::Linear(h + kLibraryCall, h / 4));
    out_ = model.register_module("node_rate_out",
                                 torch::nn::Linear(h / 4, kNodeCostDims * o.num_heads));
    init_linear_reference(hidden_);
    torch::NoGradGuard no_grad;
    out_->weight.zero_();
    out_->bias.zero_();
    rates_ = model.register_buffer("cost_rates", torch::ones({o.num_heads, kNodeCostDims}));
  }

  torch::Tensor represent(const torch::Tensor& pooled, const BatchTensors&, bool) override {
    return pooled;
  }

  torch::Tensor predict(const torch::Tensor&, const torch::Tensor& nodes, const BatchTensors& batch,
                        bool training) override {
    if (!batch.node_costs.defined())
      throw ConfigError(
          "model.readout: cost needs graphs with node costs (ONNX tokens); this batch has none");
    const int64_t B = nodes.size(0), N = nodes.size(1);
    const torch::Tensor costs = batch.node_costs;  // (B, N, kNodeCostDims)
    // The amounts (not the two node counts); 10 MFLOP, 10k elements = log 2.
    const torch::Tensor log_size = torch::log1p(costs.narrow(2, 0, kLibraryCall) * 100);
    torch::Tensor z = torch::relu(hidden_(torch::cat({nodes, log_size}, 2)));
    z = out_(fast_dropout(z, dropout_, training)).view({B, N, heads_, kNodeCostDims});
    torch::Tensor base;  // (B, 1, kNodeCostDims)
    if (batch.head_index.defined()) {
      z = z.gather(2, batch.head_index.view({B, 1, 1, 1}).expand({B, N, 1, kNodeCostDims}))
              .squeeze(2);
      base = rates_.index_select(0, batch.head_index).unsqueeze(1);
    } else {
      z = z.select(2, 0);
      base = rates_.select(0, 0).view({1, 1, kNodeCostDims});
    }
    // softplus(z) / log 2 = 1 at z = 0: the fitted rate; the correction stays positive.
    const torch::Tensor rates = base * torch::nn::functional::softplus(z) / std::log(2.0);
    return ((rates * costs).sum(2) * batch.mask).sum(1);
  }

  void set_rates(const std::vector<CostRates>& rates) override {
    if (static_cast<int64_t>(rates.size()) != heads_)
      throw ConfigError("set_cost_rates: " + std::to_string(rates.size()) + " rate sets for " +
                        std::to_string(heads_) + " heads");
    torch::NoGradGuard no_grad;
    for (int64_t h = 0; h < heads_; ++h)
      for (int c = 0; c < kNodeCostDims; ++c)
        rates_[h][c].fill_(rates[static_cast<size_t>(h)][static_cast<size_t>(c)]);
  }

  std::vector<CostRates> rates() const override {
    std::vector<CostRates> out;
    const torch::Tensor values = rates_.to(torch::kCPU, torch::kFloat64).contiguous();
    for (int64_t h = 0; h < heads_; ++h) {
      CostRates r{};
      for (int c = 0; c < kNodeCostDims; ++c)
        r[static_cast<size_t>(c)] = values[h][c].item<double>();
      out.push_back(r);
    }
    return out;
  }

 private:
  double dropout_;
  int64_t heads_;
  torch::nn::Linear hidden_{nullptr}, out_{nullptr};
  torch::Tensor rates_;  // (heads, kNodeCostDims), a buffer of the model
};

}  // namespace

std::unique_ptr<HeadModule> make_graph_mlp_head(torch::nn::Module& model,
                                                const ModelOptions& options) {
  return std::make_unique<GraphMlpHead>(model, options);
}

std::unique_ptr<HeadModule> make_node_cost_head(torch::nn::Module& model,
                                                const ModelOptions& options) {
  return std::make_unique<NodeCostHeadImpl>(model, options);
}

}  // namespace narformer::builtin
