#pragma once
// Grouped feed-forward network (method.md §3.3).
//
//   FFN(x) = Dropout(GLT_down(Dropout(ReLU(GLT_up(x)))))
//   GLT(in → out, g groups): chunk k of the input (in/g values) gets its own matrix
//   W_k ∈ R^{(in/g) × (out/g)} and bias, then a LayerNorm over out/g shared by all groups.
//
// Without channel shuffle chunk k of the output depends only on chunk k of the input, so the
// FFN runs as g independent sub-networks: we keep the (g, tokens, ·) layout from GLT_up to
// GLT_down and transpose only once in and once out.

#include <torch/torch.h>

namespace narformer {

class GroupedLinearImpl : public torch::nn::Module {
 public:
  GroupedLinearImpl(int64_t in_dim, int64_t out_dim, int64_t groups);
  /// x: (groups, M, in/groups) -> (groups, M, out/groups), LayerNorm applied.
  torch::Tensor forward(const torch::Tensor& x);

  torch::Tensor weight;  ///< (groups, in/groups, out/groups)
  torch::Tensor bias;    ///< (groups, 1, out/groups)

 private:
  torch::nn::LayerNorm norm_{nullptr};
};
TORCH_MODULE(GroupedLinear);

class GroupedFeedForwardImpl : public torch::nn::Module {
 public:
  GroupedFeedForwardImpl(int64_t dim, int64_t hidden, int64_t groups, double dropout);
  /// x: (..., dim) -> (..., dim)
  torch::Tensor forward(const torch::Tensor& x);

 private:
  int64_t dim_, groups_;
  double dropout_;
  GroupedLinear up_{nullptr};
  GroupedLinear down_{nullptr};
};
TORCH_MODULE(GroupedFeedForward);

}  // namespace narformer
