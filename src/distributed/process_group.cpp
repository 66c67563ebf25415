#include "narformer/distributed/process_group.h"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "narformer/core/error.h"

namespace narformer {

struct DataParallelGroup::Backend {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
  std::string where;  ///< "rank R of N at host:port", for messages
};

namespace {

/// Runs a collective; c10d's errors (a rank gone, a timeout) become one RunError line.
template <typename F>
void collective(const std::string& where, const char* what, F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    std::string message = e.what();
    if (const auto newline = message.find('\n'); newline != std::string::npos)
      message.resize(newline);
    throw RunError(std::string(what) + " failed on " + where + ": " + message);
  }
}

}  // namespace

DataParallelGroup::DataParallelGroup(const LaunchEnv& env, std::chrono::milliseconds timeout)
    : backend_(std::make_unique<Backend>()), rank_(env.rank), world_size_(env.world_size) {
  Backend& b = *backend_;
  b.where = "rank " + std::to_string(env.rank) + " of " + std::to_string(env.world_size) + " (" +
            env.master_addr + ":" + std::to_string(env.master_port) + ")";
  collective(b.where, "joining the process group", [&] {
    c10d::TCPStoreOptions store;
    store.port = static_cast<uint16_t>(env.master_port);
    store.isServer = env.rank == 0;
    store.numWorkers = static_cast<size_t>(env.world_size);
    store.waitWorkers = true;
    store.timeout = timeout;
    b.store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, store);
    auto options = c10d::ProcessGroupGloo::Options::create();
    options->timeout = timeout;
    // Ranks of one machine (a loopback master) talk over loopback; otherwise each rank uses
    // the interface its hostname resolves to, as PyTorch does.
    const bool local = env.master_addr == "127.0.0.1" || env.master_addr == "localhost";
    options->devices.push_back(local ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                                     : c10d::ProcessGroupGloo::createDefaultDevice());
    b.gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(b.store, static_cast<int>(env.rank),
                                                         static_cast<int>(env.world_size), options);
  });
}

DataParallelGroup::~DataParallelGroup() = default;

void DataParallelGroup::all_reduce_sum(std::vector<torch::Tensor>& tensors) {
  if (world_size_ == 1 || tensors.empty()) return;
  // One flat buffer, one collective: c10d reads a list as copies of one tensor (one per
  // device), not as several tensors.
  std::vector<torch::Tensor> flat;
  for (const torch::Tensor& t : tensors) flat.push_back(t.reshape({-1}));
  std::vector<torch::Tensor> bucket = {torch::cat(flat)};
  collective(backend_->where, "all-reduce", [&] { backend_->gloo->allreduce(bucket)->wait(); });
  int64_t offset = 0;
  for (torch::Tensor& t : tensors) {
    t.copy_(bucket[0].narrow(0, offset, t.numel()).view_as(t));
    offset += t.numel();
  }
}

std::vector<torch::Tensor> DataParallelGroup::all_gather(const torch::Tensor& tensor) {
  std::vector<torch::Tensor> inputs = {tensor.contiguous()};
  if (world_size_ == 1) return inputs;
  std::vector<std::vector<torch::Tensor>> outputs(1);
  for (int64_t r = 0; r < world_size_; ++r) outputs[0].push_back(torch::empty_like(inputs[0]));
  collective(backend_->where, "all-gather",
             [&] { backend_->gloo->allgather(outputs, inputs)->wait(); });
  return outputs[0];
}

void DataParallelGroup::barrier() {
  if (world_size_ == 1) return;
  collective(backend_->where, "barrier", [&] { backend_->gloo->barrier()->wait(); });
}

}  // namespace narformer
