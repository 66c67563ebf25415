#pragma once
// The framework-agnostic network graph every importer produces and every tokenizer reads.
// Nodes are operators (or cell operations), edges are directed data flow. No LibTorch here.

#include <cstdint>
#include <map>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

namespace narformer {

/// An operator attribute, reduced to what tokenizers and cost models read.
struct Attribute {
  std::vector<int64_t> ints;
  std::vector<double> floats;
  std::string text;
};

/// Compute and memory cost of one node (or of a whole graph).
struct Cost {
  double flops = 0;   ///< floating-point operations
  double params = 0;  ///< trainable parameters
  double memory = 0;  ///< elements read and written
  /// The part of `memory` that is constant inputs (weights) read, the rest being outputs
  /// written; the cost readout prices the two separately (tokenize/token_sequence.h).
  double constant_memory = 0;
};

struct Node {
  std::string name;                   ///< unique in the graph (ONNX: output tensor name)
  std::string op_type;                ///< "Conv", "Input", "nor_conv_3x3", ...
  int op_id = -1;                     ///< cell vocabulary id (method.md §1.1); -1 otherwise
  std::vector<int64_t> output_shape;  ///< with the batch dimension first, where known
  std::map<std::string, Attribute> attributes;
  int num_inputs = 0;  ///< operator input count (e.g. Conv with bias: 3)
  Cost cost;
};

/// Graph-level facts used as static features.
struct GraphFacts {
  int64_t batch_size = 1;
  Cost total;
  // Set by importers of real model files (onnx/onnx_graph.h); empty/zero for cells.
  int num_operators = 0;                 ///< operators in the source file
  std::vector<std::string> unknown_ops;  ///< op types the importer does not know (sorted)
  int missing_shapes = 0;                ///< nodes whose output shape could not be inferred
};

class Graph {
 public:
  Graph() = default;
  explicit Graph(std::string source) : source_(std::move(source)) {}

  /// Appends a node and returns its index.
  int add_node(Node node);
  /// Adds a directed edge from -> to. Duplicate edges are kept once.
  void add_edge(int from, int to);

  const std::vector<Node>& nodes() const { return nodes_; }
  std::vector<Node>& nodes() { return nodes_; }
  const Node& node(int index) const { return nodes_.at(static_cast<size_t>(index)); }
  int num_nodes() const { return static_cast<int>(nodes_.size()); }

  /// Directed edges (from, to) in insertion order.
  const std::vector<std::pair<int, int>>& edges() const { return edges_; }
  bool has_edge(int from, int to) const;

  /// Number of undirected neighbours of each node (edge direction ignored).
  std::vector<int> undirected_degrees() const;

  GraphFacts& facts() { return facts_; }
  const GraphFacts& facts() const { return facts_; }

  /// Where the graph came from (file path, arch string), for error messages.
  const std::string& source() const { return source_; }

 private:
  std::vector<Node> nodes_;
  std::vector<std::pair<int, int>> edges_;
  std::unordered_set<uint64_t> edge_keys_;  // for O(1) duplicate checks
  GraphFacts facts_;
  std::string source_;
};

}  // namespace narformer
