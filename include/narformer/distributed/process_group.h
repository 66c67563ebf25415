#pragma once
// The ranks of a data-parallel job talking to each other: LibTorch's own c10d engine (a
// TCPStore on rank 0's address for the rendezvous, Gloo for CPU tensors), the one PyTorch's
// DistributedDataParallel runs on. Holds the concrete backend and calls its collectives: in
// LibTorch 1.13 ProcessGroupGloo derives from ProcessGroup, in 2.x from Backend, and only
// these calls are the same in both.
//
//   const narformer::LaunchEnv env = narformer::launch_env();
//   narformer::DataParallelGroup group(env, std::chrono::seconds(60));
//   group.all_reduce_sum(gradients);   // every rank ends with the sum over ranks
//
// Built when Gloo's headers are found (Debian: libgloo-dev; CMake's NARFORMER_WITH_DISTRIBUTED).

#include <chrono>
#include <memory>
#include <vector>

#include <torch/torch.h>

#include "narformer/distributed/launch_env.h"

namespace narformer {

class DataParallelGroup {
 public:
  /// Joins the job `env` describes: rank 0 serves the store on master_addr:master_port, the
  /// others connect to it. Throws RunError naming the address when the ranks do not all
  /// arrive within `timeout`, which also bounds every later collective.
  DataParallelGroup(const LaunchEnv& env, std::chrono::milliseconds timeout);
  ~DataParallelGroup();
  DataParallelGroup(const DataParallelGroup&) = delete;
  DataParallelGroup& operator=(const DataParallelGroup&) = delete;

  int64_t rank() const { return rank_; }
  int64_t world_size() const { return world_size_; }

  /// Sums each tensor over the ranks, in place (CPU float tensors, one collective for all of
  /// them). Throws RunError when a rank does not take part within the timeout.
  void all_reduce_sum(std::vector<torch::Tensor>& tensors);
  /// Every rank's `tensor` (same shape on all ranks), in rank order.
  std::vector<torch::Tensor> all_gather(const torch::Tensor& tensor);
  /// Returns when every rank has called it.
  void barrier();

 private:
  struct Backend;
  std::unique_ptr<Backend> backend_;
  int64_t rank_ = 0;
  int64_t world_size_ = 1;
};

}  // namespace narformer
