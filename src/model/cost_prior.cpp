#include "narformer/model/cost_prior.h"

#include <cmath>
#include <limits>
#include <optional>
#include <sstream>

#include "narformer/core/error.h"

namespace narformer {

namespace {

constexpr int kC = kNodeCostDims;

CostRates graph_totals(const TokenSequence& graph) {
  CostRates total{};
  for (int i = 0; i < graph.num_nodes; ++i)
    for (int c = 0; c < kC; ++c) total[c] += graph.node_costs[static_cast<size_t>(i * kC + c)];
  return total;
}

/// Solves the normal equations restricted to the columns in `subset` (bit mask); nullopt when
/// singular.
std::optional<CostRates> solve_subset(const std::array<std::array<double, kC>, kC>& gram,
                                      const CostRates& rhs, unsigned subset) {
  int cols[kC];
  int k = 0;
  for (int c = 0; c < kC; ++c)
    if (subset & (1u << c)) cols[k++] = c;
  double m[kC][kC + 1];
  for (int r = 0; r < k; ++r) {
    for (int s = 0; s < k; ++s) m[r][s] = gram[cols[r]][cols[s]];
    m[r][k] = rhs[cols[r]];
  }
  for (int p = 0; p < k; ++p) {  // Gaussian elimination with partial pivoting
    int best = p;
    for (int r = p + 1; r < k; ++r)
      if (std::abs(m[r][p]) > std::abs(m[best][p])) best = r;
    if (std::abs(m[best][p]) < 1e-12 * (1 + std::abs(gram[cols[p]][cols[p]]))) return std::nullopt;
    for (int s = 0; s <= k; ++s) std::swap(m[p][s], m[best][s]);
    for (int r = 0; r < k; ++r) {
      if (r == p) continue;
      const double f = m[r][p] / m[p][p];
      for (int s = p; s <= k; ++s) m[r][s] -= f * m[p][s];
    }
  }
  CostRates x{};
  for (int r = 0; r < k; ++r) x[cols[r]] = m[r][k] / m[r][r];
  return x;
}

size_t head_of(const std::vector<int64_t>& heads, size_t i) {
  return heads.empty() ? 0 : static_cast<size_t>(heads[i]);
}

}  // namespace

std::vector<CostRates> fit_cost_rates_per_head(const std::vector<TokenPtr>& graphs,
                                               const std::vector<double>& latencies,
                                               const std::vector<int64_t>& heads,
                                               int64_t num_heads) {
  std::vector<std::vector<const TokenSequence*>> head_graphs(static_cast<size_t>(num_heads));
  std::vector<std::vector<double>> head_latencies(static_cast<size_t>(num_heads));
  for (size_t i = 0; i < graphs.size() && i < latencies.size(); ++i) {
    head_graphs.at(head_of(heads, i)).push_back(graphs[i].get());
    head_latencies.at(head_of(heads, i)).push_back(latencies[i]);
  }
  std::vector<CostRates> rates;
  for (size_t h = 0; h < head_graphs.size(); ++h) {
    if (head_graphs[h].empty())
      throw DataError("cost rates: no training graphs for output head " + std::to_string(h));
    rates.push_back(fit_cost_rates(head_graphs[h], head_latencies[h]));
  }
  return rates;
}

std::vector<double> linear_cost_predictions(const std::vector<TokenPtr>& graphs,
                                            const std::vector<int64_t>& heads,
                                            const std::vector<CostRates>& rates) {
  std::vector<double> predictions;
  predictions.reserve(graphs.size());
  for (size_t i = 0; i < graphs.size(); ++i)
    predictions.push_back(linear_cost_prediction(*graphs[i], rates.at(head_of(heads, i))));
  return predictions;
}

std::string describe_cost_rates(const CostRates& rates) {
  static_assert(kC == 9, "name every NodeCost column here");
  static const char* const kUnits[kC] = {
      "ms/GFLOP spatial conv", "ms/GFLOP pointwise conv", "ms/GFLOP grouped conv",
      "ms/GFLOP matmul",       "ms/G pooling windows",    "ms/M elements written",
      "ms/M weights read",     "ms/library call",         "ms/other operator"};
  std::ostringstream out;
  out.precision(4);
  for (int c = 0; c < kC; ++c) out << (c ? " + " : "") << rates[c] << ' ' << kUnits[c];
  return out.str();
}

double linear_cost_prediction(const TokenSequence& graph, const CostRates& rates) {
  const CostRates total = graph_totals(graph);
  double y = 0;
  for (int c = 0; c < kC; ++c) y += rates[c] * total[c];
  return y;
}

CostRates fit_cost_rates(const std::vector<const TokenSequence*>& graphs,
                         const std::vector<double>& latencies) {
  if (graphs.empty() || graphs.size() != latencies.size())
    throw DataError("cost rates: need one latency per graph and at least one graph");
  // Rows a_g = C(g) / y_g, target 1: the relative error of a·C(g).
  std::array<std::array<double, kC>, kC> gram{};
  CostRates rhs{};
  for (size_t g = 0; g < graphs.size(); ++g) {
    const TokenSequence& graph = *graphs[g];
    if (graph.node_costs.size() != static_cast<size_t>(graph.num_nodes) * kC)
      throw DataError(
          "model.readout: cost needs graphs with node costs (ONNX tokens); these have none");
    if (!(latencies[g] > 0))
      throw DataError("cost rates: latency " + std::to_string(latencies[g]) + " is not positive");
    CostRates a = graph_totals(graph);
    for (double& v : a) v /= latencies[g];
    for (int r = 0; r < kC; ++r) {
      rhs[r] += a[r];
      for (int s = 0; s < kC; ++s) gram[r][s] += a[r] * a[s];
    }
  }
  // Non-negative least squares by trying every column subset: exact, and cheap for a few
  // columns (2^9 subsets of a 9x9 system). Loss Σ (a·x − 1)² = xᵀGx − 2xᵀb + n.
  auto loss = [&](const CostRates& x) {
    double sum = static_cast<double>(graphs.size());
    for (int r = 0; r < kC; ++r) {
      sum -= 2 * x[r] * rhs[r];
      for (int s = 0; s < kC; ++s) sum += x[r] * gram[r][s] * x[s];
    }
    return sum;
  };
  CostRates best{};
  double best_loss = std::numeric_limits<double>::infinity();
  for (unsigned subset = 1; subset < (1u << kC); ++subset) {
    const std::optional<CostRates> x = solve_subset(gram, rhs, subset);
    if (!x) continue;
    bool feasible = true;
    for (double v : *x) feasible = feasible && v >= 0;
    if (!feasible) continue;
    if (const double l = loss(*x); l < best_loss) {
      best_loss = l;
      best = *x;
    }
  }
  for (int c = 0; c < kC; ++c)
    if (best[c] <= 0 && gram[c][c] > 0)
      best[c] = 0.01 * rhs[c] / gram[c][c];  // 1 % of the column alone
  return best;
}

}  // namespace narformer
