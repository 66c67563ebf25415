#include "narformer/model/tensors.h"

#include <memory>

namespace narformer {

BatchTensors to_tensors(PaddedBatch&& batch, const torch::Device& device) {
  auto owner = std::make_shared<PaddedBatch>(std::move(batch));
  const int64_t B = owner->batch_size, N = owner->max_nodes, D = owner->feature_dim,
                S = owner->static_dim;
  auto wrap = [&](std::vector<float>& buffer, torch::IntArrayRef sizes) {
    // The deleter keeps the whole batch alive as long as any of its tensors lives.
    torch::Tensor t = torch::from_blob(
        buffer.data(), sizes, [owner](void*) {}, torch::kFloat32);
    return device.is_cpu() ? t : t.to(device, /*non_blocking=*/false);
  };
  BatchTensors tensors;
  tensors.features = wrap(owner->features, {B, N, D});
  tensors.adjacency = wrap(owner->adjacency, {B, N, N});
  tensors.mask = wrap(owner->mask, {B, N});
  if (S > 0) tensors.static_features = wrap(owner->static_features, {B, S});
  if (!owner->node_costs.empty())
    tensors.node_costs = wrap(owner->node_costs, {B, N, kNodeCostDims});
  if (!owner->prior.empty()) tensors.prior = wrap(owner->prior, {B});
  if (!owner->head_index.empty()) {
    torch::Tensor heads = torch::from_blob(
        owner->head_index.data(), {B}, [owner](void*) {}, torch::kInt64);
    tensors.head_index = device.is_cpu() ? heads : heads.to(device);
  }
  return tensors;
}

}  // namespace narformer
