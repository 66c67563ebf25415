#pragma once
// NAS-Bench cells in node-op form (method.md §1): a small DAG whose vertices carry one
// operation each, vertex 0 = input, vertex n-1 = output, upper-triangular adjacency.

#include <cstdint>
#include <string>
#include <vector>

#include "narformer/graph/graph.h"

namespace narformer {

enum class CellSpace { kNasBench101, kNasBench201 };

/// Op vocabulary of a search space, index = op id (method.md §1.1).
const std::vector<std::string>& cell_op_names(CellSpace space);

/// "nb101" / "nb201".
std::string to_string(CellSpace space);

struct Cell {
  CellSpace space = CellSpace::kNasBench201;
  int num_vertices = 0;
  std::vector<uint8_t> adjacency;  ///< num_vertices², row-major, directed, upper triangular
  std::vector<int> ops;            ///< op id per vertex

  bool edge(int from, int to) const {
    return adjacency[static_cast<size_t>(from * num_vertices + to)] != 0;
  }
  bool operator==(const Cell& other) const {
    return space == other.space && num_vertices == other.num_vertices &&
           adjacency == other.adjacency && ops == other.ops;
  }
};

/// The cell as a Graph: one node per vertex (op_type = op name, op_id = op id), its edges.
Graph to_graph(const Cell& cell, const std::string& source = "");

}  // namespace narformer
