#include "narformer/graph/graph.h"

#include <stdexcept>

namespace narformer {

namespace {
uint64_t edge_key(int from, int to) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(from)) << 32) | static_cast<uint32_t>(to);
}
}  // namespace

int Graph::add_node(Node node) {
  nodes_.push_back(std::move(node));
  return static_cast<int>(nodes_.size()) - 1;
}

void Graph::add_edge(int from, int to) {
  if (from < 0 || to < 0 || from >= num_nodes() || to >= num_nodes())
    throw std::out_of_range("Graph::add_edge: node index out of range");
  if (edge_keys_.insert(edge_key(from, to)).second) edges_.emplace_back(from, to);
}

bool Graph::has_edge(int from, int to) const {
  return edge_keys_.count(edge_key(from, to)) > 0;
}

std::vector<int> Graph::undirected_degrees() const {
  std::vector<int> degree(nodes_.size(), 0);
  // An edge in both directions counts once: the model sees the symmetrised adjacency.
  for (const auto& [from, to] : edges_) {
    if (from != to && has_edge(to, from) && from > to) continue;
    if (from == to) continue;
    ++degree[static_cast<size_t>(from)];
    ++degree[static_cast<size_t>(to)];
  }
  return degree;
}

}  // namespace narformer
