#pragma once
// The training loop (method.md §4): Adam, per-iteration warm-up/decay, the configured losses,
// validation every eval.every epochs, `best` and `last` checkpoints, metrics.jsonl, and exact
// resume from `last`.

#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "narformer/config/config.h"
#include "narformer/config/datasets.h"
#include "narformer/distributed/process_group.h"
#include "narformer/eval/metrics.h"
#include "narformer/model/narformer_model.h"
#include "narformer/tokenize/token_sequence.h"

namespace narformer {

struct TrainingSet {
  std::vector<TokenPtr> inputs;
  std::vector<TokenPtr> augmented;  ///< empty, or one consistency partner per input
  std::vector<double> labels;
  std::vector<int64_t> heads;   ///< output head (platform) per input; empty = head 0
  std::vector<int64_t> groups;  ///< model family per input (index into group_names); empty = none
  std::vector<std::string> group_names;
  /// Whether each input takes part in the cost readout's linear-model fit; empty = all (false
  /// for data.extra_train's lines under data.extra_train_fits_cost_model: false).
  std::vector<bool> fits_cost_model;
  /// The main loss, chosen by the task (its dataset's declared loss).
  TrainingLoss loss = TrainingLoss::kRelativeError;
};

struct EvaluationSet {
  std::vector<TokenPtr> inputs;
  std::vector<double> labels;
  std::vector<int64_t> heads;  ///< empty = head 0
};

struct FitResult {
  int64_t epochs_done = 0;
  bool finished = false;  ///< all train.epochs done
  int64_t best_epoch = 0;
  double best_score = 0;
  double seconds = 0;             ///< wall time of this call
  double samples_per_second = 0;  ///< training inputs (not counting augmented copies) per second
  /// train.family_offsets: the learned log-factor b_f per family (TrainingSet::group_names
  /// order, centred), after the last epoch; empty otherwise.
  std::vector<double> family_offsets;
};

/// With a DataParallelGroup of several ranks, every rank calls fit() with the same data, and
/// the ranks train one model together: train.batch_size stays the global batch, each rank
/// computes a contiguous share of every batch (padded as the whole batch is, with the dropout
/// masks its samples get in one process), loss means are weighted by each share, the ranking
/// loss pairs predictions of the whole batch (all-gathered, with their gradient), gradients are
/// summed over the ranks in buckets during backward, and validation is shared out. Every rank
/// holds the same parameters after each step; rank 0 alone writes the run folder. N ranks so
/// reproduce one process to float rounding, and a run resumes with any number of ranks.
class Trainer {
 public:
  /// Files go to `run_dir` (it must exist): last.pt, best.pt, metrics.jsonl. `group`: null
  /// (one process) or the job's ranks; it must outlive the trainer.
  Trainer(const Config& config, const torch::Device& device, std::string run_dir,
          DataParallelGroup* group = nullptr);

  /// Trains `model`. With `resume`, continues exactly from run_dir/last.pt. With
  /// `stop_after_epochs` > 0, returns after that many epochs of this call (the schedule still
  /// spans train.epochs), so a long run can be done in pieces with resume.
  FitResult fit(NarFormerModel& model, const TrainingSet& train, const EvaluationSet& val,
                bool resume, int64_t stop_after_epochs = 0);

  std::string best_checkpoint() const;
  std::string last_checkpoint() const;
  std::string metrics_file() const;

 private:
  bool better(double score, double best) const;
  double selection_score(const MetricSummary& summary) const;

  bool writes_files() const { return group_ == nullptr || group_->rank() == 0; }

  Config config_;
  torch::Device device_;
  std::string run_dir_;
  DataParallelGroup* group_;
};

}  // namespace narformer
