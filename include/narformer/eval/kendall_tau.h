#pragma once
// Kendall's tau-b (ties in either variable handled, SciPy semantics) in O(n log n)
// (Knight 1966): sort by (x, y), count tied pairs, then count discordant pairs as the swaps
// of a merge sort on y.

#include <vector>

namespace narformer {

/// Kendall's tau-b of two equally long sequences. Returns NaN when it is undefined (fewer
/// than two items, or one sequence constant). Throws std::invalid_argument on length mismatch.
double kendall_tau(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace narformer
