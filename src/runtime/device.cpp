#include "narformer/runtime/device.h"

#include <thread>

#include "narformer/core/error.h"

namespace narformer {

torch::Device resolve_device(const std::string& name) {
  if (name == "cpu") return torch::kCPU;
  if (name == "cuda") {
    if (!torch::cuda::is_available())
      throw ConfigError("run.device is 'cuda' but LibTorch sees no CUDA device (this build: " +
                        std::string(torch::cuda::is_available() ? "cuda" : "cpu-only or no GPU") +
                        ")");
    return torch::kCUDA;
  }
  if (name == "auto")
    return torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
  throw ConfigError("unknown device '" + name + "' (expected auto, cpu or cuda)");
}

int configure_threads(int64_t threads) {
  int n = static_cast<int>(threads);
  if (n <= 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  torch::set_num_threads(n);
  return n;
}

void seed_torch(uint64_t seed) {
  torch::manual_seed(seed);
}

}  // namespace narformer
