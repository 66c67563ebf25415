#include "narformer/torch_free/lite_model.h"

#include <algorithm>
#include <cmath>

#include <cblas.h>

#include "blas_ops.h"
#include "narformer/core/error.h"

namespace narformer {

using lite::apply;
using lite::normalize_rows;
using lite::sigmoid;

LiteLinear LiteModel::linear(const std::string& name, int64_t in, int64_t out, bool bias) const {
  return LiteLinear::read(weights_, name, in, out, source_, bias);
}

LiteModel::LayerNorm LiteModel::layer_norm(const std::string& name, int64_t dim) const {
  return {dim, weights_.at(name + ".weight", {dim}, source_).values.data(),
          weights_.at(name + ".bias", {dim}, source_).values.data()};
}

LiteModel::GroupedLinear LiteModel::grouped(const std::string& name, int64_t in, int64_t out,
                                            int64_t groups) const {
  GroupedLinear g;
  g.in = in;
  g.out = out;
  g.groups = groups;
  g.weight =
      weights_.at(name + ".weight", {groups, in / groups, out / groups}, source_).values.data();
  g.bias = weights_.at(name + ".bias", {groups, 1, out / groups}, source_).values.data();
  g.norm = layer_norm(name + ".norm", out / groups);
  return g;
}

LiteModel::LiteModel(const ModelOptions& options, WeightFile weights, const std::string& source)
    : options_(options), weights_(std::move(weights)), source_(source) {
  const int64_t h = options.hidden, L = options.blocks;
  if (options.ffn_groups <= 0 || h % options.ffn_groups || options.ffn_hidden % options.ffn_groups)
    throw RunError(with_file(source, "model widths do not divide into the FFN groups"));
  for (int64_t l = 0; l < L; ++l) {
    const std::string p = "encoder.block" + std::to_string(l) + ".";
    Block b;
    b.in_dim = l == 0 ? options.input_dim : h;
    if (options.use_degree) b.degree = linear(p + "attention.degree", 1, b.in_dim);
    b.query_key = linear(p + "attention.query_key", b.in_dim, b.in_dim);
    b.neighbour = linear(p + "attention.neighbour", b.in_dim, h);
    b.root = linear(p + "attention.root", b.in_dim, h, /*bias=*/false);
    b.norm = layer_norm(p + "norm", h);
    b.up = grouped(p + "ffn.up", h, options.ffn_hidden, options.ffn_groups);
    b.down = grouped(p + "ffn.down", options.ffn_hidden, h, options.ffn_groups);
    b.layer_scale = weights_.at(p + "layer_scale", {h}, source_).values.data();
    blocks_.push_back(b);
  }
  readout_ = make_lite_readout(*options.readout, weights_, options, source_);
  head_ = make_lite_head(*options.readout->head, weights_, options, source_);
}

int64_t LiteModel::embedding_dim() const {
  return options_.readout->head->embedding_dim(options_);
}

void LiteModel::check(const TokenSequence& tokens, int64_t head) const {
  if (tokens.num_nodes <= 0) throw DataError("lite model: a graph without nodes");
  if (tokens.feature_dim != options_.input_dim)
    throw DataError("lite model: tokens of width " + std::to_string(tokens.feature_dim) +
                    ", the model reads " + std::to_string(options_.input_dim));
  head_->check(tokens);
  if (head < 0 || head >= options_.num_heads)
    throw DataError("lite model: head " + std::to_string(head) + " of " +
                    std::to_string(options_.num_heads));
}

std::vector<std::vector<float>> LiteModel::encode(const TokenSequence& tokens) const {
  const int64_t n = tokens.num_nodes, h = options_.hidden, F = options_.ffn_hidden,
                G = options_.ffn_groups;
  std::vector<float> adjacency(static_cast<size_t>(n * n), 0.0f),
      degree(static_cast<size_t>(n), 0.0f);
  for (const auto& [i, j] : tokens.edges) {
    if (i < 0 || j < 0 || i >= n || j >= n)
      throw DataError("lite model: an edge outside the graph");
    adjacency[static_cast<size_t>(i * n + j)] = adjacency[static_cast<size_t>(j * n + i)] = 1.0f;
  }
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      degree[static_cast<size_t>(i)] += adjacency[static_cast<size_t>(i * n + j)];

  std::vector<std::vector<float>> layers;
  std::vector<float> x = tokens.features;
  std::vector<float> gated, q, scores(static_cast<size_t>(n * n)), mixed, hidden, y,
      up(static_cast<size_t>(n * F)), down(static_cast<size_t>(n * h));
  for (const Block& b : blocks_) {
    const int64_t d = b.in_dim;
    // Degree gate: x * sigmoid(degree * w + b).
    gated = x;
    if (options_.use_degree)
      for (int64_t i = 0; i < n; ++i)
        for (int64_t k = 0; k < d; ++k)
          gated[static_cast<size_t>(i * d + k)] *=
              sigmoid(degree[static_cast<size_t>(i)] * b.degree.weight[k] + b.degree.bias[k]);
    // Attention over neighbours: P = (σ(QK) σ(QK)ᵀ / √d ⊙ A), rows normalised.
    q.resize(static_cast<size_t>(n * d));
    apply(gated.data(), n, d, d, d, b.query_key.weight, b.query_key.bias, q.data(), d);
    for (float& v : q) v = sigmoid(v);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n), static_cast<int>(n),
                static_cast<int>(d), static_cast<float>(1.0 / std::sqrt(static_cast<double>(d))),
                q.data(), static_cast<int>(d), q.data(), static_cast<int>(d), 0.0f, scores.data(),
                static_cast<int>(n));
    for (int64_t i = 0; i < n; ++i) {
      float* row = scores.data() + i * n;
      float sum = 0;
      for (int64_t j = 0; j < n; ++j) sum += row[j] *= adjacency[static_cast<size_t>(i * n + j)];
      const float scale = 1.0f / (sum + 1e-6f);
      for (int64_t j = 0; j < n; ++j) row[j] *= scale;
    }
    mixed.resize(static_cast<size_t>(n * d));
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(n), static_cast<int>(d),
                static_cast<int>(n), 1.0f, scores.data(), static_cast<int>(n), gated.data(),
                static_cast<int>(d), 0.0f, mixed.data(), static_cast<int>(d));
    // h = neighbour(P x') + root(x'), L2-normalised per node, then ReLU.
    hidden.resize(static_cast<size_t>(n * h));
    apply(mixed.data(), n, d, d, h, b.neighbour.weight, b.neighbour.bias, hidden.data(), h);
    apply(gated.data(), n, d, d, h, b.root.weight, nullptr, hidden.data(), h, /*accumulate=*/true);
    for (int64_t i = 0; i < n; ++i) {
      float* row = hidden.data() + i * h;
      double norm = 0;
      for (int64_t k = 0; k < h; ++k) norm += static_cast<double>(row[k]) * row[k];
      const auto scale = static_cast<float>(1.0 / std::max(std::sqrt(norm), 1e-12));
      for (int64_t k = 0; k < h; ++k) row[k] = std::max(row[k] * scale, 0.0f);
    }
    // Grouped FFN on LayerNorm(h): each group its own slice of columns.
    y = hidden;
    normalize_rows(y.data(), n, h, h, b.norm.weight, b.norm.bias);
    // The groups' GEMMs are small (nodes x 64 x 256 for the latency model), too small for
    // OpenBLAS to split over threads itself: the groups go to the threads instead (inside a
    // parallel region OpenBLAS runs each call on its caller's thread).
    const int64_t hg = h / G, fg = F / G;
