#include "narformer/cells/cell.h"

namespace narformer {

const std::vector<std::string>& cell_op_names(CellSpace space) {
  static const std::vector<std::string> nb101 = {"input", "conv1x1-bn-relu", "conv3x3-bn-relu",
                                                 "maxpool3x3", "output"};
  static const std::vector<std::string> nb201 = {
      "input", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3", "skip_connect", "none", "output"};
  return space == CellSpace::kNasBench101 ? nb101 : nb201;
}

std::string to_string(CellSpace space) {
  return space == CellSpace::kNasBench101 ? "nb101" : "nb201";
}

Graph to_graph(const Cell& cell, const std::string& source) {
  Graph graph(source);
  const auto& names = cell_op_names(cell.space);
  for (int v = 0; v < cell.num_vertices; ++v) {
    Node node;
    node.name = "v" + std::to_string(v);
    node.op_id = cell.ops[static_cast<size_t>(v)];
    node.op_type = names.at(static_cast<size_t>(node.op_id));
    graph.add_node(std::move(node));
  }
  for (int i = 0; i < cell.num_vertices; ++i)
    for (int j = 0; j < cell.num_vertices; ++j)
      if (cell.edge(i, j)) graph.add_edge(i, j);
  return graph;
}

}  // namespace narformer
