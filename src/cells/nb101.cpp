#include "narformer/cells/nb101.h"

#include <algorithm>

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

/// Per vertex of an n-vertex DAG in topological order: whether it lies on a path from vertex 0
/// (input) to vertex n-1 (output). Vertex 0's flag says whether the input reaches the output.
template <typename Edge>
std::vector<bool> on_input_output_path(int n, const Edge& edge) {
  std::vector<bool> from_input(static_cast<size_t>(n), false), to_output(from_input);
  from_input[0] = true;
  for (int j = 1; j < n; ++j)
    for (int i = 0; i < j; ++i)
      if (from_input[static_cast<size_t>(i)] && edge(i, j))
        from_input[static_cast<size_t>(j)] = true;
  to_output[static_cast<size_t>(n - 1)] = true;
  for (int i = n - 2; i >= 0; --i)
    for (int j = i + 1; j < n; ++j)
      if (to_output[static_cast<size_t>(j)] && edge(i, j)) to_output[static_cast<size_t>(i)] = true;
  std::vector<bool> out(static_cast<size_t>(n));
  for (size_t v = 0; v < out.size(); ++v) out[v] = from_input[v] && to_output[v];
  return out;
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
  const std::vector<bool> on_path =
      on_input_output_path(n, [&](int i, int j) { return cell.edge(i, j); });
  for (int v = 0; v < n; ++v)
    if (!on_path[static_cast<size_t>(v)])
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

std::string nb101_arch_string(const Cell& cell) {
  std::string out;
  for (uint8_t a : cell.adjacency) out += a ? '1' : '0';
  const auto& names = cell_op_names(CellSpace::kNasBench101);
  for (size_t v = 0; v < cell.ops.size(); ++v)
    out += (v ? "|" : " ") + names.at(static_cast<size_t>(cell.ops[v]));
  return out;
}

std::optional<Cell> prune_nb101(int n, const std::vector<uint8_t>& adjacency,
                                const std::vector<int>& ops) {
  auto edge = [&](int i, int j) { return adjacency[static_cast<size_t>(i * n + j)] != 0; };
  const std::vector<bool> on_path = on_input_output_path(n, edge);
  if (!on_path[0]) return std::nullopt;

  std::vector<int> kept;
  for (int v = 0; v < n; ++v)
    if (on_path[static_cast<size_t>(v)]) kept.push_back(v);
  Cell cell;
  cell.space = CellSpace::kNasBench101;
  cell.num_vertices = static_cast<int>(kept.size());
  cell.adjacency.assign(kept.size() * kept.size(), 0);
  int edges = 0;
  for (size_t a = 0; a < kept.size(); ++a) {
    cell.ops.push_back(ops[static_cast<size_t>(kept[a])]);
    for (size_t b = a + 1; b < kept.size(); ++b)
      if (edge(kept[a], kept[b])) {
        cell.adjacency[a * kept.size() + b] = 1;
        ++edges;
      }
  }
  if (edges > kNb101MaxEdges) return std::nullopt;
  return cell;
}

namespace {

uint64_t fnv1a(const std::string& text) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

uint64_t nb101_fingerprint(const Cell& cell) {
  const int n = cell.num_vertices;
  std::vector<uint64_t> hashes(static_cast<size_t>(n));
  for (int v = 0; v < n; ++v) {
    int in = 0, out = 0;
    for (int w = 0; w < n; ++w) {
      in += cell.edge(w, v);
      out += cell.edge(v, w);
    }
    hashes[static_cast<size_t>(v)] = fnv1a(std::to_string(out) + "," + std::to_string(in) + "," +
                                           std::to_string(cell.ops[static_cast<size_t>(v)]));
  }
  // n rounds: each vertex's hash takes in the sorted hashes of its in- and out-neighbours.
  for (int round = 0; round < n; ++round) {
    std::vector<uint64_t> next(hashes.size());
    for (int v = 0; v < n; ++v) {
      std::vector<uint64_t> in, out;
      for (int w = 0; w < n; ++w) {
        if (cell.edge(w, v)) in.push_back(hashes[static_cast<size_t>(w)]);
        if (cell.edge(v, w)) out.push_back(hashes[static_cast<size_t>(w)]);
      }
      std::sort(in.begin(), in.end());
      std::sort(out.begin(), out.end());
      std::string text;
      for (uint64_t h : in) text += std::to_string(h) + ",";
      text += "|";
      for (uint64_t h : out) text += std::to_string(h) + ",";
      text += "|" + std::to_string(hashes[static_cast<size_t>(v)]);
      next[static_cast<size_t>(v)] = fnv1a(text);
    }
    hashes.swap(next);
  }
  std::sort(hashes.begin(), hashes.end());
  std::string all;
  for (uint64_t h : hashes) all += std::to_string(h) + ",";
  return fnv1a(all);
}

}  // namespace narformer
