#pragma once
// Prediction quality over a set of (prediction, truth) pairs (method.md §4.5):
//   MAPE    mean(|p - g| / g)                 (a fraction; ×100 for %)
//   RMSPE   sqrt(mean(((p - g) / g)²))
//   Acc(δ)  fraction with |p - g| / g ≤ δ     (δ = 1%, 5%, 10%; inclusive)
//   tau     Kendall's tau-b between g and p
// A meter in the add / value / reset style.

#include <cstdint>
#include <string>
#include <vector>

namespace narformer {

struct MetricSummary {
  int64_t n = 0;
  double mape = 0;
  double rmspe = 0;
  double acc_1 = 0;
  double acc_5 = 0;
  double acc_10 = 0;
  double kendall_tau = 0;
};

class PredictionMeter {
 public:
  void add(double prediction, double truth);
  void add(const std::vector<double>& predictions, const std::vector<double>& truths);
  MetricSummary value() const;
  void reset();

  int64_t size() const { return static_cast<int64_t>(predictions_.size()); }
  const std::vector<double>& predictions() const { return predictions_; }
  const std::vector<double>& truths() const { return truths_; }

 private:
  std::vector<double> predictions_;
  std::vector<double> truths_;
};

MetricSummary summarize(const std::vector<double>& predictions, const std::vector<double>& truths);

/// eval.selection: the metric that chooses the best checkpoint or baseline setting.
enum class Selection {
  kKendallTau,  ///< "kendall_tau", higher is better
  kMape,        ///< "mape", lower is better
};

/// The selection metric as a loss, lower is better: MAPE, or −tau.
double selection_loss(Selection selection, const MetricSummary& summary);

}  // namespace narformer
