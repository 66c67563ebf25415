#pragma once
// Splits of latency records (method.md §4.4), always with a validation split carved from the
// training pool so model selection never sees test data (unless eval.selection_split: test,
// which reproduces the published NNLQP tables):
//
//   stage             test = lines marked `test`; pool = lines marked `train`
//   leave_family_out  test = every line of data.test_family; pool = the other families
//   holdout           a seeded random test set of data.n_test lines (0: 10 %); pool = the rest
//   all               every line trains: a predictor to ship (pretrained/), whose out-of-sample
//                     figures come from another protocol's runs. Validation is a seeded
//                     data.val_fraction of the training lines themselves and the test split is
//                     that validation split, so both report in-sample figures.
//
// validation = a seeded data.val_fraction of the pool, train = the rest of the pool, then at
// most data.train_limit training lines (a seeded subset; for few-shot transfer).

#include <cstdint>
#include <vector>

#include "narformer/data/latency_table.h"
#include "narformer/data/split.h"

namespace narformer {

struct DataConfig;

/// Throws DataError (naming data.path) when a split comes out empty, e.g. a test family that
/// does not occur or a file without stage column under protocol stage.
Split make_latency_split(const std::vector<LatencyRecord>& records, const DataConfig& config,
                         uint64_t seed);

}  // namespace narformer
