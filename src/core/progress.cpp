#include "narformer/core/progress.h"

#include <cmath>
#include <cstdio>

namespace narformer {

double Progress::rate() const {
  const double s = elapsed_seconds();
  return s > 0 ? static_cast<double>(done_) / s : 0.0;
}

double Progress::eta_seconds() const {
  const double r = rate();
  if (r <= 0 || done_ >= total_) return 0.0;
  return static_cast<double>(total_ - done_) / r;
}

std::string format_duration(double seconds) {
  char buf[32];
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  if (seconds < 60) {
    std::snprintf(buf, sizeof buf, "%.1fs", seconds);
  } else if (seconds < 3600) {
    const int s = static_cast<int>(seconds + 0.5);
    std::snprintf(buf, sizeof buf, "%dm%02ds", s / 60, s % 60);
  } else {
    const int m = static_cast<int>(seconds / 60 + 0.5);
    std::snprintf(buf, sizeof buf, "%dh%02dm", m / 60, m % 60);
  }
  return buf;
}

}  // namespace narformer
