#pragma once
// The linear cost model the cost readout starts from (model/readouts.h, cost_readout):
//
//   latency(g) ≈ Σ_c a_c · C_c(g),   C(g) = Σ_nodes node_costs  (the NodeCost columns)
//
// fitted on the training graphs by non-negative least squares on the relative error
// Σ_g (a·C(g) / y_g − 1)². The network then learns a per-node multiplicative correction of
// these rates, so a family bigger than any in training still scales with its FLOPs and
// memory instead of saturating where the training latencies end. No LibTorch.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "narformer/tokenize/token_sequence.h"

namespace narformer {

using CostRates = std::array<double, kNodeCostDims>;

/// Non-negative rates (ms per unit of each node-cost column). A column the fit drops to 0
/// gets 1 % of the rate it would have alone, so the network can still grow it. Throws
/// DataError when the graphs carry no node costs (cell tokens) or the lists are empty or of
/// different lengths, or a latency is not positive.
CostRates fit_cost_rates(const std::vector<const TokenSequence*>& graphs,
                         const std::vector<double>& latencies);

/// One fit per output head (platform) on that head's graphs; `heads` empty = every graph is
/// head 0. Throws DataError as fit_cost_rates, and for a head without graphs.
std::vector<CostRates> fit_cost_rates_per_head(const std::vector<TokenPtr>& graphs,
                                               const std::vector<double>& latencies,
                                               const std::vector<int64_t>& heads,
                                               int64_t num_heads);

/// Σ_c rates_c · C_c(g): the linear model's prediction for one graph.
double linear_cost_prediction(const TokenSequence& graph, const CostRates& rates);

/// The linear model's prediction for every graph, each with its head's rates (`heads` empty =
/// head 0).
std::vector<double> linear_cost_predictions(const std::vector<TokenPtr>& graphs,
                                            const std::vector<int64_t>& heads,
                                            const std::vector<CostRates>& rates);

/// "5.39 ms/GFLOP spatial conv + 11.4 ms/GFLOP pointwise conv + ...", for logs.
std::string describe_cost_rates(const CostRates& rates);

}  // namespace narformer
