#pragma once
// `narformer train --nproc N`: a data-parallel job on this machine without a launcher. Starts
// N copies of this executable with torchrun's variables (RANK, WORLD_SIZE, LOCAL_RANK,
// LOCAL_WORLD_SIZE, MASTER_ADDR=127.0.0.1, MASTER_PORT = a free loopback port) and waits for
// them. LibTorch-free.

#include <cstdint>
#include <string>
#include <vector>

namespace narformer {

/// A TCP port on 127.0.0.1 that nothing listens on now (the kernel's pick).
int64_t free_loopback_port();

/// Runs /proc/self/exe with `arguments` (without argv[0]) as `ranks` local ranks, output
/// inherited, and waits for all of them. Returns 0 when every rank exited 0; otherwise logs one
/// line per rank that did not (its exit code or signal) and returns the first non-zero code
/// (128 + the signal for a killed rank). Throws RunError when a rank cannot be started.
int run_local_ranks(const std::vector<std::string>& arguments, int64_t ranks);

}  // namespace narformer
