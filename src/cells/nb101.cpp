#include "narformer/cells/nb101.h"

#include "narformer/core/error.h"

namespace narformer {

namespace {

[[noreturn]] void invalid(const std::string& why) {
  throw DataError("invalid NAS-Bench-101 cell: " + why);
}

std::vector<std::string> split_ops(const std::string& text) {
  std::vector<std::string> ops;
  std::string current;
  for (char c : text) {
    if (c == '|') {
      ops.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  ops.push_back(current);
  return ops;
}

}  // namespace

Cell make_nb101_cell(const std::vector<std::vector<int>>& adjacency,
                     const std::vector<std::string>& ops) {
  const int n = static_cast<int>(ops.size());
  if (n < 2 || n > kNb101MaxVertices)
    invalid(std::to_string(n) + " vertices (ops), expected 2.." +
            std::to_string(kNb101MaxVertices));
  if (static_cast<int>(adjacency.size()) != n)
    invalid("adjacency has " + std::to_string(adjacency.size()) + " rows for " + std::to_string(n) +
            " ops");

  Cell cell;
  cell.space = CellSpace::kNasBench101;
  cell.num_vertices = n;
  cell.adjacency.assign(static_cast<size_t>(n * n), 0);
  int edges = 0;
  for (int i = 0; i < n; ++i) {
    if (static_cast<int>(adjacency[static_cast<size_t>(i)].size()) != n)
      invalid("adjacency row " + std::to_string(i) + " has " +
              std::to_string(adjacency[static_cast<size_t>(i)].size()) + " entries, expected " +
              std::to_string(n));
    for (int j = 0; j < n; ++j) {
      const int a = adjacency[static_cast<size_t>(i)][static_cast<size_t>(j)];
      if (a != 0 && a != 1) invalid("adjacency entries must be 0 or 1");
      if (a == 1 && j <= i)
        invalid("edge " + std::to_string(i) + "->" + std::to_string(j) +
                " is not above the diagonal (not a DAG in topological order)");
      cell.adjacency[static_cast<size_t>(i * n + j)] = static_cast<uint8_t>(a);
      edges += a;
    }
  }
  if (edges > kNb101MaxEdges) invalid(std::to_string(edges) + " edges, NB101 allows at most 9");

  const auto& names = cell_op_names(CellSpace::kNasBench101);
  for (int v = 0; v < n; ++v) {
    int id = -1;
    for (size_t k = 0; k < names.size(); ++k)
      if (names[k] == ops[static_cast<size_t>(v)]) id = static_cast<int>(k);
    if (id < 0) invalid("unknown operation '" + ops[static_cast<size_t>(v)] + "'");
    const bool must_be_input = v == 0, must_be_output = v == n - 1;
    if (must_be_input != (id == 0)) invalid("vertex 0 and only vertex 0 must be 'input'");
    if (must_be_output != (id == 4)) invalid("the last vertex and only the last must be 'output'");
    cell.ops.push_back(id);
  }

  // Pruned cells: every vertex is reachable from the input and reaches the output.
  std::vector<bool> from_input(static_cast<size_t>(n), false),
      to_output(static_cast<size_t>(n), false);
  from_input[0] = true;
  for (int j = 1; j < n; ++j)
    for (int i = 0; i < j; ++i)
      if (from_input[static_cast<size_t>(i)] && cell.edge(i, j))
        from_input[static_cast<size_t>(j)] = true;
  to_output[static_cast<size_t>(n - 1)] = true;
  for (int i = n - 2; i >= 0; --i)
    for (int j = i + 1; j < n; ++j)
      if (to_output[static_cast<size_t>(j)] && cell.edge(i, j))
        to_output[static_cast<size_t>(i)] = true;
  for (int v = 0; v < n; ++v)
    if (!from_input[static_cast<size_t>(v)] || !to_output[static_cast<size_t>(v)])
      invalid("vertex " + std::to_string(v) +
              " is not on a path from input to output (cell not pruned)");
  return cell;
}

Cell parse_nb101_cell(const std::string& adjacency_rowmajor, const std::string& ops_joined) {
  const std::vector<std::string> ops = split_ops(ops_joined);
  const size_t n = ops.size();
  if (adjacency_rowmajor.size() != n * n)
    invalid("adjacency has " + std::to_string(adjacency_rowmajor.size()) +
            " characters, expected " + std::to_string(n * n) + " for " + std::to_string(n) +
            " ops");
  std::vector<std::vector<int>> matrix(n, std::vector<int>(n, 0));
  for (size_t k = 0; k < adjacency_rowmajor.size(); ++k) {
    const char c = adjacency_rowmajor[k];
    if (c != '0' && c != '1') invalid(std::string("adjacency character '") + c + "' is not 0 or 1");
    matrix[k / n][k % n] = c - '0';
  }
  return make_nb101_cell(matrix, ops);
}

}  // namespace narformer
