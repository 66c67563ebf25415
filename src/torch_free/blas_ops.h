#pragma once
// The few dense operations the LibTorch-free forward pass is made of (private to src/torch_free/).

#include <cmath>
#include <cstdint>

namespace narformer::lite {

inline float sigmoid(float x) {
  return 1.0f / (1.0f + std::exp(-x));
}

/// LibTorch's softplus (beta 1, threshold 20).
inline double softplus(double x) {
  return x > 20 ? x : std::log1p(std::exp(x));
}

/// y (n x out, row stride ldy) = x (n x in, row stride ldx) Wᵀ + b, or += when `accumulate`.
void apply(const float* x, int64_t n, int64_t ldx, int64_t in, int64_t out, const float* weight,
           const float* bias, float* y, int64_t ldy, bool accumulate = false);

/// LayerNorm in place over `rows` rows of `dim` values at stride `ld` (LibTorch's eps 1e-5,
/// biased variance).
void normalize_rows(float* x, int64_t rows, int64_t dim, int64_t ld, const float* weight,
                    const float* bias);

}  // namespace narformer::lite
