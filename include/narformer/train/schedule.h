#pragma once
// Learning-rate schedule stepped per iteration (method.md §4.3): linear warm-up from 0 over
// W = warmup_ratio · T steps, then linear decay to 0 at T. Step 0 uses lr 0.

#include <cstdint>

namespace narformer {

class WarmupLinearSchedule {
 public:
  WarmupLinearSchedule(int64_t total_steps, double warmup_ratio);
  /// Multiplier of the base learning rate at `step`.
  double multiplier(int64_t step) const;
  int64_t total_steps() const { return total_steps_; }

 private:
  int64_t total_steps_;
  double warmup_steps_;  // the real number warmup_ratio · T, not rounded
};

}  // namespace narformer
