#include "narformer/model/narformer_model.h"

#include "narformer/model/dropout.h"

#include "narformer/config/config.h"
#include "narformer/core/error.h"
#include "narformer/model/init.h"

namespace narformer {

Readout parse_readout(const std::string& name) {
  if (name == "fusion") return Readout::kFusion;
  if (name == "mean") return Readout::kMean;
  if (name == "sum") return Readout::kSum;
  throw ConfigError("unknown readout '" + name + "' (expected fusion, mean or sum)");
}

ModelOptions ModelOptions::nnlqp_latency() {
  ModelOptions o;
  o.input_dim = 152;
  o.static_dim = 40;
  o.blocks = 2;
  o.readout = Readout::kSum;
  return o;
}

ModelOptions ModelOptions::from_config(const ModelConfig& config, int64_t input_dim, int64_t static_dim) {
  ModelOptions o;
  o.input_dim = input_dim;
  o.static_dim = static_dim;
  o.hidden = config.hidden;
  o.blocks = config.blocks;
  o.ffn_hidden = config.ffn_hidden;
  o.ffn_groups = config.ffn_groups;
  o.dropout = config.dropout;
  o.use_degree = config.use_degree;
  o.layer_scale_init = config.layer_scale_init;
  o.readout = parse_readout(config.readout);
  return o;
}

NarFormerModelImpl::NarFormerModelImpl(const ModelOptions& options) : options_(options) {
  encoder_ = register_module("encoder", Encoder(options));
  const int64_t h = options.hidden, L = options.blocks;
  if (options.readout == Readout::kFusion) {
    fuse_hidden_ = register_module("fuse_hidden", torch::nn::Linear(L * h, L * h / 4));
    fuse_out_ = register_module("fuse_out", torch::nn::Linear(L * h / 4, L));
    init_linear_reference(fuse_hidden_);
    init_linear_reference(fuse_out_);
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
}

int64_t NarFormerModelImpl::embedding_dim() const {
  return options_.static_dim > 0 ? 2 * options_.hidden : options_.hidden;
}

torch::Tensor NarFormerModelImpl::embed(const BatchTensors& batch) {
  const std::vector<torch::Tensor> layers = encoder_(batch.features, batch.adjacency);
  const torch::Tensor mask = batch.mask.unsqueeze(-1);          // (B, N, 1)
  // Padded rows are not zero after a block (biases), so every readout masks them out.
  auto node_sum = [&](const torch::Tensor& x) { return (x * mask).sum(1); };

  torch::Tensor g;
  switch (options_.readout) {
    case Readout::kSum:
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
      const torch::Tensor stacked = torch::stack(means, 1);             // (B, L, h)
      const torch::Tensor weights =
          torch::sigmoid(fuse_out_(torch::relu(fuse_hidden_(stacked.flatten(1)))));  // (B, L)
      g = (stacked * weights.unsqueeze(-1)).sum(1);
      break;
    }
  }
  if (options_.static_dim > 0) {
    const torch::Tensor s = torch::relu(
        fast_dropout(static_branch_(batch.static_features), options_.dropout, is_training()));
    g = torch::cat({g, s}, 1);
  }
  return g;
}

torch::Tensor NarFormerModelImpl::forward(const BatchTensors& batch) {
  torch::Tensor z = fast_dropout(torch::relu(head1_(embed(batch))), options_.dropout, is_training());
  z = fast_dropout(torch::relu(head2_(z)), options_.dropout, is_training());
  z = head_out_(z);  // (B, heads)
  z = batch.head_index.defined() ? z.gather(1, batch.head_index.unsqueeze(1)).squeeze(1) : z.select(1, 0);
  return torch::nn::functional::softplus(-z);  // = −log σ(z) > 0
}

int64_t NarFormerModelImpl::parameter_count() const {
  int64_t count = 0;
  for (const auto& p : parameters()) count += p.numel();
  return count;
}

}  // namespace narformer
