#include "narformer/distributed/launch_env.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "narformer/core/error.h"

namespace narformer {

namespace {

/// `name`'s value as an integer in [low, high]; `fallback` when unset.
int64_t integer(const std::function<const char*(const char*)>& getenv, const char* name,
                int64_t fallback, int64_t low, int64_t high) {
  const char* text = getenv(name);
  if (!text) return fallback;
  char* end = nullptr;
  const long long value = std::strtoll(text, &end, 10);
  if (*text == '\0' || *end != '\0')
    throw ConfigError(std::string("environment variable ") + name + "='" + text +
                      "' is not an integer");
  if (value < low || value > high)
    throw ConfigError(std::string("environment variable ") + name + "=" + text + " is outside [" +
                      std::to_string(low) + ", " + std::to_string(high) + "]");
  return value;
}

}  // namespace

std::string first_slurm_host(const std::string& nodelist) {
  if (nodelist.empty()) throw ConfigError("empty Slurm node list");
  const size_t bracket = nodelist.find('[');
  const size_t comma = nodelist.find(',');
  if (bracket == std::string::npos || (comma != std::string::npos && comma < bracket))
    return nodelist.substr(0, comma);  // "a,b" or "a"
  const size_t close = nodelist.find(']', bracket);
  if (close == std::string::npos || close == bracket + 1)
    throw ConfigError("malformed Slurm node list '" + nodelist + "'");
  // "node[01-04,07]": the prefix and the first number of the first range, zero padding kept.
  const std::string ranges = nodelist.substr(bracket + 1, close - bracket - 1);
  const std::string first = ranges.substr(0, ranges.find_first_of("-,"));
  if (first.empty() || first.find_first_not_of("0123456789") != std::string::npos)
    throw ConfigError("malformed Slurm node list '" + nodelist + "'");
  return nodelist.substr(0, bracket) + first;
}

LaunchEnv launch_env_from(const std::function<const char*(const char*)>& getenv) {
  LaunchEnv env;
  const bool torchrun = getenv("WORLD_SIZE") || getenv("RANK");
  const bool slurm = !torchrun && getenv("SLURM_NTASKS") && getenv("SLURM_PROCID");
  if (!torchrun && !slurm) return env;
  constexpr int64_t kMaxRanks = 1 << 20;
  if (torchrun) {
    env.launcher = "torchrun";
    env.world_size = integer(getenv, "WORLD_SIZE", 1, 1, kMaxRanks);
    env.rank = integer(getenv, "RANK", 0, 0, kMaxRanks);
    env.local_rank = integer(getenv, "LOCAL_RANK", env.rank, 0, kMaxRanks);
    env.local_world_size = integer(getenv, "LOCAL_WORLD_SIZE", env.world_size, 1, kMaxRanks);
  } else {
    env.launcher = "slurm";
    env.world_size = integer(getenv, "SLURM_NTASKS", 1, 1, kMaxRanks);
    env.rank = integer(getenv, "SLURM_PROCID", 0, 0, kMaxRanks);
    env.local_rank = integer(getenv, "SLURM_LOCALID", 0, 0, kMaxRanks);
    // "2" or "2(x3)" (two tasks on each of three nodes): the leading count.
    if (const char* per_node = getenv("SLURM_NTASKS_PER_NODE"); per_node && *per_node) {
      const std::string text(per_node);
      const std::string leading = text.substr(0, text.find('('));
      env.local_world_size =
          leading.find_first_not_of("0123456789") == std::string::npos && !leading.empty()
              ? std::max<int64_t>(1, std::stoll(leading))
              : 1;
    }
  }
  if (env.rank >= env.world_size)
    throw ConfigError("rank " + std::to_string(env.rank) + " is not below the world size " +
                      std::to_string(env.world_size) + " (" +
                      (torchrun ? "RANK, WORLD_SIZE" : "SLURM_PROCID, SLURM_NTASKS") + ")");
  if (const char* addr = getenv("MASTER_ADDR"); addr && *addr) {
    env.master_addr = addr;
  } else if (slurm) {
    const char* nodes = getenv("SLURM_JOB_NODELIST");
    if (!nodes) nodes = getenv("SLURM_NODELIST");
    if (nodes) env.master_addr = first_slurm_host(nodes);
  } else if (env.distributed()) {
    throw ConfigError("WORLD_SIZE=" + std::to_string(env.world_size) +
                      " but MASTER_ADDR is not set: the ranks need rank 0's address");
  }
  const int64_t slurm_port = 29500 + integer(getenv, "SLURM_JOB_ID", 0, 0, INT64_MAX / 2) % 1000;
  env.master_port = integer(getenv, "MASTER_PORT", slurm ? slurm_port : 29500, 1, 65535);
  return env;
}

LaunchEnv launch_env() {
  return launch_env_from([](const char* name) { return std::getenv(name); });
}

}  // namespace narformer
