#pragma once
// The consistency augmentation of method.md §1.7: an isomorphic relabelling of the
// intermediate vertices that keeps the adjacency upper triangular.

#include "narformer/cells/cell.h"

namespace narformer {

/// Returns the first permutation of vertices 1..n-2 (lexicographic order, input and output
/// fixed) that changes the adjacency or the op list while keeping the DAG upper triangular.
/// When none exists (tiny or symmetric cells) the cell itself is returned.
/// For NB201 this is always the swap of nodes 5 and 6.
Cell consistency_augment(const Cell& cell);

}  // namespace narformer
