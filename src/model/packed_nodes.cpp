#include "narformer/model/packed_nodes.h"

#include <stdexcept>
#include <string>

namespace narformer {

PackedNodes::PackedNodes(const torch::Tensor& mask)
    : batch_(mask.size(0)), max_nodes_(mask.size(1)) {
  const torch::Tensor host = mask.to(torch::kCPU, torch::kFloat32).contiguous();
  const float* m = host.data_ptr<float>();
  std::vector<int64_t> index;
  index.reserve(static_cast<size_t>(batch_ * max_nodes_));
  for (int64_t b = 0; b < batch_; ++b) {
    const float* row = m + b * max_nodes_;
    int64_t n = 0;
    while (n < max_nodes_ && row[n] != 0) index.push_back(b * max_nodes_ + n++);
    sizes_.push_back(n);
    for (int64_t k = n; k < max_nodes_; ++k)
      if (row[k] != 0)
        throw std::logic_error("PackedNodes: graph " + std::to_string(b) +
                               "'s real nodes are not its first ones");
  }
  total_ = static_cast<int64_t>(index.size());
  index_ = torch::tensor(index, torch::kInt64).to(mask.device());
}

bool PackedNodes::worth_it(NodePacking setting) const {
  if (setting != NodePacking::kAuto) return setting == NodePacking::kPacked;
  const double rows = static_cast<double>(batch_ * max_nodes_);
  return batch_ > 1 && total_ >= kMinMeanNodes * batch_ &&
         static_cast<double>(total_) <= 0.9 * rows;
}

torch::Tensor PackedNodes::pack(const torch::Tensor& padded) const {
  return padded.reshape({batch_ * max_nodes_, padded.size(-1)}).index_select(0, index_);
}

torch::Tensor PackedNodes::unpack(const torch::Tensor& packed) const {
  const int64_t width = packed.size(-1);
  return torch::zeros({batch_ * max_nodes_, width}, packed.options())
      .index_copy(0, index_, packed)
      .view({batch_, max_nodes_, width});
}

Neighbourhoods PackedNodes::neighbourhoods(const torch::Tensor& adjacency) const {
  Neighbourhoods graphs;
  if (adjacency.device().is_cpu()) {
    // Graph b's node i is packed row offset_b + i (its real nodes come first).
    std::vector<int64_t> offsets(sizes_.size(), 0);
    for (size_t b = 1; b < sizes_.size(); ++b) offsets[b] = offsets[b - 1] + sizes_[b - 1];
    const torch::Tensor entries = adjacency.nonzero();  // (E, 3): b, i, j in row-major order
    const torch::Tensor graph = entries.select(1, 0);
    const torch::Tensor offset = torch::tensor(offsets, torch::kInt64).index_select(0, graph);
    graphs.edge_rows = offset + entries.select(1, 1);
    graphs.edge_cols = offset + entries.select(1, 2);
    graphs.edge_values =
        adjacency.index({graph, entries.select(1, 1), entries.select(1, 2)}).contiguous();
    return graphs;
  }
  graphs.sizes = sizes_;
  graphs.blocks.reserve(sizes_.size());
  for (int64_t b = 0; b < batch_; ++b) {
    const int64_t n = sizes_[static_cast<size_t>(b)];
    graphs.blocks.push_back(adjacency[b].narrow(0, 0, n).narrow(1, 0, n));
  }
  return graphs;
}

BatchRows PackedNodes::dropout_rows(const BatchRows* outer) const {
  if (outer != nullptr && static_cast<int64_t>(outer->positions.size()) != batch_)
    throw std::logic_error("PackedNodes: the batch rows do not match the batch");
  BatchRows rows;
  rows.global_rows = (outer != nullptr ? outer->global_rows : batch_) * max_nodes_;
  rows.positions.reserve(static_cast<size_t>(total_));
  for (int64_t b = 0; b < batch_; ++b) {
    const int64_t row = outer != nullptr ? outer->positions[static_cast<size_t>(b)] : b;
    for (int64_t n = 0; n < sizes_[static_cast<size_t>(b)]; ++n)
      rows.positions.push_back(row * max_nodes_ + n);
  }
  return rows;
}

}  // namespace narformer
