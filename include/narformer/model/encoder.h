#pragma once
// One encoder block (method.md §3.4) and the stack of them.
//
//   X = Dropout(ReLU(Attention(X, A)))             attention output replaces X (no residual)
//   X = X + γ ⊙ FFN(LayerNorm(X))                  residual, layer-scaled

#include <vector>

#include <torch/torch.h>

#include "narformer/model/attention.h"
#include "narformer/model/grouped_ffn.h"
#include "narformer/model/options.h"

namespace narformer {

class EncoderBlockImpl : public torch::nn::Module {
 public:
  EncoderBlockImpl(int64_t in_dim, const ModelOptions& options);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& adjacency,
                        const torch::Tensor& degree);

 private:
  double dropout_;
  GraphAttention attention_{nullptr};
  torch::nn::LayerNorm norm_{nullptr};
  GroupedFeedForward ffn_{nullptr};
  torch::Tensor layer_scale_;
};
TORCH_MODULE(EncoderBlock);

class EncoderImpl : public torch::nn::Module {
 public:
  explicit EncoderImpl(const ModelOptions& options);
  /// Runs all blocks; returns the output of every block, in order (each (B, N, hidden)).
  std::vector<torch::Tensor> forward(const torch::Tensor& x, const torch::Tensor& adjacency);

 private:
  std::vector<EncoderBlock> blocks_;
};
TORCH_MODULE(Encoder);

}  // namespace narformer
