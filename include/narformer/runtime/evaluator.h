#pragma once
// Batched inference over token sequences.

#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "narformer/distributed/process_group.h"
#include "narformer/model/narformer_model.h"
#include "narformer/tokenize/token_sequence.h"

namespace narformer {

/// Predictions for `items`, in their order, from output head `heads[i]` (empty = head 0).
/// Runs in eval mode without gradients, in batches of up to `batch_size`, grouping items of
/// similar node count so padding stays small. Restores the model's training flag afterwards.
std::vector<double> predict(NarFormerModel& model, const std::vector<TokenPtr>& items,
                            const std::vector<int64_t>& heads, int64_t batch_size,
                            const torch::Device& device);

/// predict() shared out among the ranks of `group` (null or one rank: predict()): each rank
/// predicts a contiguous share of `items`, and every rank returns all predictions, in order.
std::vector<double> predict(NarFormerModel& model, const std::vector<TokenPtr>& items,
                            const std::vector<int64_t>& heads, int64_t batch_size,
                            const torch::Device& device, DataParallelGroup* group);

/// The graph representations (NarFormerModel::embed) of `items`, one row each, in order.
torch::Tensor embed(NarFormerModel& model, const std::vector<TokenPtr>& items, int64_t batch_size,
                    const torch::Device& device);

}  // namespace narformer
