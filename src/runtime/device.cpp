#include "narformer/runtime/device.h"

#include <thread>

#include "narformer/core/error.h"

namespace narformer {

torch::Device resolve_device(DeviceSetting setting) {
  switch (setting) {
    case DeviceSetting::kCpu:
      return torch::kCPU;
    case DeviceSetting::kCuda:
      if (!torch::cuda::is_available())
        throw ConfigError(
            "run.device is 'cuda' but LibTorch sees no CUDA device (a CPU-only build, or no GPU)");
      return torch::kCUDA;
    case DeviceSetting::kAuto:
      break;
  }
  return torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
}

torch::Device resolve_device(const std::string& name) {
  return resolve_device(parse_device_setting(name));
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
