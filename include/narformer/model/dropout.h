#pragma once
// Dropout whose mask is drawn by a counter-based generator, in parallel, on CPU.
//
// LibTorch 1.13's CPU dropout draws its Bernoulli mask serially from the Mersenne twister:
// ~10 ms of a 62 ms NB201 training step on 2 cores. Here one 64-bit seed is drawn from
// LibTorch's default generator per call (so torch::manual_seed and the saved generator state
// still fix every mask), and element i keeps its value when splitmix64(seed, i) ≥ p·2^24.
// Masks therefore do not depend on the thread count. On other devices: LibTorch's dropout.
//
// Data-parallel training computes a shard of each batch per rank; a ScopedBatchRows tells the
// masks where the shard's rows sit in the whole batch, so that every sample gets the mask the
// single-process run gives it (padded to the same node count), whichever rank computes it.

#include <cstdint>
#include <vector>

#include <torch/torch.h>

namespace narformer {

/// The rows of the batch being computed, as positions in the whole (global) batch.
struct BatchRows {
  std::vector<int64_t> positions;  ///< global row of each local row
  int64_t global_rows = 0;         ///< rows of the whole batch
};

/// Makes fast_dropout on this thread index its masks by BatchRows while alive. Without one,
/// local row b is global row b of a batch of this size.
class ScopedBatchRows {
 public:
  explicit ScopedBatchRows(BatchRows rows);
  ~ScopedBatchRows();
  ScopedBatchRows(const ScopedBatchRows&) = delete;
  ScopedBatchRows& operator=(const ScopedBatchRows&) = delete;

 private:
  const BatchRows* previous_;
  BatchRows rows_;
};

/// The rows set by the innermost live ScopedBatchRows on this thread; null without one.
const BatchRows* current_batch_rows();

/// x · mask / (1 − p) in training mode, x otherwise. Dimension `batch_dim` of x holds the
/// batch's rows, each as one or more consecutive entries (a flattened (rows, nodes) axis).
torch::Tensor fast_dropout(const torch::Tensor& x, double p, bool training, int64_t batch_dim = 0);

}  // namespace narformer
