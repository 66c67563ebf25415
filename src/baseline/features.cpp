#include "narformer/baseline/features.h"

#include <algorithm>
#include <functional>

#include "narformer/core/error.h"
#include "narformer/tokenize/onnx_tokenizer.h"

namespace narformer {

namespace {

/// What the flat encodings of a cell space look like.
struct SpaceLayout {
  int positions;  ///< inner vertices encoded (NB201: one per edge)
  int first_op;   ///< op ids of inner vertices: first_op .. first_op + ops - 1
  int ops;
  int padded_vertices;  ///< adjacency padded to this many vertices (0 = not encoded)
  int min_path;         ///< inner vertices on the shortest possible input-to-output path
  int max_path;         ///< ... on the longest
  int dead_op;          ///< op id through which no data flows (NB201 `none`), -1 = none
};

SpaceLayout layout_of(CellSpace space) {
  if (space == CellSpace::kNasBench201) return {6, 1, 5, 0, 1, 3, 5};
  return {5, 1, 3, 7, 0, 5, -1};
}

int64_t power(int64_t base, int exponent) {
  int64_t p = 1;
  for (int i = 0; i < exponent; ++i) p *= base;
  return p;
}

/// Columns of the path encoding before paths of `length` inner vertices.
int64_t path_offset(const SpaceLayout& l, int length) {
  int64_t offset = 0;
  for (int k = l.min_path; k < length; ++k) offset += power(l.ops, k);
  return offset;
}

/// Every input-to-output path of the cell, as the op ids of its inner vertices.
std::vector<std::vector<int>> input_output_paths(const Cell& cell) {
  std::vector<std::vector<int>> paths;
  std::vector<int> ops;
  const int last = cell.num_vertices - 1;
  std::function<void(int)> walk = [&](int v) {
    if (v == last) {
      paths.push_back(ops);
      return;
    }
    for (int next = v + 1; next <= last; ++next) {
      if (!cell.edge(v, next)) continue;
      if (next != last) ops.push_back(cell.ops[static_cast<size_t>(next)]);
      walk(next);
      if (next != last) ops.pop_back();
    }
  };
  if (cell.num_vertices > 1) walk(0);
  return paths;
}

std::string op_name(CellSpace space, int op) {
  return cell_op_names(space).at(static_cast<size_t>(op));
}

}  // namespace

FeatureSet parse_feature_set(const std::string& name) {
  if (name == "encoding") return FeatureSet::kEncoding;
  if (name == "graph") return FeatureSet::kGraph;
  throw ConfigError("unknown feature set '" + name + "' (encoding | graph)");
}

std::string to_string(FeatureSet set) {
  return set == FeatureSet::kEncoding ? "encoding" : "graph";
}

std::vector<std::string> cell_feature_names(CellSpace space, FeatureSet set) {
  const SpaceLayout l = layout_of(space);
  std::vector<std::string> names;
  for (int p = 0; p < l.positions; ++p)
    for (int o = 0; o < l.ops; ++o)
      names.push_back((space == CellSpace::kNasBench201 ? "edge" : "vertex") +
                      std::to_string(p + 1) + "=" + op_name(space, l.first_op + o));
  for (int i = 0; i < l.padded_vertices; ++i)
    for (int j = i + 1; j < l.padded_vertices; ++j)
      names.push_back("adj" + std::to_string(i) + "-" + std::to_string(j));
  if (set == FeatureSet::kEncoding) return names;
  for (int o = 0; o < l.ops; ++o) names.push_back("count:" + op_name(space, l.first_op + o));
  for (int length = l.min_path; length <= l.max_path; ++length)
    for (int64_t code = 0; code < power(l.ops, length); ++code) {
      std::string path = "path:";
      int64_t rest = code;
      for (int k = 0; k < length; ++k, rest /= l.ops)
        path += (k ? ">" : "") + op_name(space, l.first_op + static_cast<int>(rest % l.ops));
      names.push_back(length == 0 ? "path:direct" : path);
    }
  for (const char* name :
       {"live_paths", "shortest_live_path", "longest_live_path", "vertices", "edges"})
    names.emplace_back(name);
  return names;
}

std::vector<float> cell_features(const Cell& cell, FeatureSet set) {
  const SpaceLayout l = layout_of(cell.space);
  const int n = cell.num_vertices;
  const int inner = n - 2;
  if (inner < 0 || inner > l.positions || (l.padded_vertices && n > l.padded_vertices))
    throw DataError(to_string(cell.space) + " cell with " + std::to_string(n) +
                    " vertices: too many for its features");
  std::vector<float> row;
  // (position, operation) one-hot of the inner vertices.
  for (int p = 0; p < l.positions; ++p)
    for (int o = 0; o < l.ops; ++o)
      row.push_back(p < inner && cell.ops[static_cast<size_t>(p + 1)] == l.first_op + o ? 1.0f
                                                                                        : 0.0f);
  // Adjacency padded to the largest cell: the output vertex always takes the last index.
  if (l.padded_vertices) {
    auto padded = [&](int v) { return v == n - 1 ? l.padded_vertices - 1 : v; };
    std::vector<float> adjacency(static_cast<size_t>(l.padded_vertices * l.padded_vertices), 0.0f);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j)
        if (cell.edge(i, j))
          adjacency[static_cast<size_t>(padded(i) * l.padded_vertices + padded(j))] = 1.0f;
    for (int i = 0; i < l.padded_vertices; ++i)
      for (int j = i + 1; j < l.padded_vertices; ++j)
        row.push_back(adjacency[static_cast<size_t>(i * l.padded_vertices + j)]);
  }
  if (set == FeatureSet::kEncoding) return row;

