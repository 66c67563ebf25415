#include "narformer/train/schedule.h"

#include <algorithm>

namespace narformer {

WarmupLinearSchedule::WarmupLinearSchedule(int64_t total_steps, double warmup_ratio)
    : total_steps_(total_steps), warmup_steps_(warmup_ratio * static_cast<double>(total_steps)) {}

double WarmupLinearSchedule::multiplier(int64_t step) const {
  const double s = static_cast<double>(step);
  if (s < warmup_steps_) return s / warmup_steps_;
  const double decay_span = static_cast<double>(total_steps_) - warmup_steps_;
  if (decay_span <= 0) return 0.0;
  return std::max(0.0, (static_cast<double>(total_steps_) - s) / decay_span);
}

}  // namespace narformer
