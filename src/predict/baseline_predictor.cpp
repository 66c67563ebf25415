#include "narformer/predict/baseline_predictor.h"

#include "narformer/core/error.h"
#include "narformer/runtime/run_folder.h"

namespace narformer {

namespace {

bool baseline_config(const Config& config) {
  return is_baseline(config.model);
}

/// A finished baseline run's model (RunError when training never got there).
BaselineModel load_model(const RunInputs& inputs) {
  if (!baseline_config(inputs.config()))
    throw RunError(with_file(inputs.run_dir(), "not a baseline run (model.kind " +
                                                   to_string(inputs.config().model.kind) + ")"));
  return BaselineModel::load(inputs.run_dir());
}

}  // namespace

std::vector<float> cell_feature_row(const RunInputs& inputs, const std::string& arch,
                                    FeatureSet set) {
  return cell_features(inputs.parse_cell(arch), set);
}

BaselinePredictor::BaselinePredictor(const std::string& run_dir)
    : inputs_(run_dir), model_(load_model(inputs_)) {
  if (model_.kind != BaselineKind::kRescale) return;
  if (!is_baseline_run(model_.source_run))
    throw ConfigError(
        "run " + run_dir + " rescales " + model_.source_run +
        ", a narformer run: predict it with `narformer predict` or narformer::Predictor");
  source_ = std::make_unique<BaselinePredictor>(model_.source_run);
}

BaselinePredictor::~BaselinePredictor() = default;
BaselinePredictor::BaselinePredictor(BaselinePredictor&&) noexcept = default;
BaselinePredictor& BaselinePredictor::operator=(BaselinePredictor&&) noexcept = default;

bool BaselinePredictor::is_baseline_run(const std::string& run_dir) {
  const RunFolder run(run_dir);
  run.require_run();
  return baseline_config(load_config(run.config()));
}

TokenPtr BaselinePredictor::tokenize_onnx(const std::string& path, int64_t batch_size) const {
  if (source_) return source_->tokenize_onnx(path, batch_size);
  return inputs_.tokenize_onnx(path, batch_size);
}

TokenPtr BaselinePredictor::tokenize_onnx_bytes(const std::string& bytes, const std::string& source,
                                                int64_t batch_size) const {
  if (source_) return source_->tokenize_onnx_bytes(bytes, source, batch_size);
  return inputs_.tokenize_onnx_bytes(bytes, source, batch_size);
}

TokenPtr BaselinePredictor::tokenize_cell(const std::string& arch) const {
  if (source_) return source_->tokenize_cell(arch);
  auto tokens = std::make_shared<TokenSequence>();
  tokens->static_features = cell_feature_row(inputs_, arch, model_.features);
  return tokens;
}

std::vector<double> BaselinePredictor::predict(const std::vector<TokenPtr>& tokens,
                                               const std::string& platform) const {
  const int64_t head = inputs_.head(platform);
  if (source_) {
    std::vector<double> out =
        source_->predict(tokens, platform_or_first(source_->platforms(), platform));
    for (double& v : out) v *= model_.heads.at(static_cast<size_t>(head)).factor;
    return out;
  }
  FeatureRows rows;
  rows.reserve(tokens.size());
  for (const TokenPtr& t : tokens) {
    rows.push_back(takes_onnx() ? onnx_features(*t, model_.features) : t->static_features);
    if (rows.back().size() != model_.feature_names.size())
      throw DataError("baseline run " + inputs_.run_dir() + " reads " +
                      std::to_string(model_.feature_names.size()) +
                      " features per item, these tokens give " +
                      std::to_string(rows.back().size()) +
                      " (tokens of another run? tokenize with this predictor)");
  }
  return model_.predict(rows, head);
}

double BaselinePredictor::predict(const TokenPtr& tokens, const std::string& platform) const {
  return predict(std::vector<TokenPtr>{tokens}, platform).front();
}

double BaselinePredictor::predict_onnx(const std::string& path, int64_t batch_size,
                                       const std::string& platform) const {
  return predict(tokenize_onnx(path, batch_size), platform);
}

double BaselinePredictor::predict_cell(const std::string& arch, const std::string& platform) const {
  return predict(tokenize_cell(arch), platform);
}

std::vector<float> BaselinePredictor::embed(const TokenPtr&) const {
  throw ConfigError("run " + inputs_.run_dir() + " is a " + to_string(model_.kind) +
                    " baseline: it has no learned representation to embed (embed needs a "
                    "model.kind narformer run)");
}

}  // namespace narformer
