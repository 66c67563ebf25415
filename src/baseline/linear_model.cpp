#include "narformer/baseline/linear_model.h"

#include <cmath>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include "narformer/core/error.h"

namespace narformer {

namespace {

using Matrix = Eigen::MatrixXd;
using Vector = Eigen::VectorXd;

/// Minimum-norm solution of G_PP z = b_P on the columns in `passive` (others 0).
Vector solve_on(const Matrix& gram, const Vector& rhs, const std::vector<int>& passive) {
  const int k = static_cast<int>(passive.size());
  Matrix g(k, k);
  Vector b(k);
  for (int r = 0; r < k; ++r) {
    b(r) = rhs(passive[static_cast<size_t>(r)]);
    for (int s = 0; s < k; ++s)
      g(r, s) = gram(passive[static_cast<size_t>(r)], passive[static_cast<size_t>(s)]);
  }
  const Vector z = g.completeOrthogonalDecomposition().solve(b);
  Vector full = Vector::Zero(gram.rows());
  for (int r = 0; r < k; ++r) full(passive[static_cast<size_t>(r)]) = z(r);
  return full;
}

/// Lawson-Hanson: minimise xᵀGx − 2bᵀx subject to x >= 0.
Vector solve_non_negative(const Matrix& gram, const Vector& rhs) {
  const int n = static_cast<int>(gram.rows());
  const double tolerance = 1e-12 * (1 + rhs.cwiseAbs().maxCoeff());
  Vector x = Vector::Zero(n);
  std::vector<bool> in_passive(static_cast<size_t>(n), false);
  for (int outer = 0; outer < 3 * n + 10; ++outer) {
    const Vector gradient = rhs - gram * x;  // descent direction of the objective (halved)
    int best = -1;
    for (int j = 0; j < n; ++j)
      if (!in_passive[static_cast<size_t>(j)] && gradient(j) > tolerance &&
          (best < 0 || gradient(j) > gradient(best)))
        best = j;
    if (best < 0) break;
    in_passive[static_cast<size_t>(best)] = true;
    for (int inner = 0; inner < 3 * n + 10; ++inner) {
      std::vector<int> passive;
      for (int j = 0; j < n; ++j)
        if (in_passive[static_cast<size_t>(j)]) passive.push_back(j);
      const Vector z = solve_on(gram, rhs, passive);
      bool feasible = true;
      double step = 1;
      for (int j : passive)
        if (z(j) <= 0) {
          feasible = false;
          step = std::min(step, x(j) / (x(j) - z(j)));
        }
      if (feasible) {
        x = z;
        break;
      }
      x += step * (z - x);
      for (int j : passive)
        if (x(j) <= tolerance) in_passive[static_cast<size_t>(j)] = false, x(j) = 0;
    }
  }
  return x;
}

}  // namespace

BaselineLoss parse_baseline_loss(const std::string& name) {
  if (name == "relative") return BaselineLoss::kRelative;
  if (name == "squared") return BaselineLoss::kSquared;
  throw ConfigError("unknown baseline loss '" + name + "' (relative | squared)");
}

std::string to_string(BaselineLoss loss) {
  return loss == BaselineLoss::kRelative ? "relative" : "squared";
}

LinearModel fit_linear(const FeatureRows& rows, const std::vector<double>& labels,
                       const LinearOptions& options) {
  if (rows.empty() || rows.size() != labels.size())
    throw DataError("linear fit: need one label per row and at least one row");
  const size_t width = rows.front().size();
  const int n = static_cast<int>(width) + 1;  // + bias
  Matrix gram = Matrix::Zero(n, n);
  Vector rhs = Vector::Zero(n);
  Vector a(n);
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].size() != width) throw DataError("linear fit: rows of different widths");
    if (!std::isfinite(labels[i]) || (options.loss == BaselineLoss::kRelative && !(labels[i] > 0)))
      throw DataError("linear fit: label " + std::to_string(labels[i]) +
                      " is not a positive number");
    // Rows scaled by 1/y_i with target 1 (relative), or as they are with target y_i.
    const double weight = options.loss == BaselineLoss::kRelative ? 1 / labels[i] : 1.0;
    const double target = options.loss == BaselineLoss::kRelative ? 1.0 : labels[i];
    for (size_t j = 0; j < width; ++j) a(static_cast<int>(j)) = rows[i][j] * weight;
    a(n - 1) = weight;
    gram.selfadjointView<Eigen::Lower>().rankUpdate(a);
    rhs += target * a;
  }
  gram = gram.selfadjointView<Eigen::Lower>();
  for (int j = 0; j + 1 < n; ++j) gram(j, j) *= 1 + options.ridge;  // ridge · s_j, s_j = G_jj
  const Vector x = options.non_negative ? solve_non_negative(gram, rhs)
                                        : Vector(gram.completeOrthogonalDecomposition().solve(rhs));
  LinearModel model;
  model.weights.assign(x.data(), x.data() + n - 1);
  model.bias = x(n - 1);
  return model;
}

double LinearModel::predict(const std::vector<float>& row) const {
  double y = bias;
  for (size_t j = 0; j < weights.size() && j < row.size(); ++j) y += weights[j] * row[j];
  return y;
}

std::vector<double> LinearModel::predict(const FeatureRows& rows) const {
  std::vector<double> out;
  out.reserve(rows.size());
  for (const auto& row : rows) out.push_back(predict(row));
  return out;
}

nlohmann::json LinearModel::to_json() const {
  return {{"weights", weights}, {"bias", bias}};
}

LinearModel LinearModel::from_json(const nlohmann::json& json, const std::string& source) {
  try {
    LinearModel model;
    model.weights = json.at("weights").get<std::vector<double>>();
    model.bias = json.at("bias").get<double>();
    return model;
  } catch (const nlohmann::json::exception& e) {
    throw RunError(with_file(source, std::string("malformed linear model: ") + e.what()));
  }
}

}  // namespace narformer
