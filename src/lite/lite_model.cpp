#include "narformer/lite/lite_model.h"

#include <algorithm>
#include <cmath>

#include <cblas.h>

#include "narformer/core/error.h"

namespace narformer {

namespace {

float sigmoid(float x) {
  return 1.0f / (1.0f + std::exp(-x));
}

/// LibTorch's softplus (beta 1, threshold 20).
double softplus(double x) {
  return x > 20 ? x : std::log1p(std::exp(x));
}

/// y (n x out, row stride ldy) = x (n x in, row stride ldx) W^T + b, or += when `accumulate`.
void apply(const float* x, int64_t n, int64_t ldx, int64_t in, int64_t out, const float* weight,
           const float* bias, float* y, int64_t ldy, bool accumulate = false) {
  if (n == 0) return;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n), static_cast<int>(out),
              static_cast<int>(in), 1.0f, x, static_cast<int>(ldx), weight, static_cast<int>(in),
              accumulate ? 1.0f : 0.0f, y, static_cast<int>(ldy));
  if (bias)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < out; ++j) y[i * ldy + j] += bias[j];
}

/// In place over `rows` rows of `dim` values at stride `ld` (LibTorch's eps 1e-5, biased
/// variance). Float sums in plain loops the compiler vectorizes: LayerNorm was 9 % of a
/// one-graph predict with double accumulators.
void normalize_rows(float* x, int64_t rows, int64_t dim, int64_t ld, const float* weight,
                    const float* bias) {
  const float inv_dim = 1.0f / static_cast<float>(dim);
  for (int64_t i = 0; i < rows; ++i) {
    float* r = x + i * ld;
    float sum = 0;
    for (int64_t j = 0; j < dim; ++j) sum += r[j];
    const float mean = sum * inv_dim;
    float squares = 0;
    for (int64_t j = 0; j < dim; ++j) squares += (r[j] - mean) * (r[j] - mean);
    const float inv = 1.0f / std::sqrt(squares * inv_dim + 1e-5f);
    for (int64_t j = 0; j < dim; ++j) r[j] = (r[j] - mean) * inv * weight[j] + bias[j];
  }
}

}  // namespace

LiteModel::Linear LiteModel::linear(const std::string& name, int64_t in, int64_t out,
                                    bool bias) const {
  Linear l;
  l.in = in;
  l.out = out;
  l.weight = weights_.at(name + ".weight", {out, in}, source_).values.data();
  if (bias) l.bias = weights_.at(name + ".bias", {out}, source_).values.data();
  return l;
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
  if (options.readout == Readout::kCost) {
    node_rate_hidden_ = linear("node_rate_hidden", h + kLibraryCall, h / 4);
    node_rate_out_ = linear("node_rate_out", h / 4, kNodeCostDims * options.num_heads);
    cost_rates_ =
        weights_.at("cost_rates", {options.num_heads, kNodeCostDims}, source_).values.data();
    return;
  }
  if (options.readout == Readout::kFusion) {
    fuse_hidden_ = linear("fuse_hidden", L * h, L * h / 4);
    fuse_out_ = linear("fuse_out", L * h / 4, L);
  }
  if (options.static_dim > 0) static_branch_ = linear("static_branch", options.static_dim, h);
  head1_ = linear("head1", options.static_dim > 0 ? 2 * h : h, h);
  head2_ = linear("head2", h, h);
  head_out_ = linear("head_out", h, options.num_heads);
}

int64_t LiteModel::embedding_dim() const {
  return options_.static_dim > 0 && options_.readout != Readout::kCost ? 2 * options_.hidden
                                                                       : options_.hidden;
}

void LiteModel::check(const TokenSequence& tokens) const {
  if (tokens.num_nodes <= 0) throw DataError("lite model: a graph without nodes");
  if (tokens.feature_dim != options_.input_dim)
    throw DataError("lite model: tokens of width " + std::to_string(tokens.feature_dim) +
                    ", the model reads " + std::to_string(options_.input_dim));
  if (options_.readout != Readout::kCost &&
      static_cast<int64_t>(tokens.static_features.size()) != options_.static_dim)
    throw DataError("lite model: " + std::to_string(tokens.static_features.size()) +
                    " static features, the model reads " + std::to_string(options_.static_dim));
  if (options_.readout == Readout::kCost &&
      tokens.node_costs.size() != static_cast<size_t>(tokens.num_nodes) * kNodeCostDims)
    throw DataError(
        "model.readout: cost needs graphs with node costs (ONNX tokens); these have none");
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

std::vector<float> LiteModel::readout(const TokenSequence& tokens,
                                      const std::vector<std::vector<float>>& layers) const {
  const int64_t n = tokens.num_nodes, h = options_.hidden, L = options_.blocks;
  auto node_sum = [&](const std::vector<float>& x) {
    std::vector<float> s(static_cast<size_t>(h), 0.0f);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t k = 0; k < h; ++k)
        s[static_cast<size_t>(k)] += x[static_cast<size_t>(i * h + k)];
    return s;
  };
  std::vector<float> g;
  switch (options_.readout) {
    case Readout::kSum:
    case Readout::kCost:
      g = node_sum(layers.back());
      break;
    case Readout::kMean:
      g = node_sum(layers.back());
      for (float& v : g) v /= static_cast<float>(n);
      break;
    case Readout::kFusion: {
      std::vector<float> means;  // L x h, flattened as the model's stack
      for (const auto& x : layers) {
        std::vector<float> m = node_sum(x);
        for (float& v : m) v /= static_cast<float>(n);
        means.insert(means.end(), m.begin(), m.end());
      }
      std::vector<float> hidden(static_cast<size_t>(fuse_hidden_.out)),
          weights(static_cast<size_t>(L));
      apply(means.data(), 1, L * h, L * h, fuse_hidden_.out, fuse_hidden_.weight, fuse_hidden_.bias,
            hidden.data(), fuse_hidden_.out);
      for (float& v : hidden) v = std::max(v, 0.0f);
      apply(hidden.data(), 1, fuse_out_.in, fuse_out_.in, L, fuse_out_.weight, fuse_out_.bias,
            weights.data(), L);
      g.assign(static_cast<size_t>(h), 0.0f);
      for (int64_t l = 0; l < L; ++l)
        for (int64_t k = 0; k < h; ++k)
          g[static_cast<size_t>(k)] +=
              means[static_cast<size_t>(l * h + k)] * sigmoid(weights[static_cast<size_t>(l)]);
      break;
    }
  }
  if (static_branch_.weight) {
    std::vector<float> s(static_cast<size_t>(h));
    apply(tokens.static_features.data(), 1, options_.static_dim, options_.static_dim, h,
          static_branch_.weight, static_branch_.bias, s.data(), h);
    for (float v : s) g.push_back(std::max(v, 0.0f));
  }
  return g;
}

