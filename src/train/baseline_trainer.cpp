#include "narformer/train/baseline_trainer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include <spdlog/spdlog.h>

#include "narformer/config/datasets.h"
#include "narformer/core/atomic_file.h"
#include "narformer/core/error.h"
#include "narformer/core/progress.h"
#include "narformer/predict/predictor.h"
#include "narformer/predict/run_inputs.h"

namespace narformer {

namespace {

/// The rows, labels and keys of one output head.
FlatSet head_subset(const FlatSet& set, int64_t head) {
  FlatSet out;
  for (size_t i = 0; i < set.labels.size(); ++i) {
    if (!set.heads.empty() && set.heads[i] != head) continue;
    if (!set.rows.empty()) out.rows.push_back(set.rows[i]);
    out.labels.push_back(set.labels[i]);
    out.keys.push_back(set.keys[i]);
    if (!set.batch_sizes.empty()) out.batch_sizes.push_back(set.batch_sizes[i]);
    if (!set.platforms.empty()) out.platforms.push_back(set.platforms[i]);
  }
  return out;
}

/// Writes predictions of head `head` back into their places of the whole set.
void scatter(const FlatSet& set, int64_t head, const std::vector<double>& values,
             std::vector<double>& out) {
  size_t k = 0;
  for (size_t i = 0; i < set.labels.size(); ++i)
    if (set.heads.empty() || set.heads[i] == head) out[i] = values.at(k++);
}

/// The source run's predictions of the items of `set` (the transfer baseline): tokenized with
/// the source's settings, predicted in batches, one call per platform the source is asked for.
std::vector<double> source_predictions(const Predictor& source, const FlatSet& set) {
  std::map<std::string, std::vector<size_t>> by_platform;
  for (size_t i = 0; i < set.keys.size(); ++i)
    by_platform[platform_or_first(source.platforms(),
                                  set.platforms.empty() ? "" : set.platforms[i])]
        .push_back(i);
  std::vector<double> out(set.keys.size());
  for (const auto& [platform, items] : by_platform) {
    std::vector<TokenPtr> tokens;
    tokens.reserve(items.size());
    for (const size_t i : items)
      tokens.push_back(source.takes_onnx()
                           ? source.tokenize_onnx(set.keys[i], set.batch_sizes.at(i))
                           : source.tokenize_cell(set.keys[i]));
    const std::vector<double> predictions = source.predict(tokens, platform);
    for (size_t k = 0; k < items.size(); ++k) out[items[k]] = predictions[k];
  }
  return out;
}

double rescale_factor(const std::vector<double>& labels, const std::vector<double>& predictions,
                      RescaleStatistic statistic) {
  std::vector<double> ratios;
  for (size_t i = 0; i < labels.size(); ++i)
    if (predictions[i] > 0) ratios.push_back(labels[i] / predictions[i]);
  if (ratios.empty())
    throw DataError("rescale: the source run predicts no positive value for the training items");
  if (statistic == RescaleStatistic::kMean) {
    double sum = 0;
    for (double r : ratios) sum += r;
    return sum / static_cast<double>(ratios.size());
  }
  std::sort(ratios.begin(), ratios.end());
  const size_t m = ratios.size() / 2;
  return ratios.size() % 2 ? ratios[m] : 0.5 * (ratios[m - 1] + ratios[m]);
}

/// One head fitted with one grid setting.
BaselineHead fit_head(const Config& config, BaselineKind kind, const nlohmann::json& setting,
                      const FlatSet& train, const FlatSet& val, const ValidationScore& score,
                      bool onnx) {
  BaselineHead head;
  const uint64_t seed = static_cast<uint64_t>(config.run.seed);
  if (kind == BaselineKind::kLinear) {
    LinearOptions options;
    options.ridge = setting.at("ridge").get<double>();
    options.non_negative = config.baseline.linear_sign == LinearSign::kNonNegative ||
                           (config.baseline.linear_sign == LinearSign::kAuto && onnx);
    options.loss = baseline_loss(config);
    head.linear = fit_linear(train.rows, train.labels, options);
  } else if (kind == BaselineKind::kMlp) {
    MlpSettings s;
    s.hidden = static_cast<int64_t>(setting.at("hidden").get<double>());
    s.layers = static_cast<int64_t>(setting.at("layers").get<double>());
    s.lr = setting.at("lr").get<double>();
    s.weight_decay = setting.at("weight_decay").get<double>();
    s.epochs = config.baseline.mlp_epochs;
    s.batch_size = config.baseline.mlp_batch_size;
    s.seed = seed;
    s.loss = baseline_loss(config);
    head.mlp = train_mlp(train.rows, train.labels, val.rows, score, s);
  } else if (kind == BaselineKind::kGbdt) {
    GbdtSettings s;
    s.max_depth = static_cast<int64_t>(setting.at("max_depth").get<double>());
    s.eta = setting.at("eta").get<double>();
    s.min_child_weight = setting.at("min_child_weight").get<double>();
    s.subsample = setting.at("subsample").get<double>();
    s.colsample = setting.at("colsample").get<double>();
    s.max_rounds = config.baseline.gbdt_max_rounds;
    s.early_stopping = config.baseline.gbdt_early_stopping;
    s.seed = seed;
    s.loss = baseline_loss(config);
    s.threads = static_cast<int>(torch::get_num_threads());
    head.gbdt = GbdtModel::fit(train.rows, train.labels, val.rows, score, s);
  }
  return head;
}

}  // namespace

BaselineFit fit_baseline(const Config& config, const Task& task, const std::string& metrics_file) {
  Stopwatch clock;
  const BaselineKind kind = baseline_kind(config.model.kind);
  const DatasetInfo& dataset = dataset_info(config.data.dataset);
  const bool onnx = dataset.takes_onnx();
  const FeatureSet features = baseline_features(config);
  const bool rows = kind != BaselineKind::kRescale;
  const FlatSet train = task.flat_set(SplitPart::kTrain, features, rows);
  const FlatSet val = task.flat_set(SplitPart::kValidation, features, rows);
  if (val.labels.empty() && kind != BaselineKind::kLinear && kind != BaselineKind::kRescale)
    throw DataError(with_file(config.source_file,
                              "model.kind " + to_string(config.model.kind) +
                                  " chooses its settings on the validation split, which is empty"));
  const int64_t heads = std::max<int64_t>(1, task.num_heads());

  BaselineFit fit;
  fit.model.kind = kind;
  fit.model.features = features;
  fit.model.loss = baseline_loss(config);
  fit.model.feature_names =
      onnx ? onnx_feature_names(features) : cell_feature_names(dataset.space, features);
  const std::vector<nlohmann::json> grid = baseline_grid(config);
  fit.settings = static_cast<int64_t>(grid.size());
  double best = std::numeric_limits<double>::infinity();

  std::vector<FlatSet> train_heads, val_heads;
  for (int64_t h = 0; h < heads; ++h) {
    train_heads.push_back(head_subset(train, h));
    val_heads.push_back(head_subset(val, h));
    if (train_heads.back().labels.empty())
      throw DataError(with_file(
          config.source_file, "baseline: no training items for output head " + std::to_string(h)));
  }

  std::unique_ptr<Predictor> source;
  if (kind == BaselineKind::kRescale) {
    source = std::make_unique<Predictor>(config.train.init_from);
    if (source->takes_onnx() != onnx)
      throw ConfigError(with_file(config.source_file,
                                  "train.init_from " + config.train.init_from +
                                      " predicts the other kind of input than this run's data"));
    fit.model.source_run = config.train.init_from;
  }

  for (size_t g = 0; g < grid.size(); ++g) {
    Stopwatch setting_clock;
    std::vector<BaselineHead> fitted;
    std::vector<double> val_predictions(val.labels.size(), 0.0);
    for (int64_t h = 0; h < heads; ++h) {
      const FlatSet& vh = val_heads[static_cast<size_t>(h)];
      const FlatSet& th = train_heads[static_cast<size_t>(h)];
      // A head's own validation items decide its early stopping (trees, MLP epochs).
      const ValidationScore score = [&](const std::vector<double>& predictions) {
        return selection_loss(config.eval.selection, summarize(predictions, vh.labels));
      };
      if (kind == BaselineKind::kRescale) {
        BaselineHead head;
        head.factor = rescale_factor(th.labels, source_predictions(*source, th),
                                     config.baseline.rescale_statistic);
        std::vector<double> p = source_predictions(*source, vh);
        for (double& v : p) v *= head.factor;
        scatter(val, h, p, val_predictions);
        fitted.push_back(head);
        continue;
      }
      fitted.push_back(fit_head(config, kind, grid[g], th, vh, score, onnx));
      BaselineModel one;
      one.kind = kind;
      one.heads = {fitted.back()};
      if (!vh.rows.empty()) scatter(val, h, one.predict(vh.rows, 0), val_predictions);
    }
    const MetricSummary summary =
        val.labels.empty() ? MetricSummary{} : summarize(val_predictions, val.labels);
    const double value = val.labels.empty() ? 0 : selection_loss(config.eval.selection, summary);
    nlohmann::json line = {{"setting", grid[g]},
                           {"index", g},
                           {"val_kendall_tau", summary.kendall_tau},
                           {"val_mape", summary.mape},
                           {"val_acc_10", summary.acc_10},
                           {"seconds", setting_clock.seconds()}};
    if (kind == BaselineKind::kGbdt) {
      line["rounds"] = nlohmann::json::array();
      for (const auto& head : fitted) line["rounds"].push_back(head.gbdt.rounds());
    }
    if (kind == BaselineKind::kRescale) {
      line["factors"] = nlohmann::json::array();
      for (const auto& head : fitted) line["factors"].push_back(head.factor);
    }
    if (!metrics_file.empty()) append_line(metrics_file, line.dump());
    spdlog::info("{} setting {}/{} {}: validation tau {:.4f}  mape {:.3f}%  acc@10% {:.3f}  [{}]",
                 to_string(config.model.kind), g + 1, grid.size(), grid[g].dump(),
                 summary.kendall_tau, 100 * summary.mape, summary.acc_10,
                 format_duration(setting_clock.seconds()));
    if (value < best || g == 0) {
      best = value;
      fit.model.heads = std::move(fitted);
      fit.model.setting = grid[g];
      fit.validation = summary;
    }
  }
  fit.best_score = config.eval.selection == Selection::kMape ? best : -best;
  fit.seconds = clock.seconds();
  return fit;
}

std::vector<double> predict_baseline(const Task& task, const BaselineModel& model) {
  const bool rows = model.kind != BaselineKind::kRescale;
  const FlatSet test = task.flat_set(SplitPart::kTest, model.features, rows);
  std::vector<double> predictions(test.labels.size(), 0.0);
  std::unique_ptr<Predictor> source;
  if (!rows) source = std::make_unique<Predictor>(model.source_run);
  for (int64_t h = 0; h < static_cast<int64_t>(model.heads.size()); ++h) {
    const FlatSet th = head_subset(test, h);
    if (th.labels.empty()) continue;
    std::vector<double> p;
    if (rows) {
      p = model.predict(th.rows, h);
    } else {
      p = source_predictions(*source, th);
      for (double& v : p) v *= model.heads[static_cast<size_t>(h)].factor;
    }
    scatter(test, h, p, predictions);
  }
  return predictions;
}

}  // namespace narformer
