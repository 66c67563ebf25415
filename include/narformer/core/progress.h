#pragma once
// Rate and ETA for long work (epochs, tokenizing thousands of files).

#include <chrono>
#include <cstdint>
#include <string>

namespace narformer {

class Stopwatch {
 public:
  Stopwatch() : start_(Clock::now()) {}
  void reset() { start_ = Clock::now(); }
  double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

 private:
  using Clock = std::chrono::steady_clock;
  Clock::time_point start_;
};

/// Tracks done/total units of work and reports rate (units/s) and remaining time.
class Progress {
 public:
  explicit Progress(int64_t total) : total_(total) {}
  void advance(int64_t units = 1) { done_ += units; }
  void set_done(int64_t done) { done_ = done; }
  int64_t done() const { return done_; }
  int64_t total() const { return total_; }
  double elapsed_seconds() const { return clock_.seconds(); }
  /// Units per second since construction (0 before any work).
  double rate() const;
  /// Seconds until total at the current rate (0 when done or unknown).
  double eta_seconds() const;

 private:
  int64_t total_;
  int64_t done_ = 0;
  Stopwatch clock_;
};

/// "1h02m", "3m05s", "12.3s".
std::string format_duration(double seconds);

}  // namespace narformer
