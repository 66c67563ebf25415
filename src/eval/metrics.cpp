#include "narformer/eval/metrics.h"

#include <cmath>
#include <stdexcept>

#include "narformer/eval/kendall_tau.h"

namespace narformer {

void PredictionMeter::add(double prediction, double truth) {
  predictions_.push_back(prediction);
  truths_.push_back(truth);
}

void PredictionMeter::add(const std::vector<double>& predictions,
                          const std::vector<double>& truths) {
  if (predictions.size() != truths.size())
    throw std::invalid_argument("PredictionMeter::add: length mismatch");
  predictions_.insert(predictions_.end(), predictions.begin(), predictions.end());
  truths_.insert(truths_.end(), truths.begin(), truths.end());
}

void PredictionMeter::reset() {
  predictions_.clear();
  truths_.clear();
}

MetricSummary PredictionMeter::value() const {
  return summarize(predictions_, truths_);
}

double selection_loss(Selection selection, const MetricSummary& summary) {
  return selection == Selection::kMape ? summary.mape : -summary.kendall_tau;
}

MetricSummary summarize(const std::vector<double>& predictions, const std::vector<double>& truths) {
  if (predictions.size() != truths.size())
    throw std::invalid_argument("summarize: length mismatch");
  MetricSummary s;
  s.n = static_cast<int64_t>(predictions.size());
  if (s.n == 0) return s;
  double abs_sum = 0, sq_sum = 0;
  int64_t within_1 = 0, within_5 = 0, within_10 = 0;
  for (size_t i = 0; i < predictions.size(); ++i) {
    const double relative = (predictions[i] - truths[i]) / truths[i];
    const double a = std::fabs(relative);
    abs_sum += a;
    sq_sum += relative * relative;
    within_1 += a <= 0.01;
    within_5 += a <= 0.05;
    within_10 += a <= 0.10;
  }
  const double n = static_cast<double>(s.n);
  s.mape = abs_sum / n;
  s.rmspe = std::sqrt(sq_sum / n);
  s.acc_1 = static_cast<double>(within_1) / n;
  s.acc_5 = static_cast<double>(within_5) / n;
  s.acc_10 = static_cast<double>(within_10) / n;
  s.kendall_tau = kendall_tau(truths, predictions);
  return s;
}

}  // namespace narformer