  std::vector<float> counts(static_cast<size_t>(l.ops), 0.0f);
  for (int v = 1; v + 1 < n; ++v)
    counts.at(static_cast<size_t>(cell.ops[static_cast<size_t>(v)] - l.first_op)) += 1;
  row.insert(row.end(), counts.begin(), counts.end());

  const size_t path_begin = row.size();
  row.resize(path_begin + static_cast<size_t>(path_offset(l, l.max_path + 1)), 0.0f);
  int live = 0, shortest = 0, longest = 0;
  for (const std::vector<int>& path : input_output_paths(cell)) {
    const int length = static_cast<int>(path.size());
    if (length < l.min_path || length > l.max_path)
      throw DataError(to_string(cell.space) + " cell: a path of " + std::to_string(length) +
                      " operations");
    int64_t code = 0;
    for (int k = length - 1; k >= 0; --k)
      code = code * l.ops + (path[static_cast<size_t>(k)] - l.first_op);
    row[path_begin + static_cast<size_t>(path_offset(l, length) + code)] += 1;
    if (std::find(path.begin(), path.end(), l.dead_op) != path.end()) continue;
    shortest = live == 0 ? length : std::min(shortest, length);
    longest = std::max(longest, length);
    ++live;
  }
  int edges = 0;
  for (uint8_t e : cell.adjacency) edges += e != 0;
  for (int value : {live, shortest, longest, n, edges}) row.push_back(static_cast<float>(value));
  return row;
}

std::vector<std::string> onnx_feature_names(FeatureSet set) {
  std::vector<std::string> names = {
      "gflop_spatial_conv", "gflop_pointwise_conv", "gflop_grouped_conv",
      "gflop_matmul",       "giga_pool_windows",    "melem_written",
      "melem_weights_read", "library_calls",        "other_operators"};
  static_assert(kNodeCostDims == 9, "name every NodeCost column here");
  if (set == FeatureSet::kEncoding) return names;
  for (int code = 1; code <= OnnxTokenizer::kOpTypeDims; ++code)
    names.push_back("ops:code" + std::to_string(code));
  for (const char* name : {"ops:other", "nodes", "edges", "depth", "max_fan_in", "max_fan_out"})
    names.emplace_back(name);
  return names;
}

std::vector<float> onnx_features(const TokenSequence& tokens, FeatureSet set) {
  const int n = tokens.num_nodes;
  if (tokens.node_costs.size() != static_cast<size_t>(n) * kNodeCostDims || n == 0)
    throw DataError("ONNX features need tokens of an ONNX graph with node costs; these have none");
  std::vector<double> totals(kNodeCostDims, 0.0);
  for (int i = 0; i < n; ++i)
    for (int c = 0; c < kNodeCostDims; ++c)
      totals[static_cast<size_t>(c)] +=
          tokens.node_costs[static_cast<size_t>(i * kNodeCostDims + c)];
  std::vector<float> row(totals.begin(), totals.end());
  if (set == FeatureSet::kEncoding) return row;

  // Op-type one-hot: columns 0-31 of every row; a row without a 1 there is another operator.
  std::vector<float> op_counts(OnnxTokenizer::kOpTypeDims + 1, 0.0f);
  for (int i = 0; i < n; ++i) {
    bool known = false;
    for (int c = 0; c < OnnxTokenizer::kOpTypeDims; ++c)
      if (tokens.at(i, c) > 0.5f) {
        op_counts[static_cast<size_t>(c)] += 1;
        known = true;
      }
    if (!known) op_counts.back() += 1;
  }
  row.insert(row.end(), op_counts.begin(), op_counts.end());
  // Nodes are in topological order and each undirected edge is stored once with first <
  // second, so (first, second) is the data-flow direction.
  std::vector<int> depth(static_cast<size_t>(n), 1), fan_in(static_cast<size_t>(n), 0),
      fan_out(static_cast<size_t>(n), 0);
  std::vector<std::pair<int32_t, int32_t>> edges = tokens.edges;
  std::sort(edges.begin(), edges.end(),
            [](const auto& a, const auto& b) { return a.second < b.second; });
  for (const auto& [from, to] : edges) {
    depth[static_cast<size_t>(to)] =
        std::max(depth[static_cast<size_t>(to)], depth[static_cast<size_t>(from)] + 1);
    ++fan_in[static_cast<size_t>(to)];
    ++fan_out[static_cast<size_t>(from)];
  }
  for (int value :
       {n, static_cast<int>(edges.size()), *std::max_element(depth.begin(), depth.end()),
        *std::max_element(fan_in.begin(), fan_in.end()),
        *std::max_element(fan_out.begin(), fan_out.end())})
    row.push_back(static_cast<float>(value));
  return row;
}

}  // namespace narformer
