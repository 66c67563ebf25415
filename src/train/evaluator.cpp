#include "narformer/train/evaluator.h"

#include <algorithm>
#include <numeric>

#include "narformer/data/batch.h"
#include "narformer/model/tensors.h"

namespace narformer {

std::vector<double> predict(NarFormerModel& model, const std::vector<const TokenSequence*>& items,
                            int64_t batch_size, const torch::Device& device) {
  std::vector<double> predictions(items.size());
  if (items.empty()) return predictions;
  std::vector<size_t> order(items.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return items[a]->num_nodes < items[b]->num_nodes; });

  const bool was_training = model->is_training();
  model->eval();
  torch::NoGradGuard no_grad;
  std::vector<const TokenSequence*> chunk;
  for (size_t begin = 0; begin < order.size(); begin += static_cast<size_t>(batch_size)) {
    const size_t end = std::min(order.size(), begin + static_cast<size_t>(batch_size));
    chunk.clear();
    for (size_t k = begin; k < end; ++k) chunk.push_back(items[order[k]]);
    const torch::Tensor out = model->forward(to_tensors(collate(chunk), device)).to(torch::kCPU, torch::kFloat64);
    const double* values = out.data_ptr<double>();
    for (size_t k = begin; k < end; ++k) predictions[order[k]] = values[k - begin];
  }
  model->train(was_training);
  return predictions;
}

}  // namespace narformer
