#include "narformer/model/grouped_ffn.h"

#include "narformer/model/dropout.h"

namespace narformer {

GroupedLinearImpl::GroupedLinearImpl(int64_t in_dim, int64_t out_dim, int64_t groups) {
  weight = register_parameter("weight", torch::empty({groups, in_dim / groups, out_dim / groups}));
  bias = register_parameter("bias", torch::zeros({groups, 1, out_dim / groups}));
  norm_ = register_module("norm",
                          torch::nn::LayerNorm(torch::nn::LayerNormOptions({out_dim / groups})));
  // Xavier on the 3-D tensor: fan_in = (in/g)(out/g), fan_out = g(out/g) (method.md §3.7).
  torch::NoGradGuard no_grad;
  torch::nn::init::xavier_uniform_(weight);
}

torch::Tensor GroupedLinearImpl::forward(const torch::Tensor& x) {
  return norm_(torch::baddbmm(bias, x, weight));
}

GroupedFeedForwardImpl::GroupedFeedForwardImpl(int64_t dim, int64_t hidden, int64_t groups,
                                               double dropout)
    : dim_(dim), groups_(groups), dropout_(dropout) {
  up_ = register_module("up", GroupedLinear(dim, hidden, groups));
  down_ = register_module("down", GroupedLinear(hidden, dim, groups));
}

torch::Tensor GroupedFeedForwardImpl::forward(const torch::Tensor& x) {
  const auto sizes = x.sizes().vec();
  const int64_t tokens = x.numel() / dim_;
  // (tokens, dim) -> (groups, tokens, dim/groups)
  torch::Tensor h = x.reshape({tokens, groups_, dim_ / groups_}).transpose(0, 1);
  // Dimension 1 is (rows, nodes) flattened: the batch rows for the masks (dropout.h).
  h = fast_dropout(torch::relu(up_(h)), dropout_, is_training(), /*batch_dim=*/1);
  h = fast_dropout(down_(h), dropout_, is_training(), /*batch_dim=*/1);
  return h.transpose(0, 1).reshape(sizes);
}

}  // namespace narformer
