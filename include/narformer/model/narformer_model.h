#pragma once
// The NAR-Former V2 predictor: encoder, readout, optional static-feature branch, head.
//
//   cells   (readout fusion): per-block node means m_l, weights w = σ(MLP([m_1..m_L])),
//            h = Σ w_l m_l  (method.md §3.6)
//   latency (readout sum):   h = [Σ_i X_i ; ReLU(Dropout(Linear(static)))]  (method.md §3.5)
//   head: Linear → ReLU → Dropout → Linear → ReLU → Dropout → Linear = z;  ŷ = softplus(−z)
//   cost (ours): ŷ = Σ_i Σ_c r_c · softplus(z_ic)/log 2 · cost_ic, z_i = MLP([X_i ;
//   log(1+100·cost_i)]),
//            r = the linear cost model fitted on the training set (set_cost_rates), no static
//            branch and no graph head; embed() is Σ_i X_i.
//   With num_heads > 1 the last Linear has one output per platform and batch.head_index picks
//   each item's (NNLQP multi-platform); the encoder and the rest of the head are shared.

#include <torch/torch.h>

#include "narformer/model/cost_prior.h"
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
  /// Cost readout: the fitted linear rates per head (data/cost_prior.h). Saved with the
  /// weights (a buffer), so a loaded model needs no data.
  void set_cost_rates(const std::vector<CostRates>& rates);
  /// The rates per head (cost readout only; empty otherwise).
  std::vector<CostRates> cost_rates() const;

  const ModelOptions& options() const { return options_; }
  /// Number of trainable scalars.
  int64_t parameter_count() const;

 private:
  torch::Tensor cost_readout(const torch::Tensor& nodes, const BatchTensors& batch);

  ModelOptions options_;
  Encoder encoder_{nullptr};
  torch::nn::Linear fuse_hidden_{nullptr}, fuse_out_{nullptr};
  torch::nn::Linear static_branch_{nullptr};
  torch::nn::Linear head1_{nullptr}, head2_{nullptr}, head_out_{nullptr};
  torch::nn::Linear node_rate_hidden_{nullptr}, node_rate_out_{nullptr};
  torch::Tensor cost_rates_;  // (heads, kNodeCostDims)
};
TORCH_MODULE(NarFormerModel);

}  // namespace narformer
