#pragma once
// Collate: pads a list of TokenSequences to the largest node count of the batch.
// Padded nodes have zero features, zero adjacency and mask 0, so they never influence real
// nodes; readouts must exclude them (the model does). Plain floats, no LibTorch: the model
// layer wraps these buffers as tensors.

#include <cstdint>
#include <vector>

#include "narformer/tokenize/token_sequence.h"

namespace narformer {

struct PaddedBatch {
  int64_t batch_size = 0;
  int64_t max_nodes = 0;
  int64_t feature_dim = 0;
  int64_t static_dim = 0;
  std::vector<float> features;         ///< batch × max_nodes × feature_dim
  std::vector<float> adjacency;        ///< batch × max_nodes × max_nodes, symmetric 0/1
  std::vector<float> mask;             ///< batch × max_nodes, 1 for real nodes
  std::vector<int64_t> num_nodes;      ///< batch
  std::vector<float> static_features;  ///< batch × static_dim
  std::vector<float>
      node_costs;  ///< batch × max_nodes × kNodeCostDims, zero-padded; empty for cells
  std::vector<int64_t> head_index;  ///< batch; which output head (platform) per item; empty = 0
  std::vector<float> prior;         ///< batch; TokenSequence::prior; empty = no priors
};

/// Pads to the largest node count of `items`, or to `min_nodes` when that is larger (a
/// data-parallel rank pads its shard as the whole batch is padded). Throws
/// std::invalid_argument for an empty list, mismatched feature widths, or a mix of items with
/// and without node costs or priors.
PaddedBatch collate(const std::vector<const TokenSequence*>& items, int64_t min_nodes = 0);

}  // namespace narformer
