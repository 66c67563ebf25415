#pragma once
// Train / validation / test splits of a table of `n` items (method.md §4.4, §6 items 2-4).
//
//   reference: train = first n_train in file order, validation = the next n_val,
//              test = ALL items (train and validation included), as published.
//   holdout:   a seeded random permutation; train = first n_train, validation = next n_val,
//              test = the rest (or n_test of it). Test is never used for model selection.

#include <cstdint>
#include <string>
#include <vector>

namespace narformer {

struct DataConfig;

struct Split {
  std::vector<int64_t> train;
  std::vector<int64_t> val;
  std::vector<int64_t> test;
};

/// Throws DataError when a split would be empty or train + validation exceed n.
Split make_split(int64_t n, const DataConfig& config, uint64_t seed);

enum class SplitPart { kTrain, kValidation, kTest };

/// The items of `part`. With `validation_on_test` (eval.selection_split: test, the published
/// protocols) the validation part is the test split.
inline const std::vector<int64_t>& split_items(const Split& split, SplitPart part,
                                               bool validation_on_test) {
  if (part == SplitPart::kTrain) return split.train;
  return part == SplitPart::kTest || validation_on_test ? split.test : split.val;
}

}  // namespace narformer
