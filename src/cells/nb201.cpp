#include "narformer/cells/nb201.h"

#include <algorithm>
#include <array>

#include "narformer/core/error.h"

namespace narformer {

namespace {

constexpr int kNodes = 8;
// Directed adjacency of every NB201 cell in node-op form (method.md §1.2).
constexpr std::array<std::pair<int, int>, 10> kEdges = {
    {{0, 1}, {0, 2}, {0, 4}, {1, 3}, {1, 5}, {2, 6}, {3, 6}, {4, 7}, {5, 7}, {6, 7}}};

// Cell node 1 + e holds edge e's op, edges in arch-string order c0→c1, c0→c2, c1→c2, c0→c3, ...
constexpr std::array<int, 6> kSource = {0, 0, 1, 0, 1, 2};
constexpr std::array<int, 6> kTarget = {1, 2, 2, 3, 3, 3};

void require_nb201(const Cell& cell, const char* function) {
  if (cell.space != CellSpace::kNasBench201 || cell.num_vertices != kNodes)
    throw DataError(std::string(function) + ": not a NAS-Bench-201 cell");
}

int op_id(const std::string& name) {
  const auto& names = cell_op_names(CellSpace::kNasBench201);
  return static_cast<int>(std::find(names.begin(), names.end(), name) - names.begin());
}

[[noreturn]] void malformed(const std::string& arch, const std::string& why) {
  throw DataError("malformed NAS-Bench-201 arch string '" + arch + "': " + why);
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string current;
  for (char c : text) {
    if (c == separator) {
      parts.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  parts.push_back(current);
  return parts;
}

}  // namespace

Cell parse_nb201_arch(const std::string& arch) {
  const auto& names = cell_op_names(CellSpace::kNasBench201);
  const std::vector<std::string> stages = split(arch, '+');
  if (stages.size() != 3)
    malformed(arch, "expected 3 '+'-separated nodes, found " + std::to_string(stages.size()));

  std::vector<int> edge_ops;  // in the order c0→c1, c0→c2, c1→c2, c0→c3, c1→c3, c2→c3
  for (size_t target = 0; target < stages.size(); ++target) {
    const std::string& stage = stages[target];
    if (stage.size() < 2 || stage.front() != '|' || stage.back() != '|')
      malformed(arch, "node " + std::to_string(target + 1) + " must be written as |op~k|...|");
    const std::vector<std::string> items = split(stage.substr(1, stage.size() - 2), '|');
    if (items.size() != target + 1)
      malformed(arch, "node " + std::to_string(target + 1) + " needs " +
                          std::to_string(target + 1) + " input edges, found " +
                          std::to_string(items.size()));
    for (size_t source = 0; source < items.size(); ++source) {
      const std::string& item = items[source];
      const auto tilde = item.find('~');
      if (tilde == std::string::npos) malformed(arch, "edge '" + item + "' has no '~source'");
      const std::string op = item.substr(0, tilde);
      const std::string index = item.substr(tilde + 1);
      if (index != std::to_string(source))
        malformed(arch, "edge '" + item + "' should come from node " + std::to_string(source));
      int op_id = -1;
      // Only edge ops are valid in a string: not "input" (0) or "output" (6).
      for (int id = 1; id <= 5; ++id)
        if (names[static_cast<size_t>(id)] == op) op_id = id;
      if (op_id < 0) malformed(arch, "unknown operation '" + op + "'");
      edge_ops.push_back(op_id);
    }
  }

  Cell cell;
  cell.space = CellSpace::kNasBench201;
  cell.num_vertices = kNodes;
  cell.adjacency.assign(kNodes * kNodes, 0);
  for (const auto& [from, to] : kEdges) cell.adjacency[static_cast<size_t>(from * kNodes + to)] = 1;
  cell.ops.reserve(kNodes);
  cell.ops.push_back(0);
  cell.ops.insert(cell.ops.end(), edge_ops.begin(), edge_ops.end());
  cell.ops.push_back(6);
  return cell;
}

std::vector<std::string> all_nb201_archs() {
  const auto& names = cell_op_names(CellSpace::kNasBench201);
  constexpr int kEdgeOps = 5, kCellEdges = 6;  // op ids 1..5 on edges c0→c1 ... c2→c3
  std::vector<std::string> out;
  Cell cell = parse_nb201_arch("|" + names[1] + "~0|+|" + names[1] + "~0|" + names[1] + "~1|+|" +
                               names[1] + "~0|" + names[1] + "~1|" + names[1] + "~2|");
  int total = 1;
  for (int e = 0; e < kCellEdges; ++e) total *= kEdgeOps;
  out.reserve(static_cast<size_t>(total));
  for (int code = 0; code < total; ++code) {
    int rest = code;
    for (int e = kCellEdges - 1; e >= 0; --e) {
      cell.ops[static_cast<size_t>(1 + e)] = 1 + rest % kEdgeOps;
      rest /= kEdgeOps;
    }
    out.push_back(nb201_arch_string(cell));
  }
  return out;
}

Cell nb201_prune_dead(const Cell& cell) {
  require_nb201(cell, "nb201_prune_dead");
  static const int none = op_id("none");
  auto live_op = [&](size_t e) { return cell.ops[1 + e] != none; };
  std::array<bool, 4> fed = {true, false, false, false};  // carries something from the input
  for (size_t e = 0; e < kSource.size(); ++e)             // edges are ordered by target
    if (live_op(e) && fed[static_cast<size_t>(kSource[e])])
      fed[static_cast<size_t>(kTarget[e])] = true;
  if (!fed[3]) return cell;
  std::array<bool, 4> reaches = {false, false, false, true};  // feeds the output
  for (size_t e = kSource.size(); e-- > 0;)  // reverse order: targets are settled first
    if (live_op(e) && reaches[static_cast<size_t>(kTarget[e])])
      reaches[static_cast<size_t>(kSource[e])] = true;
  Cell pruned = cell;
  for (size_t e = 0; e < kSource.size(); ++e)
    if (!fed[static_cast<size_t>(kSource[e])] || !reaches[static_cast<size_t>(kTarget[e])])
      pruned.ops[1 + e] = none;
  return pruned;
}

std::string nb201_unique_string(const Cell& cell) {
  require_nb201(cell, "nb201_unique_string");
  const auto& names = cell_op_names(CellSpace::kNasBench201);
  std::array<std::string, 4> node = {"0", "", "", ""};
  for (int target = 1; target <= 3; ++target) {
    std::vector<std::string> terms;
    for (size_t e = 0; e < kSource.size(); ++e) {
      if (kTarget[e] != target) continue;
      const std::string& op = names.at(static_cast<size_t>(cell.ops[1 + e]));
      const std::string& in = node[static_cast<size_t>(kSource[e])];
      if (op == "none" || in == "#")
        terms.push_back("#");  // zero
      else if (op == "skip_connect")
        terms.push_back(in);
      else
        terms.push_back("(" + in + ")@" + op);
    }
    std::sort(terms.begin(), terms.end());
    std::string& sum = node[static_cast<size_t>(target)];
    for (size_t t = 0; t < terms.size(); ++t) sum += (t ? "+" : "") + terms[t];
  }
  return node[3];
}

std::string nb201_arch_string(const Cell& cell) {
  require_nb201(cell, "nb201_arch_string");
  const auto& names = cell_op_names(CellSpace::kNasBench201);
  auto op = [&](int node, int source) {
    return names.at(static_cast<size_t>(cell.ops[static_cast<size_t>(node)])) + "~" +
           std::to_string(source);
  };
  return "|" + op(1, 0) + "|+|" + op(2, 0) + "|" + op(3, 1) + "|+|" + op(4, 0) + "|" + op(5, 1) +
         "|" + op(6, 2) + "|";
}

}  // namespace narformer
