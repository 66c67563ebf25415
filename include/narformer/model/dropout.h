#pragma once
// Dropout whose mask is drawn by a counter-based generator, in parallel, on CPU.
//
// LibTorch 1.13's CPU dropout draws its Bernoulli mask serially from the Mersenne twister:
// ~10 ms of a 62 ms NB201 training step on 2 cores. Here one 64-bit seed is drawn from
// LibTorch's default generator per call (so torch::manual_seed and the saved generator state
// still fix every mask), and element i keeps its value when splitmix64(seed, i) ≥ p·2^24.
// Masks therefore do not depend on the thread count. On other devices: LibTorch's dropout.

#include <torch/torch.h>

namespace narformer {

/// x · mask / (1 − p) in training mode, x otherwise.
torch::Tensor fast_dropout(const torch::Tensor& x, double p, bool training);

}  // namespace narformer
