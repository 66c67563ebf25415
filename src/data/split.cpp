#include "narformer/data/split.h"

#include <algorithm>
#include <numeric>
#include <random>

#include "narformer/config/config.h"
#include "narformer/core/error.h"

namespace narformer {

Split make_split(int64_t n, const DataConfig& config, uint64_t seed) {
  const int64_t n_train = config.n_train, n_val = config.n_val;
  if (n_train + n_val > n)
    throw DataError(with_file(config.path, "data.n_train (" + std::to_string(n_train) +
                                               ") + data.n_val (" + std::to_string(n_val) +
                                               ") exceed the " + std::to_string(n) +
                                               " items in the table"));
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  Split split;
  if (config.protocol == Protocol::kReference) {
    split.train.assign(order.begin(), order.begin() + n_train);
    split.val.assign(order.begin() + n_train, order.begin() + n_train + n_val);
    split.test = order;
    return split;
  }
  // holdout: a seeded Fisher-Yates with a fixed engine, so splits are identical across
  // platforms and standard libraries (std::shuffle's algorithm is implementation-defined).
  std::mt19937_64 engine(seed ^ 0x5851f42d4c957f2dULL);
  for (int64_t i = n - 1; i > 0; --i) {
    const int64_t j = static_cast<int64_t>(engine() % static_cast<uint64_t>(i + 1));
    std::swap(order[static_cast<size_t>(i)], order[static_cast<size_t>(j)]);
  }
  split.train.assign(order.begin(), order.begin() + n_train);
  split.val.assign(order.begin() + n_train, order.begin() + n_train + n_val);
  int64_t test_end = n;
  if (config.n_test > 0) test_end = std::min(n, n_train + n_val + config.n_test);
  split.test.assign(order.begin() + n_train + n_val, order.begin() + test_end);
  if (split.test.empty())
    throw DataError(with_file(
        config.path, "holdout protocol leaves no test items: lower data.n_train or data.n_val"));
  return split;
}

}  // namespace narformer
