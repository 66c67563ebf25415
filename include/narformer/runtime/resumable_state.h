#pragma once
// What a checkpoint stores beside the model so that training resumes exactly: the optimiser's
// moments and step count. The trainer's optimiser implements it (train/fused_adam.h); the
// runtime layer, below training, knows only this interface.

#include <torch/torch.h>

namespace narformer {

class ResumableState {
 public:
  virtual ~ResumableState() = default;
  virtual void save(torch::serialize::OutputArchive& archive) const = 0;
  /// Throws RunError when the stored state does not fit (other parameter counts or shapes).
  virtual void load(torch::serialize::InputArchive& archive) = 0;
};

}  // namespace narformer
