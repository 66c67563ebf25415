#pragma once
// Data-parallel gradient averaging done the way DistributedDataParallel does it, without its
// Reducer (which wants a ProcessGroup, and 1.13 and 2.x disagree on what that is): parameters
// are grouped into buckets of about `bucket_bytes`, in reverse order (backward produces the
// last layers' gradients first); an autograd hook copies each gradient into its bucket as it
// is produced, and a full bucket starts its all-reduce while backward goes on.
//
//   GradientBuckets buckets(model->parameters(), group);
//   optimizer.zero_grad();
//   loss.backward();        // hooks start the buckets that fill up
//   buckets.synchronize();  // the rest, then every rank holds the sum over ranks
//
// Buckets start strictly in order, so every rank issues the same collectives in the same order
// even when their shards leave different parameters without a gradient (a head no item of
// the shard uses). A parameter no rank produced a gradient for keeps none, as in one process.

#include <cstdint>
#include <functional>
#include <vector>

#include <torch/torch.h>

#include "narformer/distributed/process_group.h"

namespace narformer {

class GradientBuckets {
 public:
  /// 32 MB: on 2 cores over loopback, NB201 training (8.6 M parameters, 34 MB of gradients)
  /// ran 68 samples/s with 1 MB buckets and 80 with 32 MB (scripts/bench_scaling.sh): each
  /// collective costs more than overlap gains when the ranks already use every core.
  GradientBuckets(std::vector<torch::Tensor> parameters, DataParallelGroup& group,
                  int64_t bucket_bytes = 32 << 20);
  ~GradientBuckets();
  GradientBuckets(const GradientBuckets&) = delete;
  GradientBuckets& operator=(const GradientBuckets&) = delete;

  /// Waits for this step's reductions (starting those backward left) and writes the summed
  /// gradients into the parameters' .grad. Call once after each backward.
  void synchronize();

 private:
  struct Bucket {
    std::vector<size_t> members;   ///< parameter indices
    std::vector<int64_t> offsets;  ///< of each member in `flat`
    torch::Tensor flat;
    size_t arrived = 0;
    std::function<void()> wait;  ///< set once started
  };

  void on_gradient(size_t parameter, const torch::Tensor& gradient);
  /// Starts every bucket, in order, from the next unstarted one while each is full.
  void start_full_buckets();
  void start(Bucket& bucket);

  std::vector<torch::Tensor> parameters_;
  DataParallelGroup& group_;
  std::vector<Bucket> buckets_;
  std::vector<size_t> bucket_of_;  ///< per parameter
  std::vector<bool> produced_;     ///< per parameter, this step
  std::vector<unsigned> hooks_;
  size_t next_to_start_ = 0;
};

}  // namespace narformer
