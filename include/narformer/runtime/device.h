#pragma once
// Process-wide LibTorch settings from the `run` config section.

#include <cstdint>
#include <string>

#include <torch/torch.h>

#include "narformer/config/choices.h"

namespace narformer {

/// auto -> cuda when available, else cpu. Throws ConfigError for cuda without a GPU.
torch::Device resolve_device(DeviceSetting setting);
/// The same from a spelling (auto | cpu | cuda: library options, CLI flags).
torch::Device resolve_device(const std::string& name);

/// Sets LibTorch intra-op threads; 0 = all cores (the Debian build starts with 1).
/// Returns the number set.
int configure_threads(int64_t threads);

/// Seeds LibTorch's generators (initialisation, dropout).
void seed_torch(uint64_t seed);

}  // namespace narformer
