#pragma once
// The NAR-Former V2 predictor: encoder, then a readout and its head (model/readouts.h declares
// each; model/model_parts.h implements them).
//
//   cells   (readout fusion): per-block node means m_l, weights w = σ(MLP([m_1..m_L])),
//            h = Σ w_l m_l  (method.md §3.6)
//   latency (readout sum):   h = [Σ_i X_i ; ReLU(Dropout(Linear(static)))]  (method.md §3.5)
//   graph MLP head: Linear → ReLU → Dropout → Linear → ReLU → Dropout → Linear = z;
//            ŷ = softplus(−z)
//   cost (ours): ŷ = Σ_i Σ_c r_c · softplus(z_ic)/log 2 · cost_ic,
//            z_i = MLP([X_i ; log(1+100·cost_i)]), r = the linear cost model fitted on the
//            training set (set_cost_rates), no static branch and no graph head; embed() is Σ_i X_i.
//   With num_heads > 1 the last Linear has one output per platform and batch.head_index picks
//   each item's (NNLQP multi-platform); the encoder and the rest of the head are shared.

#include <memory>

#include <torch/torch.h>

#include "narformer/model/cost_prior.h"
#include "narformer/model/encoder.h"
#include "narformer/model/model_parts.h"
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
  /// Cost readout: the fitted linear rates per head (model/cost_prior.h). Saved with the
  /// weights (a buffer), so a loaded model needs no data. ConfigError for other readouts.
  void set_cost_rates(const std::vector<CostRates>& rates);
  /// The rates per head (cost readout only; empty otherwise).
  std::vector<CostRates> cost_rates() const;

  const ModelOptions& options() const { return options_; }
  /// Number of trainable scalars.
  int64_t parameter_count() const;

 private:
  ModelOptions options_;
  Encoder encoder_{nullptr};
  std::shared_ptr<ReadoutModule> readout_;
  std::shared_ptr<HeadModule> head_;
};
TORCH_MODULE(NarFormerModel);

}  // namespace narformer
