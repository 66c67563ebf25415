#include "narformer/train/trainer.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "narformer/core/atomic_file.h"
#include "narformer/core/error.h"
#include "narformer/core/progress.h"
#include "narformer/data/batch.h"
#include "narformer/data/epoch_order.h"
#include "narformer/distributed/gradient_buckets.h"
#include "narformer/model/dropout.h"
#include "narformer/model/tensors.h"
#include "narformer/runtime/checkpoint.h"
#include "narformer/runtime/evaluator.h"
#include "narformer/runtime/run_folder.h"
#include "narformer/train/fused_adam.h"
#include "narformer/train/losses.h"
#include "narformer/train/schedule.h"

namespace narformer {

namespace {

std::string serialize(const std::mt19937_64& engine) {
  std::ostringstream s;
  s << engine;
  return s.str();
}

void deserialize(const std::string& text, std::mt19937_64& engine) {
  std::istringstream s(text);
  s >> engine;
}

/// LibTorch's default CPU generator drives dropout; its state makes resume exact.
torch::Tensor torch_rng_state() {
  at::Generator generator = at::detail::getDefaultCPUGenerator();  // a handle to the global one
  std::lock_guard<std::mutex> lock(generator.mutex());
  return generator.get_state();
}

void set_torch_rng_state(const torch::Tensor& state) {
  at::Generator generator = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(generator.mutex());
  generator.set_state(state);
}

/// Keeps only the metrics lines of epochs a checkpoint already covers (a crash between saving
/// `last` and appending its line, or after appending, must not leave gaps or duplicates).
void truncate_metrics(const std::string& path, int64_t epochs_done) {
  if (!std::filesystem::exists(path)) return;
  std::ifstream in(path);
  std::string kept, line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    try {
      if (nlohmann::json::parse(line).at("epoch").get<int64_t>() <= epochs_done)
        kept += line + "\n";
    } catch (const std::exception&) {
      // a torn last line from a crash: drop it
    }
  }
  write_file_atomic(path, kept);
}

/// One rank's share of a batch of `count` items (positions [lo, hi) of the batch), for
/// `ranks` ranks: contiguous, sizes differing by at most one.
struct Share {
  int64_t lo = 0, hi = 0;
  int64_t size() const { return hi - lo; }
};

Share share_of(int64_t count, int64_t rank, int64_t ranks) {
  return {count * rank / ranks, count * (rank + 1) / ranks};
}

/// The predictions of the whole batch, in one process's row order ([originals; copies], each
/// in batch order), from every rank's share: this rank's rows stay in the autograd graph, the
/// others' arrive as values.
torch::Tensor gather_batch(DataParallelGroup& group, const torch::Tensor& mine, int64_t count,
                           int64_t copies, bool idle) {
  const int64_t ranks = group.world_size(), rank = group.rank();
  int64_t widest = 0;
  for (int64_t r = 0; r < ranks; ++r) widest = std::max(widest, share_of(count, r, ranks).size());
  const int64_t own = idle ? 0 : share_of(count, rank, ranks).size();
  const int64_t local_rows = mine.size(0) / copies;  // the idle rank's dummy row included
  torch::Tensor padded = torch::zeros({copies * widest}, mine.options().requires_grad(false));
  for (int64_t c = 0; c < copies; ++c)
    padded.narrow(0, c * widest, own).copy_(mine.detach().narrow(0, c * local_rows, own));
  const std::vector<torch::Tensor> shares = group.all_gather(padded);
  std::vector<torch::Tensor> pieces;
  for (int64_t c = 0; c < copies; ++c)
    for (int64_t r = 0; r < ranks; ++r)
      pieces.push_back(r == rank ? mine.narrow(0, c * local_rows, own)
                                 : shares[static_cast<size_t>(r)].narrow(
                                       0, c * widest, share_of(count, r, ranks).size()));
  return torch::cat(pieces);
}

}  // namespace

