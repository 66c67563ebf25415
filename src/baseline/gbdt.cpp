#include "narformer/baseline/gbdt.h"

#include <cmath>
#include <limits>

#include "narformer/core/error.h"

#ifdef NARFORMER_WITH_XGBOOST
#include <xgboost/c_api.h>
#endif

namespace narformer {

#ifndef NARFORMER_WITH_XGBOOST

bool gbdt_available() {
  return false;
}

namespace {
[[noreturn]] void unavailable() {
  throw ConfigError(
      "model.kind gbdt: this build has no XGBoost (install libxgboost-dev and rebuild)");
}
}  // namespace

GbdtModel GbdtModel::fit(const FeatureRows&, const std::vector<double>&, const FeatureRows&,
                         const ValidationScore&, const GbdtSettings&) {
  unavailable();
}
GbdtModel GbdtModel::from_bytes(const std::string&, const std::string&, BaselineLoss) {
  unavailable();
}
std::vector<double> GbdtModel::predict(const FeatureRows&) const {
  unavailable();
}
std::string GbdtModel::to_bytes() const {
  unavailable();
}

#else

bool gbdt_available() {
  return true;
}

namespace {

void check(int status, const char* what) {
  if (status != 0) throw Error(std::string("XGBoost ") + what + ": " + XGBGetLastError());
}

/// A DMatrix of dense rows, freed when it goes out of scope.
class Matrix {
 public:
  explicit Matrix(const FeatureRows& rows) {
    const size_t width = rows.empty() ? 0 : rows.front().size();
    std::vector<float> dense;
    dense.reserve(rows.size() * width);
    for (const auto& row : rows) {
      if (row.size() != width) throw DataError("gbdt: feature rows of different widths");
      dense.insert(dense.end(), row.begin(), row.end());
    }
    check(XGDMatrixCreateFromMat(dense.data(), rows.size(), width,
                                 std::numeric_limits<float>::quiet_NaN(), &handle_),
          "DMatrix");
  }
  ~Matrix() { XGDMatrixFree(handle_); }
  Matrix(const Matrix&) = delete;
  Matrix& operator=(const Matrix&) = delete;
  DMatrixHandle get() const { return handle_; }

 private:
  DMatrixHandle handle_ = nullptr;
};

std::shared_ptr<void> new_booster(DMatrixHandle* cache, bst_ulong count) {
  BoosterHandle handle = nullptr;
  check(XGBoosterCreate(cache, count, &handle), "create");
  return std::shared_ptr<void>(handle, [](void* h) { XGBoosterFree(h); });
}

/// Predictions of the first `rounds` rounds (0 = all), exp'd when the trees predict log y.
std::vector<double> predict_rounds(void* booster, const Matrix& matrix, size_t count,
                                   int64_t rounds, bool log_target) {
  const std::string config =
      "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, \"iteration_end\": " +
      std::to_string(rounds) + ", \"strict_shape\": false}";
  const bst_ulong* shape = nullptr;
  bst_ulong dims = 0;
  const float* values = nullptr;
  check(XGBoosterPredictFromDMatrix(booster, matrix.get(), config.c_str(), &shape, &dims, &values),
        "predict");
  std::vector<double> out(count);
  for (size_t i = 0; i < count; ++i)
    out[i] = log_target ? std::exp(static_cast<double>(values[i])) : values[i];
  return out;
}

}  // namespace

GbdtModel GbdtModel::fit(const FeatureRows& rows, const std::vector<double>& labels,
                         const FeatureRows& val_rows, const ValidationScore& score,
                         const GbdtSettings& s) {
  if (rows.empty() || rows.size() != labels.size())
    throw DataError("gbdt: need one label per row and at least one row");
  if (val_rows.empty())
    throw DataError("gbdt: early stopping needs validation rows (the validation split is empty)");
  GbdtModel model;
  model.log_target_ = s.loss == BaselineLoss::kRelative;
  std::vector<float> targets;
  double mean_target = 0;
  for (double y : labels) {
    if (!std::isfinite(y) || (model.log_target_ && !(y > 0)))
      throw DataError("gbdt: label " + std::to_string(y) + " is not a positive number");
    targets.push_back(static_cast<float>(model.log_target_ ? std::log(y) : y));
    mean_target += targets.back() / static_cast<double>(labels.size());
  }
  const Matrix train(rows), val(val_rows);
  check(XGDMatrixSetFloatInfo(train.get(), "label", targets.data(), targets.size()), "labels");
  DMatrixHandle cache[] = {train.get()};
  model.booster_ = new_booster(cache, 1);
  void* booster = model.booster_.get();
  const auto set = [&](const char* key, const std::string& value) {
    check(XGBoosterSetParam(booster, key, value.c_str()), key);
  };
  set("objective", "reg:squarederror");
  set("tree_method", "hist");
  set("base_score", std::to_string(mean_target));
  set("max_depth", std::to_string(s.max_depth));
  set("eta", std::to_string(s.eta));
  set("min_child_weight", std::to_string(s.min_child_weight));
  set("subsample", std::to_string(s.subsample));
  set("colsample_bytree", std::to_string(s.colsample));
  set("seed", std::to_string(s.seed % 2147483647));
  set("verbosity", "0");
  if (s.threads > 0) set("nthread", std::to_string(s.threads));

  double best = std::numeric_limits<double>::infinity();
  int64_t best_round = 0;
  for (int64_t round = 1; round <= s.max_rounds; ++round) {
    check(XGBoosterUpdateOneIter(booster, static_cast<int>(round - 1), train.get()), "update");
    if (round % s.check_every != 0 && round != s.max_rounds) continue;
    const double value =
        score(predict_rounds(booster, val, val_rows.size(), round, model.log_target_));
    if (value < best) best = value, best_round = round;
    if (round - best_round >= s.early_stopping) break;
  }
  BoosterHandle sliced = nullptr;
  check(XGBoosterSlice(booster, 0, static_cast<int>(best_round), 1, &sliced), "slice");
  model.booster_ = std::shared_ptr<void>(sliced, [](void* h) { XGBoosterFree(h); });
  model.rounds_ = best_round;
  return model;
}

GbdtModel GbdtModel::from_bytes(const std::string& bytes, const std::string& source,
                                BaselineLoss loss) {
  GbdtModel model;
  model.log_target_ = loss == BaselineLoss::kRelative;
  model.booster_ = new_booster(nullptr, 0);
  if (XGBoosterLoadModelFromBuffer(model.booster_.get(), bytes.data(), bytes.size()) != 0)
    throw RunError(with_file(source, std::string("not an XGBoost model: ") + XGBGetLastError()));
  int rounds = 0;
  check(XGBoosterBoostedRounds(model.booster_.get(), &rounds), "rounds");
  model.rounds_ = rounds;
  return model;
}

std::vector<double> GbdtModel::predict(const FeatureRows& rows) const {
  if (rows.empty()) return {};
  const Matrix matrix(rows);
  return predict_rounds(booster_.get(), matrix, rows.size(), 0, log_target_);
}

std::string GbdtModel::to_bytes() const {
  bst_ulong length = 0;
  const char* data = nullptr;
  check(XGBoosterSaveModelToBuffer(booster_.get(), "{\"format\": \"json\"}", &length, &data),
        "save");
  return std::string(data, length);
}

#endif

}  // namespace narformer
