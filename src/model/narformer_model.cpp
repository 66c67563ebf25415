#include "narformer/model/narformer_model.h"

#include "narformer/model/dropout.h"

#include "narformer/core/error.h"
#include "narformer/model/init.h"

namespace narformer {

NarFormerModelImpl::NarFormerModelImpl(const ModelOptions& options) : options_(options) {
  encoder_ = register_module("encoder", Encoder(options));
  const int64_t h = options.hidden, L = options.blocks;
  if (options.readout == Readout::kFusion) {
    fuse_hidden_ = register_module("fuse_hidden", torch::nn::Linear(L * h, L * h / 4));
    fuse_out_ = register_module("fuse_out", torch::nn::Linear(L * h / 4, L));
    init_linear_reference(fuse_hidden_);
    init_linear_reference(fuse_out_);
  }
  if (options.readout == Readout::kCost) {
    // Input: the node's vector and the log of its own amounts of work (so its rate can depend
    // smoothly on size). The output layer starts at zero: every rate starts at the fitted
    // linear model.
    node_rate_hidden_ =
        register_module("node_rate_hidden", torch::nn::Linear(h + kLibraryCall, h / 4));
    node_rate_out_ = register_module("node_rate_out",
                                     torch::nn::Linear(h / 4, kNodeCostDims * options.num_heads));
    init_linear_reference(node_rate_hidden_);
    torch::NoGradGuard no_grad;
    node_rate_out_->weight.zero_();
    node_rate_out_->bias.zero_();
    cost_rates_ = register_buffer("cost_rates", torch::ones({options.num_heads, kNodeCostDims}));
    return;
  }
  if (options.static_dim > 0) {
    static_branch_ = register_module("static_branch", torch::nn::Linear(options.static_dim, h));
    init_linear_reference(static_branch_);
  }
  const int64_t head_in = options.static_dim > 0 ? 2 * h : h;
  head1_ = register_module("head1", torch::nn::Linear(head_in, h));
  head2_ = register_module("head2", torch::nn::Linear(h, h));
  head_out_ = register_module("head_out", torch::nn::Linear(h, options.num_heads));
  init_linear_reference(head1_);
  init_linear_reference(head2_);
  init_linear_reference(head_out_);
  if (options.correction_starts_at_one) {  // softplus(−0) / log 2 = 1: the prior itself
    torch::NoGradGuard no_grad;
    head_out_->weight.zero_();
    head_out_->bias.zero_();
  }
}

int64_t NarFormerModelImpl::embedding_dim() const {
  return options_.static_dim > 0 && options_.readout != Readout::kCost ? 2 * options_.hidden
                                                                       : options_.hidden;
}

void NarFormerModelImpl::set_cost_rates(const std::vector<CostRates>& rates) {
  if (options_.readout != Readout::kCost)
    throw ConfigError("set_cost_rates: the model's readout is not cost");
  if (static_cast<int64_t>(rates.size()) != options_.num_heads)
    throw ConfigError("set_cost_rates: " + std::to_string(rates.size()) + " rate sets for " +
                      std::to_string(options_.num_heads) + " heads");
  torch::NoGradGuard no_grad;
  for (int64_t h = 0; h < options_.num_heads; ++h)
    for (int c = 0; c < kNodeCostDims; ++c)
      cost_rates_[h][c].fill_(rates[static_cast<size_t>(h)][static_cast<size_t>(c)]);
}

std::vector<CostRates> NarFormerModelImpl::cost_rates() const {
  std::vector<CostRates> rates;
  if (options_.readout != Readout::kCost) return rates;
  const torch::Tensor values = cost_rates_.to(torch::kCPU, torch::kFloat64).contiguous();
  for (int64_t h = 0; h < options_.num_heads; ++h) {
    CostRates r{};
    for (int c = 0; c < kNodeCostDims; ++c) r[static_cast<size_t>(c)] = values[h][c].item<double>();
    rates.push_back(r);
  }
  return rates;
}

torch::Tensor NarFormerModelImpl::cost_readout(const torch::Tensor& nodes,
                                               const BatchTensors& batch) {
  if (!batch.node_costs.defined())
    throw ConfigError(
        "model.readout: cost needs graphs with node costs (ONNX tokens); this batch has none");
  const int64_t B = nodes.size(0), N = nodes.size(1), H = options_.num_heads;
  const torch::Tensor costs = batch.node_costs;  // (B, N, kNodeCostDims)
  // The amounts (not the two node counts); 10 MFLOP, 10k elements = log 2.
  const torch::Tensor log_size = torch::log1p(costs.narrow(2, 0, kLibraryCall) * 100);
  torch::Tensor z = torch::relu(node_rate_hidden_(torch::cat({nodes, log_size}, 2)));
  z = node_rate_out_(fast_dropout(z, options_.dropout, is_training()))
          .view({B, N, H, kNodeCostDims});
  torch::Tensor base;  // (B, 1, kNodeCostDims)
  if (batch.head_index.defined()) {
    z = z.gather(2, batch.head_index.view({B, 1, 1, 1}).expand({B, N, 1, kNodeCostDims}))
            .squeeze(2);
    base = cost_rates_.index_select(0, batch.head_index).unsqueeze(1);
  } else {
    z = z.select(2, 0);
    base = cost_rates_.select(0, 0).view({1, 1, kNodeCostDims});
  }
  // softplus(z) / log 2 = 1 at z = 0: the fitted rate; the correction stays positive.
  const torch::Tensor rates = base * torch::nn::functional::softplus(z) / std::log(2.0);
  return ((rates * costs).sum(2) * batch.mask).sum(1);
}

torch::Tensor NarFormerModelImpl::embed(const BatchTensors& batch) {
  const std::vector<torch::Tensor> layers = encoder_(batch.features, batch.adjacency);
  const torch::Tensor mask = batch.mask.unsqueeze(-1);  // (B, N, 1)
  // Padded rows are not zero after a block (biases), so every readout masks them out.
  auto node_sum = [&](const torch::Tensor& x) { return (x * mask).sum(1); };

  torch::Tensor g;
  switch (options_.readout) {
    case Readout::kSum:
    case Readout::kCost:
      g = node_sum(layers.back());
      break;
    case Readout::kMean:
      g = node_sum(layers.back()) / batch.mask.sum(1, /*keepdim=*/true);
      break;
    case Readout::kFusion: {
      const torch::Tensor counts = batch.mask.sum(1, /*keepdim=*/true);  // (B, 1)
      std::vector<torch::Tensor> means;
      means.reserve(layers.size());
      for (const auto& x : layers) means.push_back(node_sum(x) / counts);
      const torch::Tensor stacked = torch::stack(means, 1);  // (B, L, h)
      const torch::Tensor weights =
          torch::sigmoid(fuse_out_(torch::relu(fuse_hidden_(stacked.flatten(1)))));  // (B, L)
      g = (stacked * weights.unsqueeze(-1)).sum(1);
      break;
    }
  }
  if (static_branch_) {
    const torch::Tensor s = torch::relu(
        fast_dropout(static_branch_(batch.static_features), options_.dropout, is_training()));
    g = torch::cat({g, s}, 1);
  }
  return g;
}

torch::Tensor NarFormerModelImpl::forward(const BatchTensors& batch) {
  if (options_.readout == Readout::kCost) {
    const torch::Tensor nodes = encoder_(batch.features, batch.adjacency).back();
    return cost_readout(nodes, batch);
  }
  torch::Tensor z =
      fast_dropout(torch::relu(head1_(embed(batch))), options_.dropout, is_training());
  z = fast_dropout(torch::relu(head2_(z)), options_.dropout, is_training());
  z = head_out_(z);  // (B, heads)
  z = batch.head_index.defined() ? z.gather(1, batch.head_index.unsqueeze(1)).squeeze(1)
                                 : z.select(1, 0);
  const torch::Tensor out = torch::nn::functional::softplus(-z);  // = −log σ(z) > 0
  // model.prior: a correction of the fitted prior, 1 at z = 0.
  return batch.prior.defined() ? batch.prior * out / std::log(2.0) : out;
}

int64_t NarFormerModelImpl::parameter_count() const {
  int64_t count = 0;
  for (const auto& p : parameters()) count += p.numel();
  return count;
}

}  // namespace narformer
