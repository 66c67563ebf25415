#pragma once
// Graph-aided attention layer (method.md §3.2), batched over padded graphs.
//
//   G  = σ(deg · W_dᵀ + b_d)                 degree gating (optional)
//   X' = X ⊙ G
//   Q  = σ(X' W_qkᵀ + b_qk)                  shared query/key, no value projection
//   S  = (Q Qᵀ / sqrt(in)) ⊙ A               only graph neighbours attend, no softmax
//   P  = S / (Σ_k S_ik + 1e-6)
//   H  = (P X') W_lᵀ + b_l + X' W_rᵀ         neighbours + root
//   H_i ← H_i / max(‖H_i‖, 1e-12)
//
// Padded nodes have zero adjacency rows and columns, so they never reach real nodes.

#include <torch/torch.h>

namespace narformer {

class GraphAttentionImpl : public torch::nn::Module {
 public:
  GraphAttentionImpl(int64_t in_dim, int64_t out_dim, bool use_degree);

  /// x: (B, N, in), adjacency: (B, N, N), degree: (B, N, 1) = adjacency row sums.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& adjacency,
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
