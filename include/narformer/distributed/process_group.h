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
// Built when Gloo's headers are found (Debian: libgloo-dev; CMake's NARFORMER_WITH_DISTRIBUTED);
// without them the constructor says so.
//
// When a collective fails (a rank died, or did not arrive within the timeout), the error names
// the ranks that stopped: every rank bumps a heartbeat counter in the store once a second from a
// thread of its own, and the ranks whose counter no longer moves are the dead ones.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
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
  /// Starts summing `flat` (one contiguous CPU tensor) over the ranks, in place, and returns at
  /// once; the returned function waits for it (and throws as all_reduce_sum does). Every rank
  /// must start the same reductions in the same order.
  std::function<void()> start_all_reduce_sum(torch::Tensor flat);
  /// Every rank's `tensor` (same shape on all ranks), in rank order.
  std::vector<torch::Tensor> all_gather(const torch::Tensor& tensor);
  /// Returns when every rank has called it.
  void barrier();
  /// Checks that every rank holds the same `value` for `what` (rank 0's is the reference; the
  /// message shows hashes, so a whole config can be the value); throws ConfigError naming the
  /// rank and `what` otherwise. Collective.
  void require_same(const std::string& what, const std::string& value);

 private:
  struct Backend;
  /// A RunError for `what` failing with `cause`, naming the ranks that stopped beating.
  [[noreturn]] void fail(const std::string& what, const std::string& cause);
  template <typename F>
  void collective(const char* what, F&& f);

  std::unique_ptr<Backend> backend_;
  int64_t rank_ = 0;
  int64_t world_size_ = 1;
};

}  // namespace narformer
