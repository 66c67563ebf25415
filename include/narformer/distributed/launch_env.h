#pragma once
// Who this process is in a data-parallel job, read from its launcher's environment, the names
// PyTorch users already set:
//
//   torchrun   RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT
//   Slurm      SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID, SLURM_NTASKS_PER_NODE; the master is
//              the job's first host
//              (SLURM_JOB_NODELIST, e.g. "gpu[07-09,12]" -> "gpu07") unless MASTER_ADDR is set,
//              its port MASTER_PORT, else 29500 + SLURM_JOB_ID % 1000 (jobs sharing a node
//              then rarely share a port)
//
// torchrun's names win when both are present (torchrun inside an allocation). Neither: one
// process, not distributed. LibTorch-free: the process group (c10d) is built from this.

#include <cstdint>
#include <functional>
#include <string>

namespace narformer {

struct LaunchEnv {
  std::string launcher = "none";  ///< torchrun | slurm | none
  int64_t rank = 0;
  int64_t world_size = 1;
  int64_t local_rank = 0;        ///< the rank on this machine (its GPU, with CUDA)
  int64_t local_world_size = 1;  ///< ranks on this machine (they share its cores)
  std::string master_addr = "127.0.0.1";
  int64_t master_port = 29500;

  bool distributed() const { return world_size > 1; }
};

/// Reads the variables through `getenv` (tests pass a map). Throws ConfigError naming the
/// variable for a value that is not a number, a rank outside [0, world size), a port outside
/// [1, 65535], or a multi-process job without a master address.
LaunchEnv launch_env_from(const std::function<const char*(const char*)>& getenv);

/// launch_env_from the process environment.
LaunchEnv launch_env();

/// The first host of a Slurm node list: "node[01-04,07],login2" -> "node01", "a,b" -> "a".
/// Throws ConfigError for an empty or malformed list.
std::string first_slurm_host(const std::string& nodelist);

}  // namespace narformer
