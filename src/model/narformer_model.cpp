#include "narformer/model/narformer_model.h"

#include "narformer/core/error.h"

namespace narformer {

NarFormerModelImpl::NarFormerModelImpl(const ModelOptions& options) : options_(options) {
  encoder_ = register_module("encoder", Encoder(options));
  // Creation order (encoder, readout, head) fixes the initialisation's random draws.
  readout_ = make_readout_module(*options.readout, *this, options);
  head_ = make_head_module(*options.readout->head, *this, options);
}

int64_t NarFormerModelImpl::embedding_dim() const {
  return options_.readout->head->embedding_dim(options_);
}

void NarFormerModelImpl::set_cost_rates(const std::vector<CostRates>& rates) {
  auto* cost_head = dynamic_cast<NodeCostHead*>(head_.get());
  if (!cost_head) throw ConfigError("set_cost_rates: the model's readout is not cost");
  cost_head->set_rates(rates);
}

std::vector<CostRates> NarFormerModelImpl::cost_rates() const {
  const auto* cost_head = dynamic_cast<const NodeCostHead*>(head_.get());
  return cost_head ? cost_head->rates() : std::vector<CostRates>{};
}

torch::Tensor NarFormerModelImpl::embed(const BatchTensors& batch) {
  const std::vector<torch::Tensor> layers = encoder_(batch.features, batch.adjacency, batch.mask);
  return head_->represent(readout_->pool(layers, batch.mask), batch, is_training());
}

torch::Tensor NarFormerModelImpl::forward(const BatchTensors& batch) {
  const std::vector<torch::Tensor> layers = encoder_(batch.features, batch.adjacency, batch.mask);
  const torch::Tensor representation =
      head_->represent(readout_->pool(layers, batch.mask), batch, is_training());
  return head_->predict(representation, layers.back(), batch, is_training());
}

int64_t NarFormerModelImpl::parameter_count() const {
  int64_t count = 0;
  for (const auto& p : parameters()) count += p.numel();
  return count;
}

}  // namespace narformer
