#pragma once
// The order in which a training epoch visits its samples, batch by batch.
//
//   std::mt19937_64 engine(seed);
//   shuffle_indices(order, engine);                                   // a seeded permutation
//   auto starts = batch_starts(order, sizes, 16, 32, engine);         // length-bucketed batches
//   for (int64_t s : starts) train_on(order[s .. min(s + 16, n))]);
//
// Length buckets: graphs of 20 and 370 nodes in one batch pad to 370, so random batches of
// ONNX graphs spend most of their work on padding. Sorting each pool of `pool_batches`
// consecutive batches of the shuffled order by size, then shuffling the batches, keeps batches
// random in which graphs meet while their sizes agree (2x faster latency training here).
// Our own Fisher-Yates: the same seed gives the same order with every standard library.
#include <cstdint>
#include <random>
#include <vector>

namespace narformer {

/// Shuffles `order` in place (Fisher-Yates driven by `engine`).
void shuffle_indices(std::vector<int64_t>& order, std::mt19937_64& engine);

/// First position in `order` of each batch of `batch_size`, in training order (the last batch
/// may be short). `pool_batches` <= 0: batches in order, `order` untouched. Otherwise `order`
/// is stably sorted by `sizes[order[i]]` within pools of pool_batches * batch_size positions and
/// the batch starts are shuffled.
std::vector<int64_t> batch_starts(std::vector<int64_t>& order, const std::vector<int>& sizes,
                                  int64_t batch_size, int64_t pool_batches,
                                  std::mt19937_64& engine);

}  // namespace narformer
