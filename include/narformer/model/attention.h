#pragma once
// Graph-aided attention layer (method.md §3.2), over padded or packed graphs.
//
//   G  = σ(deg · W_dᵀ + b_d)                 degree gating (optional)
//   X' = X ⊙ G
//   Q  = σ(X' W_qkᵀ + b_qk)                  shared query/key, no value projection
//   S  = (Q Qᵀ / sqrt(in)) ⊙ A               only graph neighbours attend, no softmax
//   P  = S / (Σ_k S_ik + 1e-6)
//   H  = (P X') W_lᵀ + b_l + X' W_rᵀ         neighbours + root
//   H_i ← H_i / max(‖H_i‖, 1e-12)
//
// Padded nodes have zero adjacency rows and columns, so they never reach real nodes; packed
// batches (model/packed_nodes.h) hold no padded nodes. On the CPU a packed batch computes S and
// P on its edges only (an ONNX graph of n nodes has about 1.2 n edges, while a dense block
// costs n² per product and per elementwise step: ViT-sized graphs of 600-900 nodes spent most
// of a training step there); on CUDA it runs them graph by graph on dense blocks, where
// scattered sums would be atomic and so not reproducible.

#include <cstdint>
#include <vector>

#include <torch/torch.h>

namespace narformer {

/// Who attends to whom, in one of the encoder's two batch layouts. Padded: node tensors
/// (B, N, ·) and one (B, N, N) adjacency. Packed: node tensors (T, ·) holding the graphs' real
/// nodes one graph after another, and either graph b's (n_b, n_b) adjacency block or the
/// batch's edges as one list.
struct Neighbourhoods {
  torch::Tensor adjacency;            ///< padded layout; undefined when packed
  std::vector<torch::Tensor> blocks;  ///< packed layout, dense: graph b's adjacency
  std::vector<int64_t> sizes;         ///< packed layout, dense: graph b's node count n_b
  /// Packed layout, edges: (E) int64 packed indices of each nonzero adjacency entry (i, j), in
  /// row-major order, and its value A_ij. Both directions of an edge are entries.
  torch::Tensor edge_rows, edge_cols, edge_values;

  bool packed() const { return !adjacency.defined(); }
  bool edge_list() const { return edge_rows.defined(); }
};

class GraphAttentionImpl : public torch::nn::Module {
 public:
  GraphAttentionImpl(int64_t in_dim, int64_t out_dim, bool use_degree);

  /// x: (B, N, in) padded or (T, in) packed; degree: the adjacency's row sums in the same
  /// layout, (B, N, 1) or (T, 1).
  torch::Tensor forward(const torch::Tensor& x, const Neighbourhoods& graphs,
                        const torch::Tensor& degree);

 private:
  int64_t in_dim_;
  bool use_degree_;
  torch::nn::Linear degree_{nullptr};
  torch::nn::Linear query_key_{nullptr};
  torch::nn::Linear neighbour_{nullptr};
  torch::nn::Linear root_{nullptr};
};
TORCH_MODULE(GraphAttention);

}  // namespace narformer
