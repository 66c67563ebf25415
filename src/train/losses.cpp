#include "narformer/train/losses.h"

#include <stdexcept>

namespace narformer {

torch::Tensor relative_error_loss(const torch::Tensor& predictions, const torch::Tensor& targets) {
  return (predictions / targets - 1).pow(2).mean();
}

torch::Tensor squared_error_loss(const torch::Tensor& predictions, const torch::Tensor& targets) {
  return (predictions - targets).pow(2).mean();
}

torch::Tensor training_loss(TrainingLoss kind, const torch::Tensor& predictions,
                            const torch::Tensor& targets) {
  switch (kind) {
    case TrainingLoss::kRelativeError:
      return relative_error_loss(predictions, targets);
    case TrainingLoss::kSquaredError:
      return squared_error_loss(predictions, targets);
  }
  throw std::logic_error("unknown TrainingLoss");
}

torch::Tensor ranking_loss(const torch::Tensor& predictions, const torch::Tensor& targets,
                           const torch::Tensor& permutation) {
  const torch::Tensor predicted_gaps = predictions - predictions.index_select(0, permutation);
  const torch::Tensor true_gaps = targets - targets.index_select(0, permutation);
  return (predicted_gaps - true_gaps).abs().mean();
}

torch::Tensor consistency_loss(const torch::Tensor& original, const torch::Tensor& augmented) {
  return (augmented - original).abs().mean();
}

torch::Tensor relative_consistency_loss(const torch::Tensor& original,
                                        const torch::Tensor& augmented,
                                        const torch::Tensor& targets) {
  return ((augmented - original) / targets).abs().mean();
}

}  // namespace narformer
