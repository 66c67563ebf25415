#include "narformer/distributed/gradient_buckets.h"

namespace narformer {

GradientBuckets::GradientBuckets(std::vector<torch::Tensor> parameters, DataParallelGroup& group,
                                 int64_t bucket_bytes)
    : parameters_(std::move(parameters)), group_(group) {
  bucket_of_.resize(parameters_.size());
  produced_.assign(parameters_.size(), false);
  int64_t bytes = bucket_bytes;  // start a new bucket at once
  for (size_t k = parameters_.size(); k-- > 0;) {
    const torch::Tensor& p = parameters_[k];
    const int64_t size = p.numel() * static_cast<int64_t>(p.element_size());
    if (buckets_.empty() || bytes + size > bucket_bytes) {
      buckets_.emplace_back();
      bytes = 0;
    }
    Bucket& bucket = buckets_.back();
    bucket.offsets.push_back(bucket.members.empty()
                                 ? 0
                                 : bucket.offsets.back() +
                                       parameters_[bucket.members.back()].numel());
    bucket.members.push_back(k);
    bucket_of_[k] = buckets_.size() - 1;
    bytes += size;
  }
  for (Bucket& bucket : buckets_) {
    const size_t last = bucket.members.back();
    bucket.flat = torch::zeros({bucket.offsets.back() + parameters_[last].numel()},
                               parameters_[last].options().requires_grad(false));
  }
  for (size_t k = 0; k < parameters_.size(); ++k)
    hooks_.push_back(parameters_[k].register_hook(
        [this, k](const torch::Tensor& gradient) { on_gradient(k, gradient); }));
}

GradientBuckets::~GradientBuckets() {
  for (size_t k = 0; k < hooks_.size(); ++k) parameters_[k].remove_hook(hooks_[k]);
}

void GradientBuckets::on_gradient(size_t parameter, const torch::Tensor& gradient) {
  Bucket& bucket = buckets_[bucket_of_[parameter]];
  if (bucket.wait) return;  // a second backward in one step: synchronize() reads .grad
  size_t slot = 0;
  while (bucket.members[slot] != parameter) ++slot;
  torch::NoGradGuard no_grad;
  bucket.flat.narrow(0, bucket.offsets[slot], gradient.numel()).copy_(gradient.reshape({-1}));
  if (!produced_[parameter]) {
    produced_[parameter] = true;
    ++bucket.arrived;
  }
  start_full_buckets();
}

void GradientBuckets::start_full_buckets() {
  while (next_to_start_ < buckets_.size() &&
         buckets_[next_to_start_].arrived == buckets_[next_to_start_].members.size())
    start(buckets_[next_to_start_++]);
}

void GradientBuckets::start(Bucket& bucket) {
  bucket.wait = group_.start_all_reduce_sum(bucket.flat);
}

void GradientBuckets::synchronize() {
  torch::NoGradGuard no_grad;
  // Which parameters got a gradient on some rank: one flag each, summed over the ranks.
  torch::Tensor produced = torch::zeros({static_cast<int64_t>(parameters_.size())});
  float* flags = produced.data_ptr<float>();
  for (size_t k = 0; k < parameters_.size(); ++k) {
    if (produced_[k]) {
      flags[k] = 1.0f;
      continue;
    }
    // No gradient here (its bucket has not started): this rank contributes zeros.
    const Bucket& bucket = buckets_[bucket_of_[k]];
    size_t slot = 0;
    while (bucket.members[slot] != k) ++slot;
    bucket.flat.narrow(0, bucket.offsets[slot], parameters_[k].numel()).zero_();
  }
  while (next_to_start_ < buckets_.size()) start(buckets_[next_to_start_++]);
  group_.start_all_reduce_sum(produced)();
  for (Bucket& bucket : buckets_) {
    bucket.wait();
    for (size_t slot = 0; slot < bucket.members.size(); ++slot) {
      const size_t k = bucket.members[slot];
      torch::Tensor& p = parameters_[k];
      if (flags[k] == 0.0f) {
        p.mutable_grad() = torch::Tensor();
        continue;
      }
      const torch::Tensor sum = bucket.flat.narrow(0, bucket.offsets[slot], p.numel()).view_as(p);
      if (p.grad().defined())
        p.mutable_grad().copy_(sum);
      else
        p.mutable_grad() = sum.clone();
    }
    bucket.wait = nullptr;
    bucket.arrived = 0;
  }
  produced_.assign(parameters_.size(), false);
  next_to_start_ = 0;
}

}  // namespace narformer
