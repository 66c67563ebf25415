#pragma once
// Architecture search guided by trained predictors: the NAS researcher's loop in one call.
//
//   SearchOptions options;
//   options.accuracy_run = "runs/cpu_5pct";       // a cell run: narformer or a baseline
//   options.accuracy_ensemble = {"runs/trees"};   // optional: averaged with it
//   options.latency_run = "runs/help_gold_6226";  // optional: a cell latency run (HELP)
//   options.max_latency_ms = 12.0;
//   SearchResult found = search_cells(options);   // found.top[0]: the pick within the budget
//
// The space is the accuracy run's: NAS-Bench-201 is scored exhaustively (15,625 cells: cheap
// for these predictors); NAS-Bench-101 by regularized evolution (Real et al. 2019) over the
// cells of the run's data file, the only ones with ground truth: a mutation that leaves them
// (or leaves the space) is drawn again, and counted. Without LibTorch (TorchFreePredictor).

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "narformer/cells/cell.h"

namespace narformer {

struct SearchOptions {
  std::string accuracy_run;  ///< a cell run predicting accuracy
  /// More accuracy runs of the same space, trained on the same label at the same scale (e.g.
  /// the trees beside narformer): a cell's predicted accuracy is the mean of every run's
  /// prediction. The labelled cells of use_labels are accuracy_run's.
  std::vector<std::string> accuracy_ensemble;
  std::string latency_run;       ///< "" = accuracy only; else a cell run of the same space
  std::string latency_platform;  ///< its output head ("" = the first)
  /// Score the cells the accuracy run was trained or validated on by their own labels, not by
  /// predictions: they were measured, and a search should pick an unmeasured cell only when
  /// its prediction beats the best measured one.
  bool use_labels = false;
  double max_latency_ms = std::numeric_limits<double>::infinity();  ///< on predicted latency
  /// 0: a cell fits when its predicted latency does. P in (0, 1]: when its predicted latency
  /// times latency_factor fits, the P-quantile of measured / predicted latency over the latency
  /// run's validation cells, so that about P of the cells kept fit when measured (a linear
  /// fit's error near the budget otherwise sends about half the picks over it).
  double latency_confidence = 0;
  int top_k = 20;
  uint64_t seed = 0;  ///< NB101's evolution (initial population, sampling, mutations)
  // NAS-Bench-101: regularized evolution.
  int population = 100;
  int sample_size = 25;
  int cycles = 2000;  ///< children bred after the initial population
};

struct SearchCandidate {
  std::string arch;     ///< NB201 arch string, NB101 "ADJACENCY OPS"
  double accuracy = 0;  ///< predicted, or the label of a labelled cell (use_labels)
  bool labelled = false;
  double latency_ms = std::numeric_limits<double>::quiet_NaN();  ///< NaN without a latency run
  bool feasible = true;  ///< latency_ms x SearchResult::latency_factor within max_latency_ms
  bool on_front = false;
  /// NB201: an isomorphic copy (nb201_unique_string) of a cell that scored higher (feasible,
  /// then accuracy, then lower latency); left out of the front and the top-k, which list each
  /// network once.
  bool isomorphic_copy = false;
};

struct SearchResult {
  CellSpace space = CellSpace::kNasBench201;
  std::vector<SearchCandidate> candidates;  ///< every cell scored, once each, in scoring order
  /// The predicted Pareto front of the feasible cells, by latency, and the top_k of them by
  /// predicted accuracy; neither holds isomorphic copies.
  std::vector<size_t> front;
  std::vector<size_t> top;
  int64_t redrawn_mutations = 0;  ///< NB101: mutations outside the shipped cells, drawn again
  /// What predicted latencies are multiplied by before the budget (latency_confidence), and
  /// how many validation cells of the latency run estimated it (0: no calibration, factor 1).
  double latency_factor = 1;
  int64_t calibration_cells = 0;
  double seconds = 0;
};

/// Throws ConfigError for runs that do not score cells or differ in space, a budget below
/// zero, a confidence outside (0, 1] or without a latency run or its validation cells,
/// evolution settings out of range; RunError / DataError as loading the runs does.
SearchResult search_cells(const SearchOptions& options);

/// Indices of the points that no other point beats on both objectives (higher accuracy, lower
/// latency), sorted by latency; among equal points the first.
std::vector<size_t> pareto_front(const std::vector<double>& accuracy,
                                 const std::vector<double>& latency);

}  // namespace narformer
