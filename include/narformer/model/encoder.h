#pragma once
// One encoder block (method.md §3.4) and the stack of them.
//
//   X = Dropout(ReLU(Attention(X, A)))             attention output replaces X (no residual)
//   X = X + γ ⊙ FFN(LayerNorm(X))                  residual, layer-scaled
//
// The stack runs on the padded batch or on its real nodes only (model/packed_nodes.h,
// model.packing); its outputs are padded either way.

#include <vector>

#include <torch/torch.h>

#include "narformer/model/attention.h"
#include "narformer/model/grouped_ffn.h"
#include "narformer/model/options.h"

namespace narformer {

class EncoderBlockImpl : public torch::nn::Module {
 public:
  EncoderBlockImpl(int64_t in_dim, const ModelOptions& options);
  /// x and degree in the layout of `graphs` (attention.h).
  torch::Tensor forward(const torch::Tensor& x, const Neighbourhoods& graphs,
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
  /// x: (B, N, in), adjacency: (B, N, N), mask: (B, N). Runs all blocks; returns the output
  /// of every block, in order (each (B, N, hidden); zero at padded nodes when packed).
  std::vector<torch::Tensor> forward(const torch::Tensor& x, const torch::Tensor& adjacency,
                                     const torch::Tensor& mask);

  NodePacking packing = NodePacking::kAuto;  ///< model.packing; benchmarks and tests set it

 private:
  std::vector<torch::Tensor> run_blocks(const torch::Tensor& x, const Neighbourhoods& graphs,
                                        const torch::Tensor& degree);

  std::vector<EncoderBlock> blocks_;
};
TORCH_MODULE(Encoder);

}  // namespace narformer
