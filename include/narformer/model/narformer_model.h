#pragma once
// The NAR-Former V2 predictor: encoder, readout, optional static-feature branch, head.
//
//   cells   (readout fusion): per-block node means m_l, weights w = σ(MLP([m_1..m_L])),
//            h = Σ w_l m_l  (method.md §3.6)
//   latency (readout sum):   h = [Σ_i X_i ; ReLU(Dropout(Linear(static)))]  (method.md §3.5)
//   head: Linear → ReLU → Dropout → Linear → ReLU → Dropout → Linear = z;  ŷ = softplus(−z)
//   With num_heads > 1 the last Linear has one output per platform and batch.head_index picks
//   each item's (NNLQP multi-platform); the encoder and the rest of the head are shared.

#include <torch/torch.h>

#include "narformer/model/encoder.h"
#include "narformer/model/options.h"
#include "narformer/model/tensors.h"

namespace narformer {

class NarFormerModelImpl : public torch::nn::Module {
 public:
  explicit NarFormerModelImpl(const ModelOptions& options);

  /// Positive predictions, shape (B), from head batch.head_index (head 0 when undefined).
  torch::Tensor forward(const BatchTensors& batch);
  /// The graph representation fed to the head, shape (B, embedding_dim()).
  torch::Tensor embed(const BatchTensors& batch);
  int64_t embedding_dim() const;

  const ModelOptions& options() const { return options_; }
  /// Number of trainable scalars.
  int64_t parameter_count() const;

 private:
  ModelOptions options_;
  Encoder encoder_{nullptr};
  torch::nn::Linear fuse_hidden_{nullptr}, fuse_out_{nullptr};
  torch::nn::Linear static_branch_{nullptr};
  torch::nn::Linear head1_{nullptr}, head2_{nullptr}, head_out_{nullptr};
};
TORCH_MODULE(NarFormerModel);

}  // namespace narformer
