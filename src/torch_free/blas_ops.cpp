#include "blas_ops.h"

#include <cblas.h>

namespace narformer::lite {

void apply(const float* x, int64_t n, int64_t ldx, int64_t in, int64_t out, const float* weight,
           const float* bias, float* y, int64_t ldy, bool accumulate) {
  if (n == 0) return;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n), static_cast<int>(out),
              static_cast<int>(in), 1.0f, x, static_cast<int>(ldx), weight, static_cast<int>(in),
              accumulate ? 1.0f : 0.0f, y, static_cast<int>(ldy));
  if (bias)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < out; ++j) y[i * ldy + j] += bias[j];
}

// Float sums in plain loops the compiler vectorizes: LayerNorm was 9 % of a one-graph predict
// with double accumulators.
void normalize_rows(float* x, int64_t rows, int64_t dim, int64_t ld, const float* weight,
                    const float* bias) {
  const float inv_dim = 1.0f / static_cast<float>(dim);
  for (int64_t i = 0; i < rows; ++i) {
    float* r = x + i * ld;
    float sum = 0;
    for (int64_t j = 0; j < dim; ++j) sum += r[j];
    const float mean = sum * inv_dim;
    float squares = 0;
    for (int64_t j = 0; j < dim; ++j) squares += (r[j] - mean) * (r[j] - mean);
    const float inv = 1.0f / std::sqrt(squares * inv_dim + 1e-5f);
    for (int64_t j = 0; j < dim; ++j) r[j] = (r[j] - mean) * inv * weight[j] + bias[j];
  }
}

}  // namespace narformer::lite
