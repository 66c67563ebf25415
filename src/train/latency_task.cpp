#include "narformer/train/latency_task.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>

#include <spdlog/spdlog.h>

#include "narformer/config/datasets.h"
#include "narformer/core/atomic_file.h"
#include "narformer/core/error.h"
#include "narformer/core/progress.h"
#include "narformer/data/latency_split.h"
#include "narformer/model/cost_prior.h"
#include "narformer/onnx/cost.h"
#include "narformer/runtime/evaluator.h"
#include "narformer/tokenize/token_cache.h"

namespace narformer {

namespace {

bool wanted(const std::vector<std::string>& filter, const std::string& value) {
  return filter.empty() || std::find(filter.begin(), filter.end(), value) != filter.end();
}

// The shipped datasets keep their ONNX files packed in the repository; says how to unpack.
std::string unpack_hint(const std::string& gt_path) {
  const std::filesystem::path folder = std::filesystem::path(gt_path).parent_path();
  if (!std::filesystem::exists(folder / "onnx.tar.xz") || std::filesystem::exists(folder / "onnx"))
    return "";
  return "; the ONNX files are packed in " + (folder / "onnx.tar.xz").string() +
         ": run scripts/setup.sh (or tar -xJf it -C " + folder.string() + ")";
}

}  // namespace

LatencyTask::LatencyTask(const Config& config) : config_(config) {
  const LatencyTable table = read_latency_table(config.data.path, config.data.onnx_root);
  lines_read_ = static_cast<int64_t>(table.records.size());

  // Platforms: the configured order, else sorted as they appear; one head each.
  platforms_ = config.data.platforms;
  if (platforms_.empty()) {
    for (const auto& r : table.records)
      if (std::find(platforms_.begin(), platforms_.end(), r.platform) == platforms_.end())
        platforms_.push_back(r.platform);
    std::sort(platforms_.begin(), platforms_.end());
  }

  TokenCache cache(OnnxTokenizerOptions::from_config(config.data.tokenizer), config.data.cache_dir);
  input_dim_ = cache.tokenizer().feature_dim();
  static_dim_ = cache.tokenizer().static_dim();
  load_lines(table, cache, /*family_filter=*/true);
  if (graphs_missing_shapes_ > 0 || graphs_unknown_ops_ > 0)
    spdlog::warn(
        "{}: {} of {} usable graphs have nodes without an inferred output shape ({} nodes), {} "
        "have "
        "operators narformer does not know; they train with zeros there (`narformer inspect FILE` "
        "shows which)",
        config.data.path, graphs_missing_shapes_, records_.size(), nodes_missing_shapes_,
        graphs_unknown_ops_);
  if (records_.empty()) {
    throw DataError(with_file(config.data.path,
                              "no usable lines (after data.families / data.platforms filters and "
                              "ONNX import; " +
                                  std::to_string(skipped_.size()) + " skipped)" +
                                  unpack_hint(config.data.path)));
  }
  split_ = make_latency_split(records_, config.data, static_cast<uint64_t>(config.run.seed));

  // Extra training lines come after the split, so they can never land in validation or test.
  first_extra_line_ = static_cast<int64_t>(records_.size());
  for (const std::string& path : config.data.extra_train) {
    const LatencyTable extra = read_latency_table(path);
    const size_t first = records_.size();
    load_lines(extra, cache, /*family_filter=*/false);
    if (records_.size() == first)
      throw DataError(with_file(
          path, "data.extra_train: no usable lines (" + std::to_string(extra.records.size()) +
                    " read; their platform ids must be among the run's platforms and their "
                    "ONNX files must import)" +
                    unpack_hint(path)));
    int64_t of_test_family = 0;
    for (size_t i = first; i < records_.size(); ++i) {
      split_.train.push_back(static_cast<int64_t>(i));
      of_test_family += config.data.protocol == Protocol::kLeaveFamilyOut &&
                        records_[i].family == config.data.test_family;
    }
    if (of_test_family > 0)
      spdlog::warn(
          "data.extra_train {}: {} lines are of the left-out family '{}' and train the model", path,
          of_test_family, config.data.test_family);
    spdlog::info("data.extra_train {}: {} training lines added", path, records_.size() - first);
  }
}

void LatencyTask::load_lines(const LatencyTable& table, TokenCache& cache, bool family_filter) {
  std::map<std::string, int64_t> skipped_per_family;
  const size_t skipped_before = skipped_.size();
  Progress progress(static_cast<int64_t>(table.records.size()));
  Stopwatch since_log;
  for (const auto& record : table.records) {
    progress.advance();
    if ((family_filter && !wanted(config_.data.families, record.family)) ||
        !wanted(platforms_, record.platform))
      continue;
    const int64_t batch =
        config_.data.batch_size_override > 0 ? config_.data.batch_size_override : record.batch_size;
    try {
      tokens_.push_back(cache.get(record.onnx_path, batch));
    } catch (const DataError& e) {
      skipped_.push_back(table.source + " line " + std::to_string(record.line) + " " + record.id +
                         " " + record.onnx_path + ": " + e.what());
      ++skipped_per_family[record.family];
      continue;
    }
    const TokenSequence& tokens = *tokens_.back();
    graphs_missing_shapes_ += tokens.missing_shapes > 0;
    nodes_missing_shapes_ += tokens.missing_shapes;
    graphs_unknown_ops_ += tokens.unknown_op_types > 0;
    LatencyRecord kept = record;
    kept.batch_size = batch;
    records_.push_back(std::move(kept));
    heads_.push_back(std::find(platforms_.begin(), platforms_.end(), record.platform) -
                     platforms_.begin());
    if (since_log.seconds() > 10) {
      spdlog::info("tokenizing {}: {}/{} lines, {:.0f} lines/s, ETA {}", table.source,
                   progress.done(), progress.total(), progress.rate(),
                   format_duration(progress.eta_seconds()));
      since_log.reset();
    }
  }
  const TokenCacheStats stats = cache.stats();
  spdlog::info("tokenized {} in {} ({} graphs from the disk cache so far, {} computed)",
               table.source, format_duration(progress.elapsed_seconds()), stats.disk_hits,
               stats.computed);
  if (skipped_.size() > skipped_before) {
    std::string per_family;
    for (const auto& [family, count] : skipped_per_family)
      per_family += (per_family.empty() ? "" : ", ") + family + " " + std::to_string(count);
    spdlog::warn(
        "{}: {} lines skipped (missing or unreadable ONNX: {}); listed in skipped.txt; first: {}",
        table.source, skipped_.size() - skipped_before, per_family, skipped_[skipped_before]);
  }
}

EvaluationSet LatencyTask::subset(const std::vector<int64_t>& indices) const {
  EvaluationSet set;
  for (const int64_t i : indices) {
    set.inputs.push_back(tokens_[static_cast<size_t>(i)]);
    set.labels.push_back(records_[static_cast<size_t>(i)].latency_ms);
    set.heads.push_back(heads_[static_cast<size_t>(i)]);
  }
  return set;
}

TrainingSet LatencyTask::training_set() const {
  EvaluationSet items = subset(split_.train);
  TrainingSet set;
  set.inputs = std::move(items.inputs);
  set.labels = std::move(items.labels);
  set.heads = std::move(items.heads);
  set.loss = dataset_info(config_.data.dataset).loss;
  for (const int64_t i : split_.train) {  // families in order of first appearance
    const std::string& family = records_[static_cast<size_t>(i)].family;
    auto it = std::find(set.group_names.begin(), set.group_names.end(), family);
    if (it == set.group_names.end()) it = set.group_names.insert(set.group_names.end(), family);
    set.groups.push_back(it - set.group_names.begin());
    set.fits_cost_model.push_back(config_.data.extra_train_fits_cost_model ||
                                  i < first_extra_line_);
  }
  return set;  // no augmentation: ONNX graphs have no cheap isomorphic relabelling here
}

EvaluationSet LatencyTask::validation_set() const {
  // selection_split: test reproduces the published NNLQP protocol (best epoch chosen on test).
  return subset(config_.eval.selection_split == SelectionSplit::kTest ? split_.test : split_.val);
}

TestResult LatencyTask::evaluate_test(NarFormerModel& model, const torch::Device& device,
                                      const std::string& predictions_path,
                                      DataParallelGroup* group) const {
  const EvaluationSet test = subset(split_.test);
  TestResult result =
      report_test(predict(model, test.inputs, test.heads, config_.eval.batch_size, device, group),
                  predictions_path);
  if (const std::vector<CostRates> rates = model->cost_rates(); !rates.empty())
    result.baseline =
        summarize(linear_cost_predictions(test.inputs, test.heads, rates), test.labels);
  return result;
}

FlatSet LatencyTask::flat_set(SplitPart part, FeatureSet features, bool with_rows) const {
  FlatSet set;
  for (const int64_t i :
       split_items(split_, part, config_.eval.selection_split == SelectionSplit::kTest)) {
    const LatencyRecord& record = records_[static_cast<size_t>(i)];
    if (with_rows) set.rows.push_back(onnx_features(*tokens_[static_cast<size_t>(i)], features));
    set.labels.push_back(record.latency_ms);
    set.heads.push_back(heads_[static_cast<size_t>(i)]);
    set.keys.push_back(record.onnx_path);
    set.batch_sizes.push_back(record.batch_size);
    set.platforms.push_back(record.platform);
  }
  return set;
}

TestResult LatencyTask::report_test(const std::vector<double>& predictions,
                                    const std::string& predictions_path) const {
  TestResult result;
  for (const int64_t i : split_.test)
    result.truths.push_back(records_[static_cast<size_t>(i)].latency_ms);
  result.overall = summarize(predictions, result.truths);
  std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> by_family;
  for (size_t k = 0; k < split_.test.size(); ++k) {
    auto& [p, t] = by_family[records_[static_cast<size_t>(split_.test[k])].family];
    p.push_back(predictions.at(k));
    t.push_back(result.truths[k]);
  }
  for (const auto& [family, pt] : by_family) result.groups[family] = summarize(pt.first, pt.second);
  result.predictions = predictions;
  for (const int64_t i : split_.test)
    result.item_groups.push_back(records_[static_cast<size_t>(i)].family);
  result.log_scale = true;
  result.quantity = "latency (ms)";

  if (!predictions_path.empty()) {
    std::ostringstream csv;
    csv.precision(9);
    csv << "id,family,platform,batch_size,onnx_path,latency_ms,prediction_ms\n";
    for (size_t k = 0; k < split_.test.size(); ++k) {
      const LatencyRecord& r = records_[static_cast<size_t>(split_.test[k])];
      csv << r.id << ',' << r.family << ',' << r.platform << ',' << r.batch_size << ','
          << r.onnx_path << ',' << r.latency_ms << ',' << predictions[k] << '\n';
    }
    write_file_atomic(predictions_path, csv.str());
  }
  return result;
}

std::string LatencyTask::summary() const {
  std::ostringstream s;
  s << "latency lines " << config_.data.path << ": " << lines_read_ << " read, " << records_.size()
    << " usable (" << skipped_.size() << " skipped";
  if (const size_t extra = records_.size() - static_cast<size_t>(first_extra_line_); extra > 0)
    s << ", " << extra << " of them from data.extra_train, training only";
  s << "); " << platforms_.size() << " platform(s); train " << split_.train.size()
    << ", validation " << split_.val.size() << ", test " << split_.test.size() << " ("
    << to_string(config_.data.protocol);
  if (config_.data.protocol == Protocol::kLeaveFamilyOut) s << ": " << config_.data.test_family;
  s << "); tokens " << input_dim_ << "-d + " << static_dim_ << " static ("
    << to_string(config_.data.tokenizer.compat) << ")";
  if (config_.eval.selection_split == SelectionSplit::kTest)
    s << "; SELECTING ON TEST (published protocol)";
  return s.str();
}

nlohmann::json LatencyTask::import_summary() const {
  return {{"usable_lines", records_.size()},
          {"skipped_lines", skipped_.size()},
          {"graphs_with_missing_shapes", graphs_missing_shapes_},
          {"nodes_without_shapes", nodes_missing_shapes_},
          {"graphs_with_unknown_operators", graphs_unknown_ops_}};
}

std::string LatencyTask::skipped_report() const {
  std::string out;
  for (const auto& line : skipped_) out += line + "\n";
  return out;
}

}  // namespace narformer
