#pragma once
// Plots a person would rather look at than read, written next to a run's results:
//   pred_vs_true.png     predicted vs measured, log-log for latency, one colour per family
//   learning_curves.png  training loss and the validation metric per epoch (metrics.jsonl)
// The data (.dat) and gnuplot scripts (.gp) are always written, so a plot can be remade or
// restyled; the PNGs are rendered when gnuplot is installed (Debian: gnuplot-nox).

#include <string>
#include <vector>

namespace narformer {

struct PlotRequest {
  std::string dir;  ///< output folder (the run folder)
  std::vector<double> truths;
  std::vector<double> predictions;
  std::vector<std::string> groups;  ///< per item (family); empty = one group
  bool log_scale = false;           ///< latency: log-log axes
  std::string quantity = "value";   ///< axis label, e.g. "latency (ms)"
  std::string metrics_file;         ///< metrics.jsonl for the learning curves ("" = none)
};

struct PlotResult {
  bool rendered = false;  ///< PNGs were produced
  std::string message;    ///< what was written, or how to render without gnuplot
};

PlotResult write_plots(const PlotRequest& request);

/// An architecture search's picture (`narformer search`): every candidate's predicted latency
/// and accuracy, the predicted Pareto front joined by a line, the latency budget as a
/// vertical line. Writes front.dat, front.gp and, with gnuplot, front.png into `dir`.
struct FrontPlotRequest {
  std::string dir;
  std::vector<double> latency_ms;  ///< per candidate
  std::vector<double> accuracy;    ///< per candidate
  std::vector<size_t> front;       ///< indices, by latency
  double max_latency_ms = 0;       ///< drawn when > 0 and finite
  std::string title;
};

PlotResult write_front_plot(const FrontPlotRequest& request);

}  // namespace narformer
