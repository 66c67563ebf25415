#pragma once
// What a tokenizer produces and the model consumes: one feature row per node, the
// undirected edges, and graph-level (static) features. Plain floats; no LibTorch.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace narformer {

/// Per-node work for the cost readout (model/options.h, Readout::kCost): GFLOP, million
/// elements of memory traffic, and 1 (the node itself, for per-operator overhead).
inline constexpr int kNodeCostDims = 3;

struct TokenSequence {
  int num_nodes = 0;
  int feature_dim = 0;
  std::vector<float> features;                      ///< num_nodes × feature_dim, row-major
  std::vector<std::pair<int32_t, int32_t>> edges;   ///< undirected, each once, first < second
  std::vector<float> static_features;               ///< graph-level features; empty for cells
  std::vector<float> node_costs;                    ///< num_nodes × kNodeCostDims; empty for cells

  const float* row(int node) const { return features.data() + static_cast<size_t>(node) * feature_dim; }
  float at(int node, int column) const { return row(node)[column]; }
};

/// Token sequences are shared, immutable once built: datasets, caches and batches hold the
/// same one instead of copies (20,000 NNLQP graphs are ~1.7 GB of features).
using TokenPtr = std::shared_ptr<const TokenSequence>;

}  // namespace narformer
