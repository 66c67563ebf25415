#include "narformer/train/nas_task.h"

#include <sstream>

#include <spdlog/spdlog.h>

#include "narformer/cells/augment.h"
#include "narformer/config/datasets.h"
#include "narformer/core/atomic_file.h"
#include "narformer/runtime/evaluator.h"
#include "narformer/runtime/run_folder.h"

namespace narformer {

NasTask::NasTask(const Config& config)
    : config_(config),
      table_(read_dataset_cells(config.data)),
      split_(make_split(static_cast<int64_t>(table_.records.size()), config.data,
                        static_cast<uint64_t>(config.run.seed))),
      tokenizer_(CellTokenizerOptions::from_config(config.data.tokenizer)) {
  if (config.model.prior != Prior::kLinear) return;
  const FlatSet train = flat_set(SplitPart::kTrain, FeatureSet::kEncoding);
  const FlatSet val = flat_set(SplitPart::kValidation, FeatureSet::kEncoding);
  prior_ = fit_linear_prior(config, train.rows, train.labels, val.rows, val.labels);
  spdlog::info(
      "model.prior linear (ridge {}): alone on validation mape {:.3f}%  tau {:.4f}; the network "
      "learns its "
      "correction",
      prior_->ridge, 100 * prior_->validation.mape, prior_->validation.kendall_tau);
}

int64_t NasTask::num_heads() const {
  return std::max<int64_t>(1, static_cast<int64_t>(config_.data.labels.size()));
}

double NasTask::label_of(const NasRecord& record, int64_t head, bool training) const {
  if (!record.labels.empty()) return record.labels[static_cast<size_t>(head)];
  return training ? record.train_label : record.eval_label;
}

TokenPtr NasTask::tokenize(const Cell& cell) const {
  auto tokens = std::make_shared<TokenSequence>(tokenizer_.tokenize(to_graph(cell, table_.source)));
  if (prior_) tokens->prior = prior_->value(cell);
  return tokens;
}

void NasTask::write_run_files(const std::string& run_dir) const {
  if (prior_) write_file_atomic(RunFolder(run_dir).prior(), prior_->to_json().dump(1) + "\n");
}

TrainingSet NasTask::training_set() const {
  TrainingSet set;
  const bool augment = config_.train.lambda_cons > 0;
  const int64_t heads = num_heads();
  for (const int64_t i : split_.train) {
    const NasRecord& record = table_.records[static_cast<size_t>(i)];
    const TokenPtr tokens = tokenize(record.cell);
    const TokenPtr partner = augment ? tokenize(consistency_augment(record.cell)) : nullptr;
    for (int64_t h = 0; h < heads; ++h) {
      set.inputs.push_back(tokens);
      if (augment) set.augmented.push_back(partner);
      set.labels.push_back(label_of(record, h, /*training=*/true));
      if (heads > 1) set.heads.push_back(h);
    }
  }
  set.loss = dataset_info(config_.data.dataset).loss;
  return set;
}

EvaluationSet NasTask::validation_set() const {
  EvaluationSet set;
  const int64_t heads = num_heads();
  for (const int64_t i : split_.val) {
    const NasRecord& record = table_.records[static_cast<size_t>(i)];
    const TokenPtr tokens = tokenize(record.cell);
    for (int64_t h = 0; h < heads; ++h) {
      set.inputs.push_back(tokens);
      // Scored against eval labels, as published (method.md §6.2).
      set.labels.push_back(label_of(record, h, /*training=*/false));
      if (heads > 1) set.heads.push_back(h);
    }
  }
  return set;
}

TestResult NasTask::evaluate_test(NarFormerModel& model, const torch::Device& device,
                                  const std::string& predictions_path,
                                  DataParallelGroup* group) const {
  // Tokenize in chunks: the test split can be the whole benchmark (423k cells for NB101).
  // Items in flat_set order: cell-major, head-minor.
  constexpr size_t kChunk = 8192;
  const int64_t num = num_heads();
  std::vector<double> predictions;
  predictions.reserve(split_.test.size() * static_cast<size_t>(num));
  for (size_t begin = 0; begin < split_.test.size(); begin += kChunk) {
    const size_t end = std::min(split_.test.size(), begin + kChunk);
    std::vector<TokenPtr> tokens;
    std::vector<int64_t> heads;
    for (size_t k = begin; k < end; ++k) {
      const TokenPtr cell = tokenize(table_.records[static_cast<size_t>(split_.test[k])].cell);
      for (int64_t h = 0; h < num; ++h) {
        tokens.push_back(cell);
        if (num > 1) heads.push_back(h);
      }
    }
    const std::vector<double> chunk =
        predict(model, tokens, heads, config_.eval.batch_size, device, group);
    predictions.insert(predictions.end(), chunk.begin(), chunk.end());
  }
  return report_test(predictions, predictions_path);
}

FlatSet NasTask::flat_set(SplitPart part, FeatureSet features, bool with_rows) const {
  FlatSet set;
  const int64_t heads = num_heads();
  for (const int64_t i :
       split_items(split_, part, config_.eval.selection_split == SelectionSplit::kTest)) {
    const NasRecord& record = table_.records[static_cast<size_t>(i)];
    for (int64_t h = 0; h < heads; ++h) {
      if (with_rows) set.rows.push_back(cell_features(record.cell, features));
      set.labels.push_back(label_of(record, h, part == SplitPart::kTrain));
      set.keys.push_back(record.arch);
      if (heads > 1) {
        set.heads.push_back(h);
        set.platforms.push_back(config_.data.labels[static_cast<size_t>(h)]);
      }
    }
  }
  return set;
}

TestResult NasTask::report_test(const std::vector<double>& predictions,
                                const std::string& predictions_path) const {
  const int64_t heads = num_heads();
  const std::vector<std::string>& names = config_.data.labels;
  std::vector<double> truths;
  truths.reserve(split_.test.size() * static_cast<size_t>(heads));
  for (const int64_t i : split_.test)
    for (int64_t h = 0; h < heads; ++h)
      truths.push_back(label_of(table_.records[static_cast<size_t>(i)], h, /*training=*/false));
  if (!predictions_path.empty()) {
    std::ostringstream csv;
    csv.precision(9);
    if (heads > 1)
      csv << "index,arch,label,truth,prediction\n";
    else
      csv << "index,arch," << config_.data.eval_label << ",prediction\n";
    for (size_t k = 0; k < truths.size(); ++k) {
      const size_t h = k % static_cast<size_t>(heads);
      const NasRecord& record = table_.records[static_cast<size_t>(split_.test[k / heads])];
      csv << record.index << ',' << record.arch << ',' << (heads > 1 ? names[h] + "," : "")
          << truths[k] << ',' << predictions.at(k) << '\n';
    }
    write_file_atomic(predictions_path, csv.str());
  }
  TestResult result;
  result.overall = summarize(predictions, truths);
  if (heads > 1) {  // one figure per label column (device), and plots coloured by it
    result.group_key = "per_label";
    for (int64_t h = 0; h < heads; ++h) {
      std::vector<double> p, t;
      for (size_t k = static_cast<size_t>(h); k < truths.size(); k += heads) {
        p.push_back(predictions.at(k));
        t.push_back(truths[k]);
      }
      result.groups[names[static_cast<size_t>(h)]] = summarize(p, t);
    }
    for (size_t k = 0; k < truths.size(); ++k)
      result.item_groups.push_back(names[k % static_cast<size_t>(heads)]);
  }
  result.truths = std::move(truths);
  result.predictions = predictions;
  result.quantity = config_.data.eval_label;
  return result;
}

std::string NasTask::summary() const {
  std::ostringstream s;
  s << to_string(table_.space) << " table " << table_.source << ": " << table_.records.size()
    << " architectures; train " << split_.train.size() << ", validation " << split_.val.size()
    << ", test " << split_.test.size() << " (" << to_string(config_.data.protocol) << " protocol)";
  if (!config_.data.labels.empty()) {
    s << "; " << config_.data.labels.size() << " label columns, one head each:";
    for (const std::string& label : config_.data.labels) s << ' ' << label;
  }
  s << "; tokens " << tokenizer_.feature_dim() << "-d (" << to_string(config_.data.tokenizer.embed)
    << ", " << to_string(config_.data.tokenizer.opcode) << ", dx " << config_.data.tokenizer.dx
    << ", dp " << config_.data.tokenizer.dp << ")";
  return s.str();
}

}  // namespace narformer