Trainer::Trainer(const Config& config, const torch::Device& device, std::string run_dir,
                 DataParallelGroup* group)
    : config_(config), device_(device), run_dir_(std::move(run_dir)), group_(group) {}

std::string Trainer::best_checkpoint() const {
  return RunFolder(run_dir_).checkpoint("best");
}
std::string Trainer::last_checkpoint() const {
  return RunFolder(run_dir_).checkpoint("last");
}
std::string Trainer::metrics_file() const {
  return RunFolder(run_dir_).metrics();
}

double Trainer::selection_score(const MetricSummary& summary) const {
  return config_.eval.selection == Selection::kMape ? summary.mape : summary.kendall_tau;
}

bool Trainer::better(double score, double best) const {
  if (std::isnan(score)) return false;
  return config_.eval.selection == Selection::kMape ? score < best : score > best;
}

FitResult Trainer::fit(NarFormerModel& model, const TrainingSet& train, const EvaluationSet& val,
                       bool resume, int64_t stop_after_epochs) {
  const auto& tc = config_.train;
  const int64_t n = static_cast<int64_t>(train.inputs.size());
  if (n == 0) throw DataError("the training split is empty");
  if (val.inputs.empty()) throw DataError("the validation split is empty");
  const bool augment = !train.augmented.empty();
  if (augment && train.augmented.size() != train.inputs.size())
    throw std::logic_error("Trainer::fit: one augmented copy per training input expected");

  const int64_t batches_per_epoch = (n + tc.batch_size - 1) / tc.batch_size;
  const WarmupLinearSchedule schedule(tc.epochs * batches_per_epoch, tc.warmup_ratio);
  model->to(device_);
  // train.family_offsets: one learned log-factor per family, in the training loss only.
  torch::Tensor offsets;
  std::vector<torch::Tensor> parameters = model->parameters();
  if (tc.family_offsets) {
    if (train.group_names.empty() || train.groups.size() != train.inputs.size())
      throw ConfigError(
          "train.family_offsets needs data with model families (latency lines); this data has "
          "none");
    offsets = torch::zeros({static_cast<int64_t>(train.group_names.size())},
                           torch::TensorOptions(device_))
                  .requires_grad_(true);
    parameters.push_back(offsets);
  }
  FusedAdam optimizer(parameters);
  std::mt19937_64 engine(static_cast<uint64_t>(config_.run.seed));
  const int64_t ranks = group_ != nullptr ? group_->world_size() : 1;
  const int64_t rank = group_ != nullptr ? group_->rank() : 0;
  const bool distributed = ranks > 1;
  std::optional<GradientBuckets> buckets;
  if (distributed) buckets.emplace(parameters, *group_);

  TrainingState state;
  state.best_score = config_.eval.selection == Selection::kMape ? INFINITY : -INFINITY;
  if (resume) {
    state = load_checkpoint(last_checkpoint(), model, &optimizer, device_);
    if (offsets.defined()) {
      if (!state.family_offsets.defined() || state.family_offsets.numel() != offsets.numel())
        throw RunError(with_file(last_checkpoint(), "holds no family offsets for the " +
                                                        std::to_string(offsets.numel()) +
                                                        " families of this run"));
      torch::NoGradGuard no_grad;
      offsets.copy_(state.family_offsets);
    }
    deserialize(state.shuffle_engine, engine);
    if (state.torch_rng.defined()) set_torch_rng_state(state.torch_rng.cpu());
    if (writes_files()) truncate_metrics(metrics_file(), state.epochs_done);
    spdlog::info("resuming after epoch {} (step {}, best {} = {:.4f} at epoch {})",
                 state.epochs_done, state.step, to_string(config_.eval.selection), state.best_score,
                 state.best_epoch);
  } else if (writes_files()) {
    write_file_atomic(metrics_file(), "");
  }
  model->train();

  std::vector<int64_t> order(static_cast<size_t>(n));  // refilled and shuffled every epoch
  std::vector<int> sizes(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    sizes[static_cast<size_t>(i)] = train.inputs[static_cast<size_t>(i)]->num_nodes;

  Stopwatch wall;
  const int64_t last_epoch = stop_after_epochs > 0
                                 ? std::min(tc.epochs, state.epochs_done + stop_after_epochs)
                                 : tc.epochs;
  Progress progress(last_epoch - state.epochs_done);
  int64_t samples_seen = 0;
  std::vector<const TokenSequence*> rows;
  std::vector<float> row_labels;
  std::vector<int64_t> row_heads;
  std::vector<int64_t> row_groups;
  std::vector<int64_t> row_positions;  // in the whole batch (dropout masks)
  const int64_t copies = augment ? 2 : 1;
  for (int64_t epoch = state.epochs_done + 1; epoch <= last_epoch; ++epoch) {
    Stopwatch epoch_clock;
    std::iota(order.begin(), order.end(), 0);
    shuffle_indices(order, engine);
    const std::vector<int64_t> starts =
        batch_starts(order, sizes, tc.batch_size, tc.length_buckets, engine);
    double loss_sum = 0, main_sum = 0, sr_sum = 0, cons_sum = 0;
    for (int64_t b = 0; b < batches_per_epoch; ++b) {
      const int64_t begin = starts[static_cast<size_t>(b)],
                    end = std::min(n, begin + tc.batch_size);
      const int64_t count = end - begin;
      // This rank's share of the batch. An empty share (a last batch smaller than the number
      // of ranks) still runs one item, at weight 0, so that dropout draws its seeds in step
      // with the other ranks.
      const Share share = share_of(count, rank, ranks);
      const bool idle = share.size() == 0;
      const int64_t take_lo = begin + (idle ? 0 : share.lo),
                    take_hi = idle ? begin + 1 : begin + share.hi;
      const int64_t local_count = take_hi - take_lo;
      const double weight = idle ? 0.0 : static_cast<double>(share.size()) / count;
      rows.clear();
      row_labels.clear();
      row_heads.clear();
      row_groups.clear();
      row_positions.clear();
      for (int64_t copy = 0; copy < copies; ++copy) {  // [originals; augmented copies]
        for (int64_t k = take_lo; k < take_hi; ++k) {
          const auto i = static_cast<size_t>(order[static_cast<size_t>(k)]);
          rows.push_back(copy == 0 ? train.inputs[i].get() : train.augmented[i].get());
          row_labels.push_back(static_cast<float>(train.labels[i]));
          if (!train.heads.empty()) row_heads.push_back(train.heads[i]);
          if (offsets.defined()) row_groups.push_back(train.groups[i]);
          row_positions.push_back(copy * count + (k - begin));
        }
      }
      const int64_t R = static_cast<int64_t>(rows.size());
      const torch::Tensor targets = torch::from_blob(row_labels.data(), {R}, torch::kFloat32)
                                        .to(device_, /*non_blocking=*/false, /*copy=*/true);
      // A share is padded as the whole batch is, so its dropout masks are one process's.
      int64_t batch_nodes = 0;
      if (distributed)
        for (int64_t k = begin; k < end; ++k) {
          const auto i = static_cast<size_t>(order[static_cast<size_t>(k)]);
          batch_nodes = std::max<int64_t>(batch_nodes, train.inputs[i]->num_nodes);
          if (augment) batch_nodes = std::max<int64_t>(batch_nodes, train.augmented[i]->num_nodes);
        }

      optimizer.zero_grad();
      PaddedBatch batch = collate(rows, batch_nodes);
      batch.head_index = row_heads;
      torch::Tensor predictions;
      {
        std::optional<ScopedBatchRows> positions;
        if (distributed) positions.emplace(BatchRows{row_positions, copies * count});
        predictions = model->forward(to_tensors(std::move(batch), device_));
      }
      if (offsets.defined()) {
        const torch::Tensor rows_family = torch::tensor(row_groups, torch::kInt64).to(device_);
        predictions =
            predictions * torch::exp((offsets - offsets.mean()).index_select(0, rows_family));
      }
      // Means over the whole batch: each share's mean weighted by its share of the items.
      torch::Tensor loss = training_loss(train.loss, predictions, targets);
      if (distributed) loss = loss * weight;
      main_sum += loss.item<double>();
      if (tc.lambda_sr > 0) {
        std::vector<int64_t> perm(static_cast<size_t>(copies * count));
        std::iota(perm.begin(), perm.end(), 0);
        shuffle_indices(perm, engine);
        const torch::Tensor permutation = torch::tensor(perm, torch::kInt64).to(device_);
        torch::Tensor all_predictions = predictions, all_targets = targets;
        if (distributed) {
          // Every rank computes the whole batch's ranking loss; the gradient reaches only its
          // own rows, and the sum over ranks is one process's gradient.
          all_predictions = gather_batch(*group_, predictions, count, copies, idle);
          std::vector<float> labels;
          for (int64_t copy = 0; copy < copies; ++copy)
            for (int64_t k = begin; k < end; ++k)
              labels.push_back(static_cast<float>(
                  train.labels[static_cast<size_t>(order[static_cast<size_t>(k)])]));
          all_targets = torch::tensor(labels, torch::kFloat32).to(device_);
        }
        const torch::Tensor sr = ranking_loss(all_predictions, all_targets, permutation);
        sr_sum += sr.item<double>();
        loss = loss + tc.lambda_sr * sr;
      }
      if (augment && tc.lambda_cons > 0) {
        const torch::Tensor original = predictions.narrow(0, 0, local_count);
        const torch::Tensor augmented = predictions.narrow(0, local_count, local_count);
        torch::Tensor cons =
            tc.consistency == ConsistencyScale::kRelative
                ? relative_consistency_loss(original, augmented, targets.narrow(0, 0, local_count))
                : consistency_loss(original, augmented);
        if (distributed) cons = cons * weight;
        cons_sum += cons.item<double>();
        loss = loss + tc.lambda_cons * cons;
      }
      loss.backward();
      if (buckets) buckets->synchronize();
      double clip = 1.0;
      if (tc.grad_clip > 0 || distributed) {
        const double norm = optimizer.gradient_norm();
        // Every rank sees the same summed gradient, so all of them stop here together.
        if (distributed && !std::isfinite(norm))
          throw Error("training diverged at epoch " + std::to_string(epoch) +
                      " (the gradient is not finite): lower train.lr");
        if (tc.grad_clip > 0) clip = clip_coefficient(norm, tc.grad_clip);
      }
      optimizer.step(tc.lr * schedule.multiplier(state.step), clip);
      loss_sum += loss.item<double>();
      ++state.step;
      samples_seen += count;
      if (!distributed && !std::isfinite(loss_sum))
        throw Error("training diverged at epoch " + std::to_string(epoch) +
                    " (loss is not finite): lower train.lr");
    }
    if (distributed) {
      // The shares' weighted means add up to the whole batch's; the ranking loss is already
      // the whole batch's on every rank.
      std::vector<torch::Tensor> sums = {torch::tensor({main_sum, cons_sum}, torch::kFloat64)};
      group_->all_reduce_sum(sums);
      main_sum = sums[0][0].item<double>();
      cons_sum = sums[0][1].item<double>();
      loss_sum = main_sum + (tc.lambda_sr > 0 ? tc.lambda_sr * sr_sum : 0.0) +
                 (augment && tc.lambda_cons > 0 ? tc.lambda_cons * cons_sum : 0.0);
    }
    const double epoch_seconds = epoch_clock.seconds();
    state.epochs_done = epoch;
    progress.advance();

    nlohmann::json line;
    line["epoch"] = epoch;
    line["step"] = state.step;
    line["lr"] = tc.lr * schedule.multiplier(state.step);
    line["loss"] = loss_sum / static_cast<double>(batches_per_epoch);
    line["loss_main"] = main_sum / static_cast<double>(batches_per_epoch);
    if (tc.lambda_sr > 0) line["loss_sr"] = sr_sum / static_cast<double>(batches_per_epoch);
    if (augment && tc.lambda_cons > 0)
      line["loss_cons"] = cons_sum / static_cast<double>(batches_per_epoch);
    line["train_seconds"] = epoch_seconds;
    line["samples_per_second"] = static_cast<double>(n) / epoch_seconds;

    bool improved = false;
    const bool validate = epoch % config_.eval.every == 0 || epoch == tc.epochs;
    std::string val_text;
    if (validate) {
      const MetricSummary summary =
          summarize(predict(model, val.inputs, val.heads, config_.eval.batch_size, device_, group_),
                    val.labels);
      const double score = selection_score(summary);
      improved = better(score, state.best_score);
      if (improved) {
        state.best_score = score;
        state.best_epoch = epoch;
      }
      line["val_kendall_tau"] = summary.kendall_tau;
      line["val_mape"] = summary.mape;
      line["val_acc_10"] = summary.acc_10;
      char buffer[160];
      std::snprintf(buffer, sizeof buffer, "val tau %.4f mape %.2f%% (best %s %.4f @%lld)",
                    summary.kendall_tau, 100 * summary.mape,
                    to_string(config_.eval.selection).c_str(), state.best_score,
                    static_cast<long long>(state.best_epoch));
      val_text = buffer;
    }
    line["best"] = improved;

    // Checkpoints first, then the metrics line: resume trims lines the checkpoint lacks.
    state.shuffle_engine = serialize(engine);
    state.torch_rng = torch_rng_state();
    if (offsets.defined()) state.family_offsets = offsets.detach().cpu().clone();
    if (writes_files()) {
      if (improved) save_checkpoint(best_checkpoint(), model, &optimizer, state);
      save_checkpoint(last_checkpoint(), model, &optimizer, state);
      append_line(metrics_file(), line.dump());
    }

    spdlog::info("epoch {}/{}  loss {:.5f}  lr {:.2e}  {}  {:.0f} samples/s  ETA {}", epoch,
                 tc.epochs, line["loss"].get<double>(), line["lr"].get<double>(), val_text,
                 line["samples_per_second"].get<double>(), format_duration(progress.eta_seconds()));
  }

  FitResult result;
  result.epochs_done = state.epochs_done;
  result.finished = state.epochs_done >= tc.epochs;
  result.best_epoch = state.best_epoch;
  result.best_score = state.best_score;
  result.seconds = wall.seconds();
  result.samples_per_second =
      result.seconds > 0 ? static_cast<double>(samples_seen) / result.seconds : 0;
  if (offsets.defined()) {
    const torch::Tensor centred =
        (offsets - offsets.mean()).detach().cpu().to(torch::kFloat64).contiguous();
    result.family_offsets.assign(centred.data_ptr<double>(),
                                 centred.data_ptr<double>() + centred.numel());
    std::string text;
    for (size_t f = 0; f < result.family_offsets.size(); ++f)
      text += fmt::format("{}{} {:.3f}", f ? ", " : "", train.group_names[f],
                          std::exp(result.family_offsets[f]));
    spdlog::info("family factors learned in training (not used to predict): {}", text);
  }
  // A run paused before its first validation has nothing to select yet, and that is fine.
  if (result.finished && state.best_epoch == 0)
    throw Error("no epoch produced a finite validation score; nothing to select");
  if (group_ != nullptr) group_->barrier();  // rank 0's checkpoints are on disk for everyone
  return result;
}

}  // namespace narformer
