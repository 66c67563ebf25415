#include "narformer/baseline/baseline_model.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>

#include "narformer/core/atomic_file.h"
#include "narformer/core/error.h"
#include "narformer/runtime/run_folder.h"

namespace narformer {

namespace fs = std::filesystem;

namespace {

constexpr const char* kKindNames[] = {"linear", "mlp", "gbdt", "rescale"};

/// Every combination of the lists, the first list varying slowest.
std::vector<nlohmann::json> product(
    const std::vector<std::pair<std::string, std::vector<double>>>& axes) {
  std::vector<nlohmann::json> settings = {nlohmann::json::object()};
  for (const auto& [name, values] : axes) {
    std::vector<nlohmann::json> next;
    for (const auto& setting : settings)
      for (double v : values) {
        nlohmann::json extended = setting;
        // Whole numbers (depths, widths) as integers, so settings read as written.
        if (v == std::floor(v) && std::abs(v) < 1e15)
          extended[name] = static_cast<int64_t>(v);
        else
          extended[name] = v;
        next.push_back(std::move(extended));
      }
    settings = std::move(next);
  }
  return settings;
}

}  // namespace

BaselineKind parse_baseline_kind(const std::string& name) {
  for (int k = 0; k < 4; ++k)
    if (name == kKindNames[k]) return static_cast<BaselineKind>(k);
  throw ConfigError("'" + name + "' is not a baseline kind (linear | mlp | gbdt | rescale)");
}

BaselineKind baseline_kind(ModelKind kind) {
  switch (kind) {
    case ModelKind::kLinear:
      return BaselineKind::kLinear;
    case ModelKind::kMlp:
      return BaselineKind::kMlp;
    case ModelKind::kGbdt:
      return BaselineKind::kGbdt;
    case ModelKind::kRescale:
      return BaselineKind::kRescale;
    case ModelKind::kNarformer:
      break;
  }
  throw ConfigError("model.kind narformer is not a baseline kind (linear | mlp | gbdt | rescale)");
}

std::string to_string(BaselineKind kind) {
  return kKindNames[static_cast<int>(kind)];
}

FeatureSet baseline_features(const Config& config) {
  switch (config.baseline.features) {
    case FeaturesSetting::kEncoding:
      return FeatureSet::kEncoding;
    case FeaturesSetting::kGraph:
      return FeatureSet::kGraph;
    case FeaturesSetting::kAuto:
      break;
  }
  return config.model.kind == ModelKind::kLinear ? FeatureSet::kEncoding : FeatureSet::kGraph;
}

BaselineLoss baseline_loss(const Config& config) {
  switch (config.baseline.loss) {
    case LossSetting::kRelative:
      return BaselineLoss::kRelative;
    case LossSetting::kSquared:
      return BaselineLoss::kSquared;
    case LossSetting::kAuto:
      break;
  }
  return config.eval.selection == Selection::kMape ? BaselineLoss::kRelative
                                                   : BaselineLoss::kSquared;
}

std::vector<nlohmann::json> baseline_grid(const Config& config) {
  const BaselineConfig& b = config.baseline;
  switch (baseline_kind(config.model.kind)) {
    case BaselineKind::kLinear:
      return product({{"ridge", b.linear_ridge}});
    case BaselineKind::kMlp:
      return product({{"hidden", b.mlp_hidden},
                      {"layers", b.mlp_layers},
                      {"lr", b.mlp_lr},
                      {"weight_decay", b.mlp_weight_decay}});
    case BaselineKind::kGbdt:
      return product({{"max_depth", b.gbdt_max_depth},
                      {"eta", b.gbdt_eta},
                      {"min_child_weight", b.gbdt_min_child_weight},
                      {"subsample", b.gbdt_subsample},
                      {"colsample", b.gbdt_colsample}});
    case BaselineKind::kRescale:
      break;
  }
  return {nlohmann::json::object()};
}

std::vector<double> BaselineModel::predict(const FeatureRows& rows, int64_t head) const {
  const BaselineHead& h = heads.at(static_cast<size_t>(head));
  switch (kind) {
    case BaselineKind::kLinear:
      return h.linear.predict(rows);
    case BaselineKind::kMlp:
      return h.mlp.predict(rows);
    case BaselineKind::kGbdt:
      return h.gbdt.predict(rows);
    case BaselineKind::kRescale:
      break;
  }
  throw ConfigError(
      "a rescale baseline predicts from its source run's predictions, not from features");
}

float LinearPrior::value(const std::vector<float>& encoding) const {
  return static_cast<float>(std::max(floor, model.predict(encoding)));
}

float LinearPrior::value(const Cell& cell) const {
  return value(cell_features(cell, FeatureSet::kEncoding));
}

nlohmann::json LinearPrior::to_json() const {
  return {
      {"features", "encoding"}, {"linear", model.to_json()}, {"ridge", ridge}, {"floor", floor}};
}

LinearPrior LinearPrior::from_json(const nlohmann::json& json, const std::string& source) {
  LinearPrior prior;
  try {
    prior.model = LinearModel::from_json(json.at("linear"), source);
    prior.ridge = json.at("ridge").get<double>();
    prior.floor = json.at("floor").get<double>();
  } catch (const nlohmann::json::exception& e) {
    throw RunError(with_file(source, std::string("malformed prior: ") + e.what()));
  }
  return prior;
}

LinearPrior fit_linear_prior(const Config& config, const FeatureRows& rows,
                             const std::vector<double>& labels, const FeatureRows& val_rows,
                             const std::vector<double>& val_labels) {
  LinearOptions options;
  options.loss = baseline_loss(config);
  LinearPrior best;
  double best_score = std::numeric_limits<double>::infinity();
  for (const double ridge : config.baseline.linear_ridge) {
    options.ridge = ridge;
    LinearPrior candidate;
    candidate.model = fit_linear(rows, labels, options);
    candidate.ridge = ridge;
    candidate.floor = 0.01 * *std::min_element(labels.begin(), labels.end());
    std::vector<double> predictions;
    for (const auto& row : val_rows) predictions.push_back(candidate.value(row));
    candidate.validation = val_rows.empty() ? MetricSummary{} : summarize(predictions, val_labels);
    const double score = selection_loss(config.eval.selection, candidate.validation);
    if (score < best_score || best_score == std::numeric_limits<double>::infinity())
      best_score = score, best = candidate;
  }
  return best;
}

void BaselineModel::save(const std::string& run_dir) const {
  nlohmann::json out = {{"kind", to_string(kind)}, {"features", to_string(features)},
                        {"loss", to_string(loss)}, {"feature_names", feature_names},
                        {"setting", setting},      {"heads", heads.size()}};
  if (kind == BaselineKind::kLinear) {
    out["linear"] = nlohmann::json::array();
    for (const auto& h : heads) out["linear"].push_back(h.linear.to_json());
  }
  if (kind == BaselineKind::kRescale) {
    out["source_run"] = source_run;
    out["factors"] = nlohmann::json::array();
    for (const auto& h : heads) out["factors"].push_back(h.factor);
  }
  if (kind == BaselineKind::kMlp) {
    WeightFile weights;
    weights.meta = "narformer MLP baseline";
    for (size_t h = 0; h < heads.size(); ++h)
      heads[h].mlp.write_to(weights, "head" + std::to_string(h) + ".");
    write_weight_file(RunFolder(run_dir).baseline_weights(), weights);
  }
  if (kind == BaselineKind::kGbdt)
    for (size_t h = 0; h < heads.size(); ++h)
      write_file_atomic(RunFolder(run_dir).baseline_trees(static_cast<int64_t>(h)),
                        heads[h].gbdt.to_bytes());
  write_file_atomic(RunFolder(run_dir).baseline(), out.dump(1) + "\n");
}

BaselineModel BaselineModel::load(const std::string& run_dir) {
  const std::string path = RunFolder(run_dir).baseline();
  if (!fs::exists(path))
    throw RunError(with_file(path, "missing: the run did not finish training its baseline"));
  BaselineModel model;
  size_t head_count = 0;
  nlohmann::json in;
  try {
    in = nlohmann::json::parse(read_file(path));
    model.kind = parse_baseline_kind(in.at("kind").get<std::string>());
    model.features = parse_feature_set(in.at("features").get<std::string>());
    model.loss = parse_baseline_loss(in.at("loss").get<std::string>());
    model.feature_names = in.at("feature_names").get<std::vector<std::string>>();
    model.setting = in.at("setting");
    head_count = in.at("heads").get<size_t>();
    model.heads.resize(head_count);
    if (model.kind == BaselineKind::kLinear)
      for (size_t h = 0; h < head_count; ++h)
        model.heads[h].linear = LinearModel::from_json(in.at("linear").at(h), path);
    if (model.kind == BaselineKind::kRescale) {
      model.source_run = in.at("source_run").get<std::string>();
      for (size_t h = 0; h < head_count; ++h)
        model.heads[h].factor = in.at("factors").at(h).get<double>();
    }
  } catch (const nlohmann::json::exception& e) {
    throw RunError(with_file(path, std::string("malformed: ") + e.what()));
  } catch (const ConfigError& e) {
    throw RunError(with_file(path, e.what()));
  }
  if (model.kind == BaselineKind::kMlp) {
    const WeightFile weights = read_weight_file(RunFolder(run_dir).baseline_weights());
    for (size_t h = 0; h < head_count; ++h)
      model.heads[h].mlp = MlpModel::read_from(weights, "head" + std::to_string(h) + ".",
                                               RunFolder(run_dir).baseline_weights());
  }
  if (model.kind == BaselineKind::kGbdt)
    for (size_t h = 0; h < head_count; ++h) {
      const std::string trees = RunFolder(run_dir).baseline_trees(static_cast<int64_t>(h));
      if (!fs::exists(trees)) throw RunError(with_file(trees, "missing: the baseline's trees"));
      model.heads[h].gbdt = GbdtModel::from_bytes(read_file(trees), trees, model.loss);
    }
  return model;
}

}  // namespace narformer
