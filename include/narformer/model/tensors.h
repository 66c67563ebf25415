#pragma once
// A padded batch as tensors on a device.

#include <torch/torch.h>

#include "narformer/data/batch.h"

namespace narformer {

struct BatchTensors {
  torch::Tensor features;         ///< (B, N, D)
  torch::Tensor adjacency;        ///< (B, N, N), symmetric 0/1, zero diagonal
  torch::Tensor mask;             ///< (B, N), 1 for real nodes
  torch::Tensor static_features;  ///< (B, S); undefined when S = 0
  torch::Tensor head_index;       ///< (B) int64; undefined = head 0 for every item
  torch::Tensor node_costs;       ///< (B, N, kNodeCostDims); undefined for cells
  torch::Tensor prior;            ///< (B); undefined = no priors (model.prior: none)
};

/// Wraps the buffers without copying on CPU (the tensors own the moved batch) and moves
/// them to `device` otherwise.
BatchTensors to_tensors(PaddedBatch&& batch, const torch::Device& device);

}  // namespace narformer
