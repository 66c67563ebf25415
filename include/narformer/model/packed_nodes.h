#pragma once
// A padded batch's real nodes, packed: graph after graph, no padding.
//
// A batch of ONNX graphs pads every graph to the largest (a mean of 137.5 nodes to 175 in
// bench_model's latency batch), and the encoder's per-node layers (the linear maps, layer norm,
// feed-forward) spend that share of their time on padding. Packed, those layers run on the
// T = Σ n_b real nodes only and attention runs on the batch's edges (CPU) or graph by graph on
// (n_b, n_b) blocks (CUDA; model/attention.h says why); the
// numbers are the padded encoder's to float rounding, dropout masks included (the masks are
// indexed by each node's padded position, model/dropout.h).

#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "narformer/config/choices.h"
#include "narformer/model/attention.h"
#include "narformer/model/dropout.h"

namespace narformer {

class PackedNodes {
 public:
  /// auto packs only batches whose graphs average at least this many nodes.
  static constexpr int64_t kMinMeanNodes = 16;

  /// Whether auto might pack a batch of this (B, N) mask at all: several graphs, N large
  /// enough. Decided from the shape alone, so NAS-Bench cells never read their mask here.
  static bool may_pack(NodePacking setting, const torch::Tensor& mask) {
    if (setting != NodePacking::kAuto) return setting == NodePacking::kPacked;
    return mask.size(0) > 1 && mask.size(1) >= kMinMeanNodes;
  }

  /// mask: (B, N), 1 for real nodes, each graph's nodes first (as collate() lays them out).
  explicit PackedNodes(const torch::Tensor& mask);

  /// Whether `setting` packs this batch. auto packs when it saves at least 10 % of the node
  /// rows and graphs average 16 nodes or more: below that, a product per graph costs more in
  /// calls than padding does (NAS-Bench cells have 4 to 9 nodes).
  bool worth_it(NodePacking setting) const;

  /// (B, N, D) -> (T, D): the real nodes' rows.
  torch::Tensor pack(const torch::Tensor& padded) const;
  /// (T, D) -> (B, N, D), zero at padded nodes; differentiable.
  torch::Tensor unpack(const torch::Tensor& packed) const;
  /// The attention's neighbourhoods: on the CPU the padded adjacency's nonzero entries as an
  /// edge list of packed indices, elsewhere graph b's (n_b, n_b) block of it.
  Neighbourhoods neighbourhoods(const torch::Tensor& adjacency) const;
  /// Dropout rows for packed tensors: node n of local graph b is row (row(b)·N + n) of
  /// (global rows · N), row(b) being b's row in the whole batch (`outer`, or b without one).
  BatchRows dropout_rows(const BatchRows* outer) const;

  const std::vector<int64_t>& sizes() const { return sizes_; }
  int64_t total() const { return total_; }

 private:
  int64_t batch_ = 0, max_nodes_ = 0, total_ = 0;
  std::vector<int64_t> sizes_;
  torch::Tensor index_;  ///< (T) int64: b·N + n of every real node, on the mask's device
};

}  // namespace narformer
