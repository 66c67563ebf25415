#pragma once
// Training losses (method.md §4.2). Predictions and targets are (R) tensors.
//
//   main         mean((ŷ / y − 1)²)                               relative squared error
//                or mean((ŷ − y)²), as the task's dataset declares (config/datasets.h)
//   ranking      mean(|(ŷ_i − ŷ_π(i)) − (y_i − y_π(i))|)          π: a random permutation
//   consistency  mean(|ŷ_aug − ŷ_orig|)                            isomorphic copies agree
//                or mean(|ŷ_aug − ŷ_orig| / |y|), relative to the label (train.consistency)

#include <torch/torch.h>

#include "narformer/config/datasets.h"

namespace narformer {

torch::Tensor relative_error_loss(const torch::Tensor& predictions, const torch::Tensor& targets);
torch::Tensor squared_error_loss(const torch::Tensor& predictions, const torch::Tensor& targets);
/// The main loss `kind` names.
torch::Tensor training_loss(TrainingLoss kind, const torch::Tensor& predictions,
                            const torch::Tensor& targets);
torch::Tensor ranking_loss(const torch::Tensor& predictions, const torch::Tensor& targets,
                           const torch::Tensor& permutation);
torch::Tensor consistency_loss(const torch::Tensor& original, const torch::Tensor& augmented);
torch::Tensor relative_consistency_loss(const torch::Tensor& original,
                                        const torch::Tensor& augmented,
                                        const torch::Tensor& targets);

}  // namespace narformer
