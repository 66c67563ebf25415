#include "narformer/data/epoch_order.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace narformer {

void shuffle_indices(std::vector<int64_t>& order, std::mt19937_64& engine) {
  for (size_t i = order.size(); i > 1; --i) {
    const size_t j = static_cast<size_t>(engine() % i);
    std::swap(order[i - 1], order[j]);
  }
}

std::vector<int64_t> batch_starts(std::vector<int64_t>& order, const std::vector<int>& sizes,
                                  int64_t batch_size, int64_t pool_batches,
                                  std::mt19937_64& engine) {
  if (batch_size <= 0) throw std::invalid_argument("batch_starts: batch_size must be positive");
  const auto n = static_cast<int64_t>(order.size());
  std::vector<int64_t> starts;
  for (int64_t begin = 0; begin < n; begin += batch_size) starts.push_back(begin);
  if (pool_batches <= 0) return starts;
  const int64_t pool = pool_batches * batch_size;
  for (int64_t begin = 0; begin < n; begin += pool) {
    std::stable_sort(order.begin() + begin, order.begin() + std::min(n, begin + pool),
                     [&](int64_t a, int64_t b) {
                       return sizes.at(static_cast<size_t>(a)) < sizes.at(static_cast<size_t>(b));
                     });
  }
  shuffle_indices(starts, engine);
  return starts;
}

}  // namespace narformer
