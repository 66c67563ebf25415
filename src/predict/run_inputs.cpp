#include "narformer/predict/run_inputs.h"

#include <algorithm>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "narformer/baseline/baseline_model.h"
#include "narformer/cells/cell.h"
#include "narformer/cells/nb101.h"
#include "narformer/cells/nb201.h"
#include "narformer/config/datasets.h"
#include "narformer/core/atomic_file.h"
#include "narformer/core/error.h"
#include "narformer/data/nas_table.h"
#include "narformer/onnx/onnx_graph.h"
#include "narformer/runtime/run_folder.h"
#include "narformer/tokenize/cell_tokenizer.h"
#include "narformer/tokenize/onnx_tokenizer.h"

namespace narformer {

namespace fs = std::filesystem;

RunInputs::RunInputs(const std::string& run_dir) : run_dir_(run_dir) {
  const RunFolder run(run_dir);
  run.require_run();
  if (!fs::exists(run.model_info()))
    throw RunError(with_file(run_dir, "run folder has no model.json (train it again)"));
  config_ = std::make_unique<Config>(load_config(run.config()));
  onnx_ = dataset_info(config_->data.dataset).takes_onnx();

  nlohmann::json info;
  int64_t input_dim = 0, static_dim = 0;
  try {
    info = nlohmann::json::parse(read_file(run.model_info()));
    platforms_ = info.at("heads").get<std::vector<std::string>>();
    input_dim = info.at("input_dim").get<int64_t>();
    static_dim = info.at("static_dim").get<int64_t>();
  } catch (const nlohmann::json::exception& e) {
    throw RunError(with_file(run.model_info(), std::string("malformed: ") + e.what()));
  }
  model_options_ = ModelOptions::from_config(config_->model, input_dim, static_dim);
  model_options_.num_heads = std::max<int64_t>(1, static_cast<int64_t>(platforms_.size()));
  if (onnx_) {
    onnx_tokenizer_ =
        std::make_unique<OnnxTokenizer>(OnnxTokenizerOptions::from_config(config_->data.tokenizer));
  } else {
    cell_tokenizer_ =
        std::make_unique<CellTokenizer>(CellTokenizerOptions::from_config(config_->data.tokenizer));
  }
  if (config_->model.prior == Prior::kLinear) {
    const std::string path = RunFolder(run_dir).prior();
    if (!fs::exists(path))
      throw RunError(with_file(path, "missing: the run was trained with model.prior linear"));
    try {
      prior_ = std::make_unique<LinearPrior>(
          LinearPrior::from_json(nlohmann::json::parse(read_file(path)), path));
    } catch (const nlohmann::json::exception& e) {
      throw RunError(with_file(path, std::string("malformed: ") + e.what()));
    }
  }
}

RunInputs::~RunInputs() = default;
RunInputs::RunInputs(RunInputs&&) noexcept = default;
RunInputs& RunInputs::operator=(RunInputs&&) noexcept = default;

bool RunInputs::predicts_latency() const {
  return onnx_ || config_->eval.selection == Selection::kMape;
}

int64_t RunInputs::head(const std::string& platform) const {
  if (platform.empty()) return 0;
  if (platforms_.empty())
    throw ConfigError("unknown platform '" + platform +
                      "': this run has one head (several come from data.labels for cells, "
                      "data.platforms for latency lines)");
  const auto it = std::find(platforms_.begin(), platforms_.end(), platform);
  if (it == platforms_.end()) {
    std::string known;
    for (const auto& p : platforms_) known += (known.empty() ? "" : ", ") + p;
    throw ConfigError("unknown platform '" + platform + "' (this model predicts: " + known + ")");
  }
  return it - platforms_.begin();
}

std::string platform_or_first(const std::vector<std::string>& platforms,
                              const std::string& platform) {
  return std::find(platforms.begin(), platforms.end(), platform) != platforms.end() ? platform : "";
}

Graph RunInputs::import_onnx(const std::string& path, int64_t batch_size) const {
  if (!onnx_)
    throw ConfigError("this run predicts NAS-Bench cells, not ONNX graphs: use tokenize_cell");
  return narformer::import_onnx(path, onnx_tokenizer_->options().import_options(batch_size));
}

Graph RunInputs::import_onnx_bytes(const std::string& bytes, const std::string& source,
                                   int64_t batch_size) const {
  if (!onnx_)
    throw ConfigError("this run predicts NAS-Bench cells, not ONNX graphs: use tokenize_cell");
  return narformer::import_onnx_bytes(bytes, source,
                                      onnx_tokenizer_->options().import_options(batch_size));
}

TokenPtr RunInputs::tokenize_onnx(const std::string& path, int64_t batch_size) const {
  return std::make_shared<const TokenSequence>(
      onnx_tokenizer_->tokenize(import_onnx(path, batch_size)));
}

TokenPtr RunInputs::tokenize_graph(const Graph& graph) const {
  if (onnx_) return std::make_shared<const TokenSequence>(onnx_tokenizer_->tokenize(graph));
  if (prior_)
    throw ConfigError("this run's prior reads the cell: use tokenize_cell (an arch string)");
  return std::make_shared<const TokenSequence>(cell_tokenizer_->tokenize(graph));
}

Cell RunInputs::parse_cell(const std::string& arch) const {
  if (onnx_)
    throw ConfigError("this run predicts ONNX graphs, not NAS-Bench cells: use tokenize_onnx");
  if (dataset_info(config_->data.dataset).space == CellSpace::kNasBench201)
    return read_nb201_cell(arch, config_->data);
  const auto space = arch.find(' ');
  if (space == std::string::npos)
    throw DataError("NB101 cell '" + arch +
                    "': expected \"ADJACENCY OPS\" (n² chars '0'/'1', ops joined by '|')");
  return parse_nb101_cell(arch.substr(0, space), arch.substr(space + 1));
}

TokenPtr RunInputs::tokenize_cell(const std::string& arch) const {
  const Cell cell = parse_cell(arch);
  auto tokens = std::make_shared<TokenSequence>(cell_tokenizer_->tokenize(to_graph(cell, arch)));
  if (prior_) tokens->prior = prior_->value(cell);
  return tokens;
}

}  // namespace narformer
