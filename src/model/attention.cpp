#include "narformer/model/attention.h"

#include <cmath>

namespace narformer {

namespace F = torch::nn::functional;

namespace {

/// P X' for one graph (2-D operands) or a padded batch of them (3-D).
torch::Tensor aggregate(const torch::Tensor& q, const torch::Tensor& gated,
                        const torch::Tensor& adjacency, double scale) {
  torch::Tensor scores = torch::matmul(q, q.transpose(-2, -1)).mul_(scale);
  scores = scores * adjacency;
  const torch::Tensor weights = scores / (scores.sum(-1, /*keepdim=*/true) + 1e-6);
  return torch::matmul(weights, gated);
}

/// The same on a packed batch's edge list: S and P only where A is nonzero (the zero entries
/// add nothing to the row sums or to P X'), in O(E · in) instead of O(Σ n_b² · in).
torch::Tensor aggregate_edges(const torch::Tensor& q, const torch::Tensor& gated,
                              const Neighbourhoods& graphs, double scale) {
  const torch::Tensor& rows = graphs.edge_rows;
  const torch::Tensor& cols = graphs.edge_cols;
  const torch::Tensor scores =
      (q.index_select(0, rows) * q.index_select(0, cols)).sum(-1).mul_(scale) * graphs.edge_values;
  const torch::Tensor row_sums = torch::zeros({q.size(0)}, q.options()).index_add(0, rows, scores);
  const torch::Tensor weights = scores / (row_sums.index_select(0, rows) + 1e-6);
  return torch::zeros_like(gated).index_add(0, rows,
                                            gated.index_select(0, cols) * weights.unsqueeze(1));
}

}  // namespace

GraphAttentionImpl::GraphAttentionImpl(int64_t in_dim, int64_t out_dim, bool use_degree)
    : in_dim_(in_dim), use_degree_(use_degree) {
  // PyTorch-default initialisation for all attention linears (method.md §3.7).
  if (use_degree_) degree_ = register_module("degree", torch::nn::Linear(1, in_dim));
  query_key_ = register_module("query_key", torch::nn::Linear(in_dim, in_dim));
  neighbour_ = register_module("neighbour", torch::nn::Linear(in_dim, out_dim));
  root_ = register_module("root",
                          torch::nn::Linear(torch::nn::LinearOptions(in_dim, out_dim).bias(false)));
}

torch::Tensor GraphAttentionImpl::forward(const torch::Tensor& x, const Neighbourhoods& graphs,
                                          const torch::Tensor& degree) {
  const torch::Tensor gated = use_degree_ ? x * torch::sigmoid(degree_(degree)) : x;
  const torch::Tensor q = torch::sigmoid(query_key_(gated));
  const double scale = 1.0 / std::sqrt(static_cast<double>(in_dim_));
  torch::Tensor neighbours;
  if (!graphs.packed()) {
    neighbours = aggregate(q, gated, graphs.adjacency, scale);
  } else if (graphs.edge_list()) {
    neighbours = aggregate_edges(q, gated, graphs, scale);
  } else {
    // One split per operand: its backward is one concatenation, where per-graph slices
    // would each add a zero-filled gradient of the whole batch.
    const std::vector<torch::Tensor> qs = torch::split_with_sizes(q, graphs.sizes);
    const std::vector<torch::Tensor> xs = torch::split_with_sizes(gated, graphs.sizes);
    std::vector<torch::Tensor> parts(graphs.sizes.size());
    for (size_t b = 0; b < parts.size(); ++b)
      parts[b] = aggregate(qs[b], xs[b], graphs.blocks[b], scale);
    neighbours = torch::cat(parts);
  }
  const torch::Tensor h = neighbour_(neighbours) + root_(gated);
  return F::normalize(h, F::NormalizeFuncOptions().p(2).dim(-1).eps(1e-12));
}

}  // namespace narformer