std::vector<NodeLatency> LiteModel::cost_readout(const TokenSequence& tokens,
                                                 const std::vector<float>& nodes,
                                                 int64_t head) const {
  const int64_t n = tokens.num_nodes, h = options_.hidden, in = h + kLibraryCall,
                r = node_rate_hidden_.out;
  std::vector<float> input(static_cast<size_t>(n * in));
  for (int64_t i = 0; i < n; ++i) {
    std::copy_n(nodes.data() + i * h, h, input.data() + i * in);
    for (int c = 0; c < kLibraryCall; ++c)
      input[static_cast<size_t>(i * in + h + c)] =
          std::log1p(tokens.node_costs[static_cast<size_t>(i * kNodeCostDims + c)] * 100);
  }
  std::vector<float> hidden(static_cast<size_t>(n * r));
  apply(input.data(), n, in, in, r, node_rate_hidden_.weight, node_rate_hidden_.bias, hidden.data(),
        r);
  for (float& v : hidden) v = std::max(v, 0.0f);
  // Only this head's kNodeCostDims outputs: rows head*K .. head*K+K of node_rate_out.
  std::vector<float> z(static_cast<size_t>(n * kNodeCostDims));
  apply(hidden.data(), n, r, r, kNodeCostDims, node_rate_out_.weight + head * kNodeCostDims * r,
        node_rate_out_.bias + head * kNodeCostDims, z.data(), kNodeCostDims);
  const float* base = cost_rates_ + head * kNodeCostDims;
  std::vector<NodeLatency> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    for (int c = 0; c < kNodeCostDims; ++c) {
      const size_t k = static_cast<size_t>(i * kNodeCostDims + c);
      const double prior = base[c] * tokens.node_costs[k];
      out[static_cast<size_t>(i)].prior_ms += prior;
      out[static_cast<size_t>(i)].latency_ms += prior * softplus(z[k]) / std::log(2.0);
    }
  return out;
}

void LiteModel::check_head(int64_t head) const {
  if (head < 0 || head >= options_.num_heads)
    throw DataError("lite model: head " + std::to_string(head) + " of " +
                    std::to_string(options_.num_heads));
}

std::vector<NodeLatency> LiteModel::node_latencies(const TokenSequence& tokens,
                                                   int64_t head) const {
  if (options_.readout != Readout::kCost)
    throw ConfigError(
        "per-node latencies need a model trained with model.readout: cost; this one reads out the "
        "whole graph's representation");
  check(tokens);
  check_head(head);
  return cost_readout(tokens, encode(tokens).back(), head);
}

double LiteModel::predict(const TokenSequence& tokens, int64_t head) const {
  check(tokens);
  check_head(head);
  const std::vector<std::vector<float>> layers = encode(tokens);
  if (options_.readout == Readout::kCost) {
    double total = 0;
    for (const NodeLatency& node : cost_readout(tokens, layers.back(), head))
      total += node.latency_ms;
    return total;
  }
  const int64_t h = options_.hidden;
  const std::vector<float> g = readout(tokens, layers);
  std::vector<float> a(static_cast<size_t>(h)), b(static_cast<size_t>(h));
  apply(g.data(), 1, head1_.in, head1_.in, h, head1_.weight, head1_.bias, a.data(), h);
  for (float& v : a) v = std::max(v, 0.0f);
  apply(a.data(), 1, h, h, h, head2_.weight, head2_.bias, b.data(), h);
  for (float& v : b) v = std::max(v, 0.0f);
  float z = 0;
  apply(b.data(), 1, h, h, 1, head_out_.weight + head * h, head_out_.bias + head, &z, 1);
  const double out = softplus(-static_cast<double>(z));
  return tokens.prior > 0 ? tokens.prior * out / std::log(2.0)
                          : out;  // model.prior (NarFormerModel)
}

std::vector<float> LiteModel::embed(const TokenSequence& tokens) const {
  check(tokens);
  return readout(tokens, encode(tokens));
}

}  // namespace narformer
