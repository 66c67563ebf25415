#include "narformer/train/trainer.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "narformer/core/atomic_file.h"
#include "narformer/core/error.h"
#include "narformer/core/progress.h"
#include "narformer/data/batch.h"
#include "narformer/data/epoch_order.h"
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

}  // namespace

Trainer::Trainer(const Config& config, const torch::Device& device, std::string run_dir)
    : config_(config), device_(device), run_dir_(std::move(run_dir)) {}

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
    truncate_metrics(metrics_file(), state.epochs_done);
    spdlog::info("resuming after epoch {} (step {}, best {} = {:.4f} at epoch {})",
                 state.epochs_done, state.step, to_string(config_.eval.selection), state.best_score,
                 state.best_epoch);
  } else {
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
      rows.clear();
      row_labels.clear();
      row_heads.clear();
      row_groups.clear();
      for (int copy = 0; copy < (augment ? 2 : 1); ++copy) {  // [originals; augmented copies]
        for (int64_t k = begin; k < end; ++k) {
          const auto i = static_cast<size_t>(order[static_cast<size_t>(k)]);
          rows.push_back(copy == 0 ? train.inputs[i].get() : train.augmented[i].get());
          row_labels.push_back(static_cast<float>(train.labels[i]));
          if (!train.heads.empty()) row_heads.push_back(train.heads[i]);
          if (offsets.defined()) row_groups.push_back(train.groups[i]);
        }
      }
      const int64_t R = static_cast<int64_t>(rows.size());
      const torch::Tensor targets = torch::from_blob(row_labels.data(), {R}, torch::kFloat32)
                                        .to(device_, /*non_blocking=*/false, /*copy=*/true);

      optimizer.zero_grad();
      PaddedBatch batch = collate(rows);
      batch.head_index = row_heads;
      torch::Tensor predictions = model->forward(to_tensors(std::move(batch), device_));
      if (offsets.defined()) {
        const torch::Tensor rows_family = torch::tensor(row_groups, torch::kInt64).to(device_);
        predictions =
            predictions * torch::exp((offsets - offsets.mean()).index_select(0, rows_family));
      }
      torch::Tensor loss = training_loss(train.loss, predictions, targets);
      main_sum += loss.item<double>();
      if (tc.lambda_sr > 0) {
        std::vector<int64_t> perm(static_cast<size_t>(R));
        std::iota(perm.begin(), perm.end(), 0);
        shuffle_indices(perm, engine);
        const torch::Tensor permutation = torch::tensor(perm, torch::kInt64).to(device_);
        const torch::Tensor sr = ranking_loss(predictions, targets, permutation);
        sr_sum += sr.item<double>();
        loss = loss + tc.lambda_sr * sr;
      }
      if (augment && tc.lambda_cons > 0) {
        const torch::Tensor cons =
            consistency_loss(predictions.narrow(0, 0, count), predictions.narrow(0, count, count));
        cons_sum += cons.item<double>();
        loss = loss + tc.lambda_cons * cons;
      }
      loss.backward();
      const double clip =
          tc.grad_clip > 0 ? clip_coefficient(optimizer.gradient_norm(), tc.grad_clip) : 1.0;
      optimizer.step(tc.lr * schedule.multiplier(state.step), clip);
      loss_sum += loss.item<double>();
      ++state.step;
      samples_seen += count;
      if (!std::isfinite(loss_sum))
        throw Error("training diverged at epoch " + std::to_string(epoch) +
                    " (loss is not finite): lower train.lr");
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
      const MetricSummary summary = summarize(
          predict(model, val.inputs, val.heads, config_.eval.batch_size, device_), val.labels);
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
    if (improved) save_checkpoint(best_checkpoint(), model, &optimizer, state);
    save_checkpoint(last_checkpoint(), model, &optimizer, state);
    append_line(metrics_file(), line.dump());

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
  if (state.best_epoch == 0)
    throw Error("no epoch produced a finite validation score; nothing to select");
  return result;
}

}  // namespace narformer
