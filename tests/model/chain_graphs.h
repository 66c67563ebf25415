#pragma once
// Small synthetic graphs for the model tests: chains with deterministic features.

#include <cmath>

#include "narformer/tokenize/token_sequence.h"

namespace narformer::testing {

/// n nodes in a chain (plus an edge i -> i + skip every `skip` nodes when skip > 0), 16
/// features per node: sin(step · (i + offset · n)) for the flat index i.
inline TokenSequence chain_graph(int n, float step, int offset, int skip = 0) {
  TokenSequence t;
  t.num_nodes = n;
  t.feature_dim = 16;
  for (int i = 0; i < n * 16; ++i)
    t.features.push_back(std::sin(step * static_cast<float>(i + offset * n)));
  for (int i = 0; i + 1 < n; ++i) t.edges.emplace_back(i, i + 1);
  if (skip > 0)
    for (int i = 0; i + skip < n; i += skip) t.edges.emplace_back(i, i + skip);
  return t;
}

}  // namespace narformer::testing
