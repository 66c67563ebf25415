#include "narformer/model/dropout.h"

#include <mutex>
#include <stdexcept>

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

namespace narformer {

namespace {

thread_local const BatchRows* current_rows = nullptr;

inline uint64_t splitmix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t draw_seed() {
  at::Generator generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get<at::CPUGeneratorImpl>()->random64();
}

}  // namespace

ScopedBatchRows::ScopedBatchRows(BatchRows rows) : previous_(current_rows), rows_(std::move(rows)) {
  current_rows = &rows_;
}

ScopedBatchRows::~ScopedBatchRows() {
  current_rows = previous_;
}

const BatchRows* current_batch_rows() {
  return current_rows;
}

torch::Tensor fast_dropout(const torch::Tensor& x, double p, bool training, int64_t batch_dim) {
  if (!training || p <= 0) return x;
  if (!x.is_cpu() || x.scalar_type() != torch::kFloat32) {
    return torch::nn::functional::dropout(
        x, torch::nn::functional::DropoutFuncOptions().p(p).training(true));
  }
  const uint64_t seed = draw_seed();
  const uint32_t threshold = static_cast<uint32_t>(p * 16777216.0);  // p · 2^24
  const float keep_scale = static_cast<float>(1.0 / (1.0 - p));
  torch::Tensor mask = torch::empty(x.sizes(), x.options().requires_grad(false));
  float* m = mask.data_ptr<float>();
  // Element (outer a, row b, inner c) of x is element (a, positions[b], c) of the whole batch,
  // whose flat index draws the mask: x viewed as (outer, local rows, per row).
  const int64_t local_rows = current_rows != nullptr
                                 ? static_cast<int64_t>(current_rows->positions.size())
                                 : x.size(batch_dim);
  if (local_rows == 0 || x.size(batch_dim) % local_rows != 0)
    throw std::logic_error("fast_dropout: the batch rows do not divide the batch dimension");
  int64_t outer = 1;
  for (int64_t d = 0; d < batch_dim; ++d) outer *= x.size(d);
  const int64_t per_row = x.numel() / (outer * local_rows);
  const int64_t global_rows = current_rows != nullptr ? current_rows->global_rows : local_rows;
  const int64_t* positions = current_rows != nullptr ? current_rows->positions.data() : nullptr;
  at::parallel_for(
      0, outer * local_rows, std::max<int64_t>(1, (1 << 15) / std::max<int64_t>(1, per_row)),
      [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
          const int64_t a = r / local_rows, b = r % local_rows;
          const int64_t row = positions != nullptr ? positions[b] : b;
          const uint64_t first = static_cast<uint64_t>((a * global_rows + row) * per_row);
          float* out = m + r * per_row;
          for (int64_t c = 0; c < per_row; ++c) {
            const uint32_t u =
                static_cast<uint32_t>(splitmix64(seed + first + static_cast<uint64_t>(c)) >> 40);
            out[c] = u >= threshold ? keep_scale : 0.0f;
          }
        }
      });
  return x * mask;
}

}  // namespace narformer
