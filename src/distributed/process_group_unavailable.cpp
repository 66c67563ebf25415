// DataParallelGroup for a build without Gloo's headers: one process works, more are refused.
#include "narformer/core/error.h"
#include "narformer/distributed/process_group.h"

namespace narformer {

struct DataParallelGroup::Backend {};

DataParallelGroup::DataParallelGroup(const LaunchEnv& env, std::chrono::milliseconds)
    : rank_(env.rank), world_size_(env.world_size) {
  if (env.world_size > 1)
    throw ConfigError(
        "this narformer was built without Gloo's headers (Debian: libgloo-dev), so it cannot "
        "train on " +
        std::to_string(env.world_size) + " processes; install them and rebuild");
}

DataParallelGroup::~DataParallelGroup() = default;

void DataParallelGroup::all_reduce_sum(std::vector<torch::Tensor>&) {}

std::function<void()> DataParallelGroup::start_all_reduce_sum(torch::Tensor) {
  return [] {};
}

std::vector<torch::Tensor> DataParallelGroup::all_gather(const torch::Tensor& tensor) {
  return {tensor};
}

void DataParallelGroup::barrier() {}

void DataParallelGroup::require_same(const std::string&, const std::string&) {}

void DataParallelGroup::fail(const std::string& what, const std::string& cause) {
  throw RunError(what + " failed: " + cause);
}

}  // namespace narformer
