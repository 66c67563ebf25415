#include "narformer/runtime/evaluator.h"

#include <algorithm>
#include <numeric>

#include "narformer/data/batch.h"
#include "narformer/model/tensors.h"

namespace narformer {

namespace {

/// Runs `step(begin, end, batch)` over items sorted by node count, in chunks of batch_size.
template <typename Step>
void for_each_batch(const std::vector<TokenPtr>& items, const std::vector<int64_t>& heads,
                    int64_t batch_size, const torch::Device& device, Step step) {
  std::vector<size_t> order(items.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return items[a]->num_nodes < items[b]->num_nodes; });
  std::vector<const TokenSequence*> chunk;
  for (size_t begin = 0; begin < order.size(); begin += static_cast<size_t>(batch_size)) {
    const size_t end = std::min(order.size(), begin + static_cast<size_t>(batch_size));
    chunk.clear();
    for (size_t k = begin; k < end; ++k) chunk.push_back(items[order[k]].get());
    PaddedBatch batch = collate(chunk);
    if (!heads.empty())
      for (size_t k = begin; k < end; ++k) batch.head_index.push_back(heads[order[k]]);
    step(order, begin, end, to_tensors(std::move(batch), device));
  }
}

}  // namespace

std::vector<double> predict(NarFormerModel& model, const std::vector<TokenPtr>& items,
                            const std::vector<int64_t>& heads, int64_t batch_size,
                            const torch::Device& device) {
  std::vector<double> predictions(items.size());
  const bool was_training = model->is_training();
  model->eval();
  // Inference mode, not just no-grad: no version counters or view tracking. Safe because
  // nothing made here is kept for training.
  c10::InferenceMode inference;
  for_each_batch(
      items, heads, batch_size, device,
      [&](const std::vector<size_t>& order, size_t begin, size_t end, const BatchTensors& batch) {
        const torch::Tensor out = model->forward(batch).to(torch::kCPU, torch::kFloat64);
        const double* values = out.data_ptr<double>();
        for (size_t k = begin; k < end; ++k) predictions[order[k]] = values[k - begin];
      });
  model->train(was_training);
  return predictions;
}

std::vector<double> predict(NarFormerModel& model, const std::vector<TokenPtr>& items,
                            const std::vector<int64_t>& heads, int64_t batch_size,
                            const torch::Device& device, DataParallelGroup* group) {
  if (group == nullptr || group->world_size() == 1)
    return predict(model, items, heads, batch_size, device);
  const int64_t ranks = group->world_size(), n = static_cast<int64_t>(items.size());
  const auto share_start = [&](int64_t rank) { return n * rank / ranks; };
  int64_t widest = 0;
  for (int64_t r = 0; r < ranks; ++r)
    widest = std::max(widest, share_start(r + 1) - share_start(r));
  const int64_t begin = share_start(group->rank()), end = share_start(group->rank() + 1);
  const std::vector<TokenPtr> mine(items.begin() + begin, items.begin() + end);
  const std::vector<int64_t> my_heads =
      heads.empty() ? heads : std::vector<int64_t>(heads.begin() + begin, heads.begin() + end);
  const std::vector<double> local =
      mine.empty() ? std::vector<double>{} : predict(model, mine, my_heads, batch_size, device);
  // all_gather wants one shape on every rank: pad each share to the widest.
  torch::Tensor padded = torch::zeros({widest}, torch::kFloat64);
  std::copy(local.begin(), local.end(), padded.data_ptr<double>());
  const std::vector<torch::Tensor> shares = group->all_gather(padded);
  std::vector<double> predictions;
  predictions.reserve(items.size());
  for (int64_t r = 0; r < ranks; ++r) {
    const double* values = shares[static_cast<size_t>(r)].data_ptr<double>();
    predictions.insert(predictions.end(), values, values + (share_start(r + 1) - share_start(r)));
  }
  return predictions;
}

torch::Tensor embed(NarFormerModel& model, const std::vector<TokenPtr>& items, int64_t batch_size,
                    const torch::Device& device) {
  torch::Tensor out = torch::empty({static_cast<int64_t>(items.size()), model->embedding_dim()});
  const bool was_training = model->is_training();
  model->eval();
  c10::InferenceMode inference;
  for_each_batch(
      items, {}, batch_size, device,
      [&](const std::vector<size_t>& order, size_t begin, size_t end, const BatchTensors& batch) {
        const torch::Tensor rows = model->embed(batch).to(torch::kCPU);
        for (size_t k = begin; k < end; ++k)
          out[static_cast<int64_t>(order[k])].copy_(rows[static_cast<int64_t>(k - begin)]);
      });
  model->train(was_training);
  return out;
}

}  // namespace narformer
