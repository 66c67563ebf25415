#include "narformer/tokenize/embedder.h"

#include <cmath>

#include "narformer/core/error.h"

// This file must not be compiled with -ffast-math: every float product below is rounded to
// float32 exactly as in the reference, or high nerf frequencies change completely.

namespace narformer {

namespace {
constexpr float kPiF = static_cast<float>(M_PI);
}

SinusoidalEmbedder::SinusoidalEmbedder(EmbedType type, int num_frequencies) : type_(type) {
  if (num_frequencies < 1) throw ConfigError("an embedder needs at least one frequency");
  rates_.resize(static_cast<size_t>(num_frequencies));
  const int L = num_frequencies;
  for (int k = 0; k < L; ++k) {
    double rate;
    if (type == EmbedType::kNerf) {
      // linspace(1, 2^(L-1), L), computed in double then rounded, like NumPy's.
      const double top = std::ldexp(1.0, L - 1);
      rate = L == 1 ? 1.0 : 1.0 + k * (top - 1.0) / (L - 1);
    } else {
      rate = std::pow(10000.0, -static_cast<double>(k) / L);
    }
    rates_[static_cast<size_t>(k)] = static_cast<float>(rate);
  }
}

void SinusoidalEmbedder::embed(float v, float* out) const {
  const size_t L = rates_.size();
  if (type_ == EmbedType::kNerf) {
    const float scaled = v * kPiF;  // rounded to float32 before the second product (SSE)
    for (size_t k = 0; k < L; ++k) {
      const float angle = scaled * rates_[k];
      out[2 * k] = std::sin(angle);
      out[2 * k + 1] = std::cos(angle);
    }
  } else {
    for (size_t k = 0; k < L; ++k) {
      const float angle = v * rates_[k];
      out[2 * k] = std::sin(angle);
      out[2 * k + 1] = std::cos(angle);
    }
  }
}

std::vector<float> SinusoidalEmbedder::embed(float v) const {
  std::vector<float> out(static_cast<size_t>(output_size()));
  embed(v, out.data());
  return out;
}

void SinusoidalEmbedder::embed_vector(const float* u, int m, float* out) const {
  const size_t L = rates_.size();
  const size_t M = static_cast<size_t>(m);
  for (size_t k = 0; k < L; ++k) {
    float* sin_block = out + 2 * k * M;
    float* cos_block = sin_block + M;
    for (size_t i = 0; i < M; ++i) {
      const float angle = type_ == EmbedType::kNerf ? (u[i] * kPiF) * rates_[k] : u[i] * rates_[k];
      sin_block[i] = std::sin(angle);
      cos_block[i] = std::cos(angle);
    }
  }
}

}  // namespace narformer
