#include "narformer/predict/predictor.h"

#include <algorithm>
#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "narformer/cells/nb101.h"
#include "narformer/cells/nb201.h"
#include "narformer/config/config.h"
#include "narformer/core/atomic_file.h"
#include "narformer/core/error.h"
#include "narformer/model/narformer_model.h"
#include "narformer/onnx/cost.h"
#include "narformer/onnx/onnx_graph.h"
#include "narformer/tokenize/cell_tokenizer.h"
#include "narformer/tokenize/onnx_tokenizer.h"
#include "narformer/train/checkpoint.h"
#include "narformer/train/evaluator.h"
#include "narformer/train/runtime.h"

namespace narformer {

namespace fs = std::filesystem;

struct Predictor::Impl {
  Config config;
  bool onnx = false;
  std::vector<std::string> platforms;
  std::unique_ptr<OnnxTokenizer> onnx_tokenizer;
  std::unique_ptr<CellTokenizer> cell_tokenizer;
  NarFormerModel model{nullptr};
  torch::Device device = torch::kCPU;
  int64_t batch_size = 256;

  int64_t head(const std::string& platform) const {
    if (platform.empty() || !onnx) return 0;
    const auto it = std::find(platforms.begin(), platforms.end(), platform);
    if (it == platforms.end()) {
      std::string known;
      for (const auto& p : platforms) known += (known.empty() ? "" : ", ") + p;
      throw ConfigError("unknown platform '" + platform + "' (this model predicts: " + known + ")");
    }
    return it - platforms.begin();
  }
};

Predictor::Predictor(const std::string& run_dir, const PredictorOptions& options) : impl_(std::make_unique<Impl>()) {
  const fs::path dir(run_dir);
  if (!fs::exists(dir / "config.yaml")) throw RunError(with_file(run_dir, "not a run folder (no config.yaml)"));
  if (!fs::exists(dir / "model.json")) throw RunError(with_file(run_dir, "run folder has no model.json (train it again)"));
  Impl& m = *impl_;
  m.config = load_config((dir / "config.yaml").string());
  m.onnx = m.config.data.dataset == "nnlqp";
  m.batch_size = options.batch_size;
  if (options.threads > 0) configure_threads(options.threads);
  m.device = resolve_device(options.device);

  nlohmann::json info;
  try {
    info = nlohmann::json::parse(read_file((dir / "model.json").string()));
    m.platforms = info.at("heads").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    throw RunError(with_file((dir / "model.json").string(), std::string("malformed: ") + e.what()));
  }
  ModelOptions model_options =
      ModelOptions::from_config(m.config.model, info.at("input_dim").get<int64_t>(), info.at("static_dim").get<int64_t>());
  model_options.num_heads = std::max<int64_t>(1, static_cast<int64_t>(m.platforms.size()));
  if (m.onnx) {
    OnnxTokenizerOptions tokenizer;
    tokenizer.embed = parse_embed_type(m.config.data.tokenizer.embed);
    tokenizer.position_frequencies = static_cast<int>(m.config.data.tokenizer.dp);
    tokenizer.compat = parse_onnx_compat(m.config.data.tokenizer.compat);
    m.onnx_tokenizer = std::make_unique<OnnxTokenizer>(tokenizer);
  } else {
    m.cell_tokenizer = std::make_unique<CellTokenizer>(CellTokenizerOptions::from_config(m.config.data.tokenizer));
  }
  m.model = NarFormerModel(model_options);
  const std::string checkpoint = options.checkpoint == "best" || options.checkpoint == "last"
                                     ? (dir / (options.checkpoint + ".pt")).string()
                                     : options.checkpoint;
  load_checkpoint(checkpoint, m.model, nullptr, m.device);
  m.model->to(m.device);
  m.model->eval();
}

Predictor::~Predictor() = default;
Predictor::Predictor(Predictor&&) noexcept = default;
Predictor& Predictor::operator=(Predictor&&) noexcept = default;

bool Predictor::takes_onnx() const { return impl_->onnx; }
const std::vector<std::string>& Predictor::platforms() const { return impl_->platforms; }
int64_t Predictor::embedding_dim() const { return impl_->model->embedding_dim(); }

TokenPtr Predictor::tokenize_onnx(const std::string& path, int64_t batch_size) const {
  if (!impl_->onnx) throw ConfigError("this run predicts NAS-Bench cells, not ONNX graphs: use tokenize_cell");
  OnnxImportOptions import;
  import.batch_size = batch_size;
  import.compat = impl_->onnx_tokenizer->options().compat;
  return std::make_shared<const TokenSequence>(impl_->onnx_tokenizer->tokenize(import_onnx(path, import)));
}

TokenPtr Predictor::tokenize_graph(const Graph& graph) const {
  if (impl_->onnx) return std::make_shared<const TokenSequence>(impl_->onnx_tokenizer->tokenize(graph));
  return std::make_shared<const TokenSequence>(impl_->cell_tokenizer->tokenize(graph));
}

TokenPtr Predictor::tokenize_cell(const std::string& arch) const {
  if (impl_->onnx) throw ConfigError("this run predicts ONNX graphs, not NAS-Bench cells: use tokenize_onnx");
  Cell cell;
  if (impl_->config.data.dataset == "nb101") {
    const auto space = arch.find(' ');
    if (space == std::string::npos)
      throw DataError("NB101 cell '" + arch + "': expected \"ADJACENCY OPS\" (n² chars '0'/'1', ops joined by '|')");
    cell = parse_nb101_cell(arch.substr(0, space), arch.substr(space + 1));
  } else {
    cell = parse_nb201_arch(arch);
  }
  return std::make_shared<const TokenSequence>(impl_->cell_tokenizer->tokenize(to_graph(cell, arch)));
}

std::vector<double> Predictor::predict(const std::vector<TokenPtr>& tokens, const std::string& platform) const {
  const std::vector<int64_t> heads(tokens.size(), impl_->head(platform));
  return narformer::predict(impl_->model, tokens, impl_->onnx ? heads : std::vector<int64_t>{}, impl_->batch_size,
                            impl_->device);
}

double Predictor::predict(const TokenPtr& tokens, const std::string& platform) const {
  return predict(std::vector<TokenPtr>{tokens}, platform).front();
}

double Predictor::predict_onnx(const std::string& path, int64_t batch_size, const std::string& platform) const {
  return predict(tokenize_onnx(path, batch_size), platform);
}

double Predictor::predict_graph(const Graph& graph, const std::string& platform) const {
  return predict(tokenize_graph(graph), platform);
}

double Predictor::predict_cell(const std::string& arch) const { return predict(tokenize_cell(arch)); }

std::vector<std::vector<float>> Predictor::embed(const std::vector<TokenPtr>& tokens) const {
  const torch::Tensor rows = narformer::embed(impl_->model, tokens, impl_->batch_size, impl_->device).contiguous();
  std::vector<std::vector<float>> out(tokens.size());
  const float* data = rows.data_ptr<float>();
  const int64_t width = rows.size(1);
  for (size_t i = 0; i < out.size(); ++i) out[i].assign(data + static_cast<int64_t>(i) * width, data + (static_cast<int64_t>(i) + 1) * width);
  return out;
}

std::vector<float> Predictor::embed(const TokenPtr& tokens) const { return embed(std::vector<TokenPtr>{tokens}).front(); }

}  // namespace narformer
