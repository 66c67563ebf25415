#include "narformer/baseline/mlp.h"

#include <cmath>

#include <Eigen/Dense>

#include "narformer/core/error.h"

namespace narformer {

namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

NamedArray vector_array(const std::vector<double>& values) {
  return {{static_cast<int64_t>(values.size())}, std::vector<float>(values.begin(), values.end())};
}

}  // namespace

std::vector<float> MlpModel::standardise(const std::vector<float>& row) const {
  std::vector<float> z(row.size());
  for (size_t j = 0; j < row.size(); ++j)
    z[j] = static_cast<float>((std::log1p(std::max(0.0f, row[j])) - input_mean.at(j)) /
                              input_std.at(j));
  return z;
}

std::vector<double> MlpModel::predict(const FeatureRows& rows) const {
  if (rows.empty()) return {};
  const int64_t in = static_cast<int64_t>(input_mean.size());
  RowMajor h(static_cast<Eigen::Index>(rows.size()), in);
  for (size_t i = 0; i < rows.size(); ++i) {
    if (static_cast<int64_t>(rows[i].size()) != in)
      throw DataError("MLP baseline: a feature row of " + std::to_string(rows[i].size()) +
                      " values, the model reads " + std::to_string(in));
    const std::vector<float> z = standardise(rows[i]);
    for (int64_t j = 0; j < in; ++j) h(static_cast<Eigen::Index>(i), j) = z[static_cast<size_t>(j)];
  }
  for (size_t l = 0; l < weights.size(); ++l) {
    const auto& w = weights[l];
    const Eigen::Map<const RowMajor> matrix(w.values.data(), w.shape[0], w.shape[1]);
    const Eigen::Map<const Eigen::RowVectorXf> bias(biases[l].values.data(), w.shape[0]);
    RowMajor next = h * matrix.transpose();
    next.rowwise() += bias;
    if (l + 1 < weights.size()) next = next.cwiseMax(0.0f);
    h = std::move(next);
  }
  std::vector<double> out(rows.size());
  for (size_t i = 0; i < rows.size(); ++i)
    out[i] = scale * std::exp(static_cast<double>(h(static_cast<Eigen::Index>(i), 0)));
  return out;
}

void MlpModel::write_to(WeightFile& file, const std::string& prefix) const {
  file.arrays[prefix + "input_mean"] = vector_array(input_mean);
  file.arrays[prefix + "input_std"] = vector_array(input_std);
  file.arrays[prefix + "scale"] = vector_array({scale});
  for (size_t l = 0; l < weights.size(); ++l) {
    file.arrays[prefix + "layer" + std::to_string(l) + ".weight"] = weights[l];
    file.arrays[prefix + "layer" + std::to_string(l) + ".bias"] = biases[l];
  }
}

MlpModel MlpModel::read_from(const WeightFile& file, const std::string& prefix,
                             const std::string& source) {
  MlpModel model;
  const auto find = [&](const std::string& name) -> const NamedArray& {
    const auto it = file.arrays.find(prefix + name);
    if (it == file.arrays.end())
      throw RunError(with_file(source, "MLP baseline: no array " + prefix + name));
    return it->second;
  };
  const NamedArray& mean = find("input_mean");
  const int64_t in = static_cast<int64_t>(mean.values.size());
  model.input_mean.assign(mean.values.begin(), mean.values.end());
  const NamedArray& std_dev = file.at(prefix + "input_std", {in}, source);
  model.input_std.assign(std_dev.values.begin(), std_dev.values.end());
  model.scale = file.at(prefix + "scale", {1}, source).values[0];
  int64_t width = in;
  for (size_t l = 0; file.arrays.count(prefix + "layer" + std::to_string(l) + ".weight"); ++l) {
    const NamedArray& w = find("layer" + std::to_string(l) + ".weight");
    if (w.shape.size() != 2 || w.shape[1] != width)
      throw RunError(with_file(
          source, "MLP baseline: layer " + std::to_string(l) + " does not fit its input"));
    model.weights.push_back(w);
    model.biases.push_back(
        file.at(prefix + "layer" + std::to_string(l) + ".bias", {w.shape[0]}, source));
    width = w.shape[0];
  }
  if (model.weights.empty() || width != 1)
    throw RunError(with_file(source, "MLP baseline: no layers, or more than one output"));
  return model;
}

}  // namespace narformer
