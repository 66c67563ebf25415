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
// batches (model/packed_nodes.h) hold no padded nodes and run S and P graph by graph.

#include <cstdint>
#include <vector>

#include <torch/torch.h>

namespace narformer {

/// Who attends to whom, in one of the encoder's two batch layouts. Padded: node tensors
/// (B, N, ·) and one (B, N, N) adjacency. Packed: node tensors (T, ·) holding the graphs' real
/// nodes one graph after another, and graph b's (n_b, n_b) adjacency block.
struct Neighbourhoods {
  torch::Tensor adjacency;            ///< padded layout; undefined when packed
  std::vector<torch::Tensor> blocks;  ///< packed layout: graph b's adjacency
  std::vector<int64_t> sizes;         ///< packed layout: graph b's node count n_b

  bool packed() const { return !adjacency.defined(); }
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
