#include "narformer/data/batch.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace narformer {

PaddedBatch collate(const std::vector<const TokenSequence*>& items, int64_t min_nodes) {
  if (items.empty()) throw std::invalid_argument("collate: empty batch");
  PaddedBatch batch;
  batch.batch_size = static_cast<int64_t>(items.size());
  batch.feature_dim = items.front()->feature_dim;
  batch.static_dim = static_cast<int64_t>(items.front()->static_features.size());
  batch.max_nodes = min_nodes;
  for (const TokenSequence* item : items) {
    if (item->feature_dim != batch.feature_dim)
      throw std::invalid_argument("collate: token sequences of different feature widths");
    if (static_cast<int64_t>(item->static_features.size()) != batch.static_dim)
      throw std::invalid_argument("collate: token sequences of different static widths");
    if (item->node_costs.empty() != items.front()->node_costs.empty())
      throw std::invalid_argument("collate: token sequences with and without node costs");
    if ((item->prior > 0) != (items.front()->prior > 0))
      throw std::invalid_argument("collate: token sequences with and without priors");
    batch.max_nodes = std::max<int64_t>(batch.max_nodes, item->num_nodes);
  }
  const bool with_costs = !items.front()->node_costs.empty();
  const int64_t B = batch.batch_size, N = batch.max_nodes, D = batch.feature_dim;
  batch.features.assign(static_cast<size_t>(B * N * D), 0.0f);
  batch.adjacency.assign(static_cast<size_t>(B * N * N), 0.0f);
  batch.mask.assign(static_cast<size_t>(B * N), 0.0f);
  batch.num_nodes.resize(static_cast<size_t>(B));
  batch.static_features.resize(static_cast<size_t>(B * batch.static_dim));
  if (with_costs) batch.node_costs.assign(static_cast<size_t>(B * N * kNodeCostDims), 0.0f);
  if (items.front()->prior > 0)
    for (const TokenSequence* item : items) batch.prior.push_back(item->prior);

  for (int64_t b = 0; b < B; ++b) {
    const TokenSequence& item = *items[static_cast<size_t>(b)];
    const int64_t n = item.num_nodes;
    batch.num_nodes[static_cast<size_t>(b)] = n;
    std::memcpy(batch.features.data() + b * N * D, item.features.data(),
                static_cast<size_t>(n * D) * sizeof(float));
    float* adjacency = batch.adjacency.data() + b * N * N;
    for (const auto& [i, j] : item.edges) {
      adjacency[i * N + j] = 1.0f;
      adjacency[j * N + i] = 1.0f;
    }
    std::fill_n(batch.mask.data() + b * N, n, 1.0f);
    std::copy(item.static_features.begin(), item.static_features.end(),
              batch.static_features.begin() + b * batch.static_dim);
    if (with_costs)
      std::copy(item.node_costs.begin(), item.node_costs.end(),
                batch.node_costs.begin() + b * N * kNodeCostDims);
  }
  return batch;
}

}  // namespace narformer
