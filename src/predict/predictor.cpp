#include "narformer/predict/predictor.h"

#include <algorithm>

#include "narformer/core/error.h"
#include "narformer/model/narformer_model.h"
#include "narformer/predict/baseline_predictor.h"
#include "narformer/predict/run_inputs.h"
#include "narformer/runtime/checkpoint.h"
#include "narformer/runtime/device.h"
#include "narformer/runtime/evaluator.h"

namespace narformer {

struct Predictor::Impl {
  explicit Impl(const std::string& run_dir) : inputs(run_dir) {}
  RunInputs inputs;
  NarFormerModel model{nullptr};
  torch::Device device = torch::kCPU;
  int64_t batch_size = 256;
  // Baseline runs: the baseline itself, or (a rescale of a narformer run) the source run and
  // one factor per head.
  std::unique_ptr<BaselinePredictor> baseline;
  std::unique_ptr<Predictor> source;
  std::vector<double> factors;
};

Predictor::Predictor(const std::string& run_dir, const PredictorOptions& options)
    : impl_(std::make_unique<Impl>(run_dir)) {
  Impl& m = *impl_;
  m.batch_size = options.batch_size;
  if (options.threads > 0) configure_threads(options.threads);
  if (is_baseline(m.inputs.config().model)) {
    const BaselineModel model = BaselineModel::load(run_dir);
    if (model.kind == BaselineKind::kRescale &&
        !BaselinePredictor::is_baseline_run(model.source_run)) {
      m.source = std::make_unique<Predictor>(model.source_run, options);
      for (const auto& head : model.heads) m.factors.push_back(head.factor);
    } else {
      m.baseline = std::make_unique<BaselinePredictor>(run_dir);
    }
    return;
  }
  m.device = resolve_device(options.device);
  m.model = NarFormerModel(m.inputs.model_options());
  load_model_weights(m.inputs.checkpoint_path(options.checkpoint), m.model, m.device);
  m.model->to(m.device);
  m.model->eval();
}

Predictor::~Predictor() = default;
Predictor::Predictor(Predictor&&) noexcept = default;
Predictor& Predictor::operator=(Predictor&&) noexcept = default;

bool Predictor::takes_onnx() const {
  return impl_->inputs.takes_onnx();
}
bool Predictor::predicts_latency() const {
  return impl_->inputs.predicts_latency();
}
const std::vector<std::string>& Predictor::platforms() const {
  return impl_->inputs.platforms();
}
int64_t Predictor::embedding_dim() const {
  return impl_->model ? impl_->model->embedding_dim() : 0;
}

TokenPtr Predictor::tokenize_onnx(const std::string& path, int64_t batch_size) const {
  if (impl_->source) return impl_->source->tokenize_onnx(path, batch_size);
  return impl_->inputs.tokenize_onnx(path, batch_size);
}
TokenPtr Predictor::tokenize_graph(const Graph& graph) const {
  if (impl_->baseline && !impl_->inputs.takes_onnx())
    throw ConfigError(
        "a baseline run on cells reads the cell's features: use tokenize_cell or predict_cell");
  if (impl_->source) return impl_->source->tokenize_graph(graph);
  return impl_->inputs.tokenize_graph(graph);
}
TokenPtr Predictor::tokenize_cell(const std::string& arch) const {
  if (impl_->baseline) return impl_->baseline->tokenize_cell(arch);
  if (impl_->source) return impl_->source->tokenize_cell(arch);
  return impl_->inputs.tokenize_cell(arch);
}

std::vector<double> Predictor::predict(const std::vector<TokenPtr>& tokens,
                                       const std::string& platform) const {
  if (impl_->baseline) return impl_->baseline->predict(tokens, platform);
  if (impl_->source) {
    std::vector<double> out =
        impl_->source->predict(tokens, platform_or_first(impl_->source->platforms(), platform));
    for (double& v : out) v *= impl_->factors.at(static_cast<size_t>(impl_->inputs.head(platform)));
    return out;
  }
  const std::vector<int64_t> heads(tokens.size(), impl_->inputs.head(platform));
  return narformer::predict(impl_->model, tokens, heads, impl_->batch_size, impl_->device);
}

double Predictor::predict(const TokenPtr& tokens, const std::string& platform) const {
  return predict(std::vector<TokenPtr>{tokens}, platform).front();
}

double Predictor::predict_onnx(const std::string& path, int64_t batch_size,
                               const std::string& platform) const {
  return predict(tokenize_onnx(path, batch_size), platform);
}

double Predictor::predict_graph(const Graph& graph, const std::string& platform) const {
  return predict(tokenize_graph(graph), platform);
}

double Predictor::predict_cell(const std::string& arch, const std::string& platform) const {
  return predict(tokenize_cell(arch), platform);
}

std::vector<std::vector<float>> Predictor::embed(const std::vector<TokenPtr>& tokens) const {
  if (!impl_->model)
    throw ConfigError("run " + impl_->inputs.run_dir() + " is a " +
                      to_string(impl_->inputs.config().model.kind) +
                      " baseline: it has no learned representation to embed (embed needs a "
                      "model.kind narformer run)");
  const torch::Tensor rows =
      narformer::embed(impl_->model, tokens, impl_->batch_size, impl_->device).contiguous();
  std::vector<std::vector<float>> out(tokens.size());
  const float* data = rows.data_ptr<float>();
  const int64_t width = rows.size(1);
  for (size_t i = 0; i < out.size(); ++i)
    out[i].assign(data + static_cast<int64_t>(i) * width,
                  data + (static_cast<int64_t>(i) + 1) * width);
  return out;
}

std::vector<float> Predictor::embed(const TokenPtr& tokens) const {
  return embed(std::vector<TokenPtr>{tokens}).front();
}

}  // namespace narformer
