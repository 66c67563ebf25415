#include "narformer/cells/augment.h"

#include <algorithm>
#include <numeric>

namespace narformer {

Cell consistency_augment(const Cell& cell) {
  const int n = cell.num_vertices;
  if (n <= 3) return cell;  // at most one intermediate vertex: nothing to permute
  std::vector<int> perm(static_cast<size_t>(n - 2));
  std::iota(perm.begin(), perm.end(), 1);
  do {
    std::vector<int> label;
    label.reserve(static_cast<size_t>(n));
    label.push_back(0);
    label.insert(label.end(), perm.begin(), perm.end());
    label.push_back(n - 1);

    Cell candidate = cell;
    bool upper_triangular = true;
    for (int i = 0; i < n && upper_triangular; ++i) {
      for (int j = 0; j < n; ++j) {
        const uint8_t a = cell.adjacency[static_cast<size_t>(label[i] * n + label[j])];
        candidate.adjacency[static_cast<size_t>(i * n + j)] = a;
        if (a && j <= i) {
          upper_triangular = false;
          break;
        }
      }
    }
    if (!upper_triangular) continue;
    for (int j = 0; j < n; ++j)
      candidate.ops[static_cast<size_t>(j)] = cell.ops[static_cast<size_t>(label[j])];
    if (candidate.adjacency != cell.adjacency || candidate.ops != cell.ops) return candidate;
  } while (std::next_permutation(perm.begin(), perm.end()));
  return cell;
}

}  // namespace narformer
