#include "narformer/data/latency_split.h"

#include <algorithm>
#include <random>

#include "narformer/config/config.h"
#include "narformer/core/error.h"

namespace narformer {

namespace {

/// Fisher-Yates with a fixed engine: the same split on every platform.
void seeded_shuffle(std::vector<int64_t>& items, uint64_t seed) {
  std::mt19937_64 engine(seed);
  for (size_t i = items.size(); i > 1; --i)
    std::swap(items[i - 1], items[static_cast<size_t>(engine() % i)]);
}

}  // namespace

Split make_latency_split(const std::vector<LatencyRecord>& records, const DataConfig& config,
                         uint64_t seed) {
  auto fail = [&](const std::string& why) { throw DataError(with_file(config.path, why)); };
  std::vector<int64_t> pool;
  Split split;
  const int64_t n = static_cast<int64_t>(records.size());
  if (config.protocol == Protocol::kStage) {
    for (int64_t i = 0; i < n; ++i) {
      const std::string& stage = records[static_cast<size_t>(i)].stage;
      if (stage.empty())
        fail("line " + std::to_string(records[static_cast<size_t>(i)].line) +
             " has no stage column, which data.protocol stage needs");
      (stage == "test" ? split.test : pool).push_back(i);
    }
  } else if (config.protocol == Protocol::kLeaveFamilyOut) {
    for (int64_t i = 0; i < n; ++i)
      (records[static_cast<size_t>(i)].family == config.test_family ? split.test : pool)
          .push_back(i);
    if (split.test.empty())
      fail("data.test_family '" + config.test_family + "' does not occur in the data");
  } else if (config.protocol == Protocol::kAll) {
    std::vector<int64_t> order(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) order[static_cast<size_t>(i)] = i;
    split.train = order;
    seeded_shuffle(order, seed ^ 0x5a11ULL);
    const int64_t n_val =
        std::max<int64_t>(1, static_cast<int64_t>(config.val_fraction * static_cast<double>(n)));
    split.val.assign(order.begin(), order.begin() + std::min(n_val, n));
    std::sort(split.val.begin(), split.val.end());
    split.test = split.val;
    if (split.train.empty()) fail("the training split is empty");
    return split;
  } else {  // holdout
    std::vector<int64_t> order(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) order[static_cast<size_t>(i)] = i;
    seeded_shuffle(order, seed ^ 0x7e57ULL);
    const int64_t n_test = config.n_test > 0 ? std::min(config.n_test, n) : n / 10;
    split.test.assign(order.begin(), order.begin() + n_test);
    pool.assign(order.begin() + n_test, order.end());
    std::sort(split.test.begin(), split.test.end());
  }
  if (split.test.empty()) fail("the test split is empty");

  seeded_shuffle(pool, seed ^ 0x5a11ULL);
  const int64_t n_val =
      static_cast<int64_t>(config.val_fraction * static_cast<double>(pool.size()) + 0.5);
  split.val.assign(pool.begin(), pool.begin() + n_val);
  split.train.assign(pool.begin() + n_val, pool.end());
  if (config.train_limit > 0 && static_cast<int64_t>(split.train.size()) > config.train_limit)
    split.train.resize(static_cast<size_t>(config.train_limit));  // already a seeded random order
  std::sort(split.train.begin(), split.train.end());
  std::sort(split.val.begin(), split.val.end());
  if (split.train.empty()) fail("the training split is empty");
  if (split.val.empty()) fail("the validation split is empty: raise data.val_fraction");
  return split;
}

}  // namespace narformer
