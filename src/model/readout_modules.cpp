// The built-in readouts (model/readouts.h declares them).
#include "builtin_parts.h"
#include "narformer/model/init.h"

namespace narformer::builtin {

namespace {

/// Σ over real nodes (padded rows are not zero after a block: biases).
torch::Tensor node_sum(const torch::Tensor& x, const torch::Tensor& mask) {
  return (x * mask.unsqueeze(-1)).sum(1);
}

class SumReadout : public ReadoutModule {
 public:
  torch::Tensor pool(const std::vector<torch::Tensor>& layers, const torch::Tensor& mask) override {
    return node_sum(layers.back(), mask);
  }
};

class MeanReadout : public ReadoutModule {
 public:
  torch::Tensor pool(const std::vector<torch::Tensor>& layers, const torch::Tensor& mask) override {
    return node_sum(layers.back(), mask) / mask.sum(1, /*keepdim=*/true);
  }
};

/// Per-block node means m_l, weights w = σ(MLP([m_1..m_L])), h = Σ w_l m_l (method.md §3.6).
class FusionReadout : public ReadoutModule {
 public:
  FusionReadout(torch::nn::Module& model, const ModelOptions& o) {
    const int64_t lh = o.blocks * o.hidden;
    hidden_ = model.register_module("fuse_hidden", torch::nn::Linear(lh, lh / 4));
    out_ = model.register_module("fuse_out", torch::nn::Linear(lh / 4, o.blocks));
    init_linear_reference(hidden_);
    init_linear_reference(out_);
  }

  torch::Tensor pool(const std::vector<torch::Tensor>& layers, const torch::Tensor& mask) override {
    const torch::Tensor counts = mask.sum(1, /*keepdim=*/true);  // (B, 1)
    std::vector<torch::Tensor> means;
    means.reserve(layers.size());
    for (const auto& x : layers) means.push_back(node_sum(x, mask) / counts);
    const torch::Tensor stacked = torch::stack(means, 1);  // (B, L, h)
    const torch::Tensor weights =
        torch::sigmoid(out_(torch::relu(hidden_(stacked.flatten(1)))));  // (B, L)
    return (stacked * weights.unsqueeze(-1)).sum(1);
  }

 private:
  torch::nn::Linear hidden_{nullptr}, out_{nullptr};
};

}  // namespace

std::unique_ptr<ReadoutModule> make_fusion_readout(torch::nn::Module& model,
                                                   const ModelOptions& options) {
  return std::make_unique<FusionReadout>(model, options);
}

std::unique_ptr<ReadoutModule> make_mean_readout(torch::nn::Module&, const ModelOptions&) {
  return std::make_unique<MeanReadout>();
}

std::unique_ptr<ReadoutModule> make_sum_readout(torch::nn::Module&, const ModelOptions&) {
  return std::make_unique<SumReadout>();
}

}  // namespace narformer::builtin
