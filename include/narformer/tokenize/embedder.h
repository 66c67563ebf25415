#pragma once
// The scalar sinusoidal embedder shared by both tokenizers (method.md §0.2, §0.3).
//
//   E(v) = [sin(a_0 v), cos(a_0 v), ..., sin(a_{L-1} v), cos(a_{L-1} v)]     (2L values)
//
//   nerf:  a_k = π · f_k, f_k linearly spaced from 1 to 2^(L-1) (NOT log spaced)
//   trans: a_k = 10000^(-k/L)
//
// The angle is computed exactly as the reference does in float32 (v·π first, then ·f_k), so
// features match the reference bit for bit in the angle; the sin/cos themselves may differ by
// an ulp from NumPy's. With L = 32 the nerf codes of integers are effectively hash codes.

#include <vector>

#include "narformer/config/choices.h"  // EmbedType: nerf | trans

namespace narformer {

class SinusoidalEmbedder {
 public:
  SinusoidalEmbedder(EmbedType type, int num_frequencies);

  int num_frequencies() const { return static_cast<int>(rates_.size()); }
  /// Values produced per scalar: 2 · num_frequencies.
  int output_size() const { return 2 * num_frequencies(); }

  /// Writes output_size() values for scalar v, interleaved per frequency.
  void embed(float v, float* out) const;
  std::vector<float> embed(float v) const;

  /// Vector input of length m: 2·L·m values, frequency-major
  /// [sin(a_0 u), cos(a_0 u), sin(a_1 u), cos(a_1 u), ...], each block m long.
  void embed_vector(const float* u, int m, float* out) const;

 private:
  EmbedType type_;
  std::vector<float> rates_;  // nerf: f_k (π applied separately, in order); trans: a_k
};

}  // namespace narformer
