#include "narformer/eval/kendall_tau.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <stdexcept>

namespace narformer {

namespace {

/// Number of pairs tied within runs of equal values in a sorted sequence.
template <typename Equal>
int64_t tied_pairs(size_t n, Equal equal) {
  int64_t ties = 0, run = 1;
  for (size_t i = 1; i < n; ++i) {
    if (equal(i - 1, i)) {
      ++run;
    } else {
      ties += run * (run - 1) / 2;
      run = 1;
    }
  }
  return ties + run * (run - 1) / 2;
}

/// Sorts `v` and returns the number of inversions (pairs i < j with v[i] > v[j]).
int64_t merge_count_inversions(std::vector<double>& v, std::vector<double>& buffer) {
  const size_t n = v.size();
  int64_t swaps = 0;
  for (size_t width = 1; width < n; width *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * width) {
      const size_t mid = std::min(lo + width, n), hi = std::min(lo + 2 * width, n);
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        if (v[j] < v[i]) {
          buffer[k++] = v[j++];
          swaps += static_cast<int64_t>(mid - i);
        } else {
          buffer[k++] = v[i++];
        }
      }
      while (i < mid) buffer[k++] = v[i++];
      while (j < hi) buffer[k++] = v[j++];
    }
    v.swap(buffer);
  }
  return swaps;
}

}  // namespace

double kendall_tau(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() != y.size()) throw std::invalid_argument("kendall_tau: sequences differ in length");
  const size_t n = x.size();
  if (n < 2) return std::nan("");

  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return x[a] < x[b] || (x[a] == x[b] && y[a] < y[b]); });
  std::vector<double> xs(n), ys(n);
  for (size_t i = 0; i < n; ++i) xs[i] = x[order[i]], ys[i] = y[order[i]];

  const int64_t x_ties = tied_pairs(n, [&](size_t a, size_t b) { return xs[a] == xs[b]; });
  const int64_t joint_ties =
      tied_pairs(n, [&](size_t a, size_t b) { return xs[a] == xs[b] && ys[a] == ys[b]; });
  std::vector<double> buffer(n);
  const int64_t swaps = merge_count_inversions(ys, buffer);  // ys is now sorted
  const int64_t y_ties = tied_pairs(n, [&](size_t a, size_t b) { return ys[a] == ys[b]; });

  const int64_t pairs = static_cast<int64_t>(n) * (static_cast<int64_t>(n) - 1) / 2;
  const double concordant_minus_discordant =
      static_cast<double>(pairs - x_ties - y_ties + joint_ties) - 2.0 * static_cast<double>(swaps);
  const double denominator = std::sqrt(static_cast<double>(pairs - x_ties)) *
                             std::sqrt(static_cast<double>(pairs - y_ties));
  if (denominator == 0) return std::nan("");
  return concordant_minus_discordant / denominator;
}

}  // namespace narformer
