#include "narformer/model/attention.h"

#include <cmath>

namespace narformer {

namespace F = torch::nn::functional;

GraphAttentionImpl::GraphAttentionImpl(int64_t in_dim, int64_t out_dim, bool use_degree)
    : in_dim_(in_dim), use_degree_(use_degree) {
  // PyTorch-default initialisation for all attention linears (method.md §3.7).
  if (use_degree_) degree_ = register_module("degree", torch::nn::Linear(1, in_dim));
  query_key_ = register_module("query_key", torch::nn::Linear(in_dim, in_dim));
  neighbour_ = register_module("neighbour", torch::nn::Linear(in_dim, out_dim));
  root_ = register_module("root",
                          torch::nn::Linear(torch::nn::LinearOptions(in_dim, out_dim).bias(false)));
}

torch::Tensor GraphAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& adjacency,
                                          const torch::Tensor& degree) {
  const torch::Tensor gated = use_degree_ ? x * torch::sigmoid(degree_(degree)) : x;
  const torch::Tensor q = torch::sigmoid(query_key_(gated));
  torch::Tensor scores =
      torch::bmm(q, q.transpose(1, 2)).mul_(1.0 / std::sqrt(static_cast<double>(in_dim_)));
  scores = scores * adjacency;
  const torch::Tensor weights = scores / (scores.sum(-1, /*keepdim=*/true) + 1e-6);
  // (P X') W_lᵀ + b_l = P (X' W_lᵀ) + b_l: project first when that is cheaper.
  const torch::Tensor h = neighbour_(torch::bmm(weights, gated)) + root_(gated);
  return F::normalize(h, F::NormalizeFuncOptions().p(2).dim(-1).eps(1e-12));
}

}  // namespace narformer
