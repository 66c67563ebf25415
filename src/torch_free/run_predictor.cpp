#include "narformer/torch_free/run_predictor.h"

#include "narformer/predict/baseline_predictor.h"
#include "narformer/torch_free/lite_predictor.h"

namespace narformer {

TorchFreePredictor::TorchFreePredictor(const std::string& run_dir, const std::string& checkpoint) {
  if (BaselinePredictor::is_baseline_run(run_dir))
    baseline_ = std::make_unique<BaselinePredictor>(run_dir);
  else
    model_ = std::make_unique<LitePredictor>(run_dir, checkpoint);
}

TorchFreePredictor::~TorchFreePredictor() = default;
TorchFreePredictor::TorchFreePredictor(TorchFreePredictor&&) noexcept = default;
TorchFreePredictor& TorchFreePredictor::operator=(TorchFreePredictor&&) noexcept = default;

const RunInputs& TorchFreePredictor::inputs() const {
  return baseline_ ? baseline_->inputs() : model_->inputs();
}

std::string TorchFreePredictor::kind() const {
  return to_string(inputs().config().model.kind);
}

int64_t TorchFreePredictor::embedding_dim() const {
  return baseline_ ? 0 : model_->embedding_dim();
}

TokenPtr TorchFreePredictor::tokenize_onnx(const std::string& path, int64_t batch_size) const {
  return baseline_ ? baseline_->tokenize_onnx(path, batch_size)
                   : model_->tokenize_onnx(path, batch_size);
}

TokenPtr TorchFreePredictor::tokenize_onnx_bytes(const std::string& bytes,
                                                 const std::string& source,
                                                 int64_t batch_size) const {
  return baseline_ ? baseline_->tokenize_onnx_bytes(bytes, source, batch_size)
                   : model_->tokenize_onnx_bytes(bytes, source, batch_size);
}

TokenPtr TorchFreePredictor::tokenize_cell(const std::string& arch) const {
  return baseline_ ? baseline_->tokenize_cell(arch) : model_->tokenize_cell(arch);
}

std::vector<TokenPtr> TorchFreePredictor::tokenize_cells(
    const std::vector<std::string>& archs) const {
  std::vector<TokenPtr> tokens;
  tokens.reserve(archs.size());
  for (const std::string& arch : archs) tokens.push_back(tokenize_cell(arch));
  return tokens;
}

std::vector<double> TorchFreePredictor::predict(const std::vector<TokenPtr>& tokens,
                                                const std::string& platform) const {
  return baseline_ ? baseline_->predict(tokens, platform) : model_->predict(tokens, platform);
}

std::vector<float> TorchFreePredictor::embed(const TokenPtr& tokens) const {
  return baseline_ ? baseline_->embed(tokens) : model_->embed(tokens);
}

}  // namespace narformer