#pragma omp parallel for schedule(static)
    for (int64_t g = 0; g < G; ++g) {
      float* out = up.data() + g * fg;
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(n),
                  static_cast<int>(fg), static_cast<int>(hg), 1.0f, y.data() + g * hg,
                  static_cast<int>(h), b.up.weight + g * hg * fg, static_cast<int>(fg), 0.0f, out,
                  static_cast<int>(F));
      for (int64_t i = 0; i < n; ++i)
        for (int64_t k = 0; k < fg; ++k) out[i * F + k] += b.up.bias[g * fg + k];
      normalize_rows(out, n, fg, F, b.up.norm.weight, b.up.norm.bias);
      for (int64_t i = 0; i < n; ++i)
        for (int64_t k = 0; k < fg; ++k) out[i * F + k] = std::max(out[i * F + k], 0.0f);
    }
#pragma omp parallel for schedule(static)
    for (int64_t g = 0; g < G; ++g) {
      float* out = down.data() + g * hg;
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(n),
                  static_cast<int>(hg), static_cast<int>(fg), 1.0f, up.data() + g * fg,
                  static_cast<int>(F), b.down.weight + g * fg * hg, static_cast<int>(hg), 0.0f, out,
                  static_cast<int>(h));
      for (int64_t i = 0; i < n; ++i)
        for (int64_t k = 0; k < hg; ++k) out[i * h + k] += b.down.bias[g * hg + k];
      normalize_rows(out, n, hg, h, b.down.norm.weight, b.down.norm.bias);
    }
    for (int64_t i = 0; i < n; ++i)
      for (int64_t k = 0; k < h; ++k)
        hidden[static_cast<size_t>(i * h + k)] +=
            b.layer_scale[k] * down[static_cast<size_t>(i * h + k)];
    x = hidden;
    layers.push_back(hidden);
  }
  return layers;
}

std::vector<NodeLatency> LiteModel::node_latencies(const TokenSequence& tokens,
                                                   int64_t head) const {
  const auto* cost_head = dynamic_cast<const LiteNodeCostHead*>(head_.get());
  if (!cost_head)
    throw ConfigError(
        "per-node latencies need a model trained with model.readout: cost; this one reads out the "
        "whole graph's representation");
  check(tokens, head);
  return cost_head->node_latencies(encode(tokens).back(), tokens, head);
}

double LiteModel::predict(const TokenSequence& tokens, int64_t head) const {
  check(tokens, head);
  const std::vector<std::vector<float>> layers = encode(tokens);
  const std::vector<float> representation =
      head_->represent(readout_->pool(layers, tokens.num_nodes), tokens);
  return head_->predict(representation, layers.back(), tokens, head);
}

std::vector<float> LiteModel::embed(const TokenSequence& tokens) const {
  check(tokens, 0);
  return head_->represent(readout_->pool(encode(tokens), tokens.num_nodes), tokens);
}

}  // namespace narformer
