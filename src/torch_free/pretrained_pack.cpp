#include "narformer/torch_free/pretrained_pack.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "narformer/config/config.h"
#include "narformer/core/atomic_file.h"
#include "narformer/core/error.h"
#include "narformer/data/csv.h"
#include "narformer/runtime/run_folder.h"
#include "narformer/runtime/weight_file.h"
#include "narformer/torch_free/run_predictor.h"

namespace narformer {

namespace fs = std::filesystem;

namespace {

/// The CPU this runs on, from /proc/cpuinfo: the model name and the vector flags that change
/// how fast kernels run (what a reader needs to judge a latency predictor's machine).
nlohmann::json this_cpu() {
  std::ifstream in("/proc/cpuinfo");
  std::string model, flags;
  for (std::string line; std::getline(in, line) && (model.empty() || flags.empty());) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = line.substr(0, line.find_last_not_of(" \t", colon - 1) + 1);
    const std::string value = colon + 2 <= line.size() ? line.substr(colon + 2) : "";
    if (key == "model name" && model.empty()) model = value;
    if (key == "flags" && flags.empty()) flags = value;
  }
  std::set<std::string> present;
  std::istringstream words(flags);
  for (std::string w; words >> w;) present.insert(w);
  nlohmann::json vector_flags = nlohmann::json::array();
  for (const char* f : {"sse4_2", "avx", "avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16",
                        "amx_tile", "neon", "asimd"})
    if (present.count(f)) vector_flags.push_back(f);
  return {{"cpu", model.empty() ? "unknown" : model},
          {"flags", vector_flags},
          {"cores", static_cast<int64_t>(sysconf(_SC_NPROCESSORS_ONLN))}};
}

nlohmann::json data_record(const Config& config) {
  nlohmann::json extra = nlohmann::json::array();
  for (const std::string& path : config.data.extra_train)
    extra.push_back({{"path", path}, {"fnv1a64", file_content_hash(path)}});
  nlohmann::json data = {{"dataset", config.data.dataset},
                         {"path", config.data.path},
                         {"fnv1a64", file_content_hash(config.data.path)},
                         {"protocol", to_string(config.data.protocol)},
                         {"extra_train", extra}};
  if (!config.data.labels.empty())
    data["labels"] = config.data.labels;
  else if (config.data.dataset != "nnlqp")
    data["label"] = config.data.train_label;
  return data;
}

/// Where the labels were measured, as the dataset folder records it: the latency builder
/// writes platforms.yaml beside gt.txt; shipped datasets name their source in SOURCES.md.
nlohmann::json label_machine(const Config& config) {
  const fs::path folder = fs::path(config.data.path).parent_path();
  if (fs::exists(folder / "platforms.yaml"))
    return {{"platforms_yaml", read_file((folder / "platforms.yaml").string())}};
  if (fs::exists(folder / "SOURCES.md")) return {{"sources", (folder / "SOURCES.md").string()}};
  return nullptr;
}

/// Check inputs from the run's predictions.csv (its test items), at most `limit`.
struct CheckItem {
  std::string input;  ///< arch string or ONNX path
  int64_t batch = 1;
  std::string platform;
};

std::vector<CheckItem> check_items(const std::string& run_dir, bool onnx, int64_t limit) {
  const std::string path = RunFolder(run_dir).predictions();
  if (!fs::exists(path))
    throw RunError(with_file(path,
                             "missing: the packer checks half precision on the run's test "
                             "predictions (train the run to the end)"));
  const CsvTable table = CsvTable::read(path);
  std::vector<CheckItem> items;
  const int input = table.column(onnx ? "onnx_path" : "arch");
  for (size_t r = 0; r < table.num_rows() && static_cast<int64_t>(items.size()) < limit; ++r) {
    CheckItem item;
    item.input = table.cell(r, input);
    if (onnx) {
      item.batch = static_cast<int64_t>(table.number(r, table.column("batch_size")));
      item.platform = table.cell(r, table.column("platform"));
    } else if (table.has_column("label")) {  // a cell run with one head per data.labels column
      item.platform = table.cell(r, table.column("label"));
    }
    items.push_back(item);
  }
  if (items.empty()) throw RunError(with_file(path, "has no predictions to check against"));
  return items;
}

/// The largest relative difference between two predictors' predictions of the same tokens.
double largest_relative_change(const TorchFreePredictor& a, const TorchFreePredictor& b,
                               const std::vector<TokenPtr>& tokens,
                               const std::vector<CheckItem>& items) {
  double worst = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const double x = a.predict({tokens[i]}, items[i].platform).at(0);
    const double y = b.predict({tokens[i]}, items[i].platform).at(0);
    const double scale = std::max(std::abs(x), 1e-12);
    worst = std::max(worst, std::isfinite(y) ? std::abs(x - y) / scale : HUGE_VAL);
  }
  return worst;
}

void copy_if_present(const fs::path& from, const fs::path& to) {
  if (fs::exists(from)) fs::copy_file(from, to, fs::copy_options::overwrite_existing);
}

}  // namespace

PretrainedInfo pack_pretrained(const std::string& run_dir, const std::string& out_dir,
                               const PackOptions& options) {
  if (options.name.empty()) throw ConfigError("a pretrained predictor needs a name (--name)");
  const fs::path out(out_dir);
  int64_t version = options.version > 0 ? options.version : 1;
  if (fs::exists(out)) {
    if (!options.overwrite)
      throw ConfigError(with_file(out_dir, "exists: pass --overwrite to replace the predictor"));
    if (options.version <= 0 && fs::exists(out / "pretrained.json"))
      version = read_pretrained_info(out_dir).version + 1;
  }
  const TorchFreePredictor source(run_dir);
  const std::string kind = source.kind();
  if (kind == "rescale")
    throw ConfigError(with_file(run_dir,
                                "a rescale run predicts through its source run "
                                "(train.init_from): pack a run that stands alone"));
  const Config& config = source.inputs().config();
  const bool onnx = source.takes_onnx();
  const RunFolder run(run_dir);

  // Build the folder beside its destination, then rename it into place.
  const fs::path staging = out.string() + ".packing-" + std::to_string(getpid());
  fs::remove_all(staging);
  fs::create_directories(staging);
  try {
    const RunFolder packed(staging.string());
    for (const std::string& file :
         {run.config(), run.model_info(), run.prior(), run.baseline(), run.baseline_weights()})
      copy_if_present(file, staging / fs::path(file).filename());
    for (int64_t head = 0; head < static_cast<int64_t>(source.platforms().size()) || head == 0;
         ++head)
      copy_if_present(run.baseline_trees(head), packed.baseline_trees(head));

    nlohmann::json weights = {{"storage", "baseline"}};
    if (kind == "narformer") {
      const std::vector<CheckItem> items = check_items(run_dir, onnx, options.check_items);
      std::vector<TokenPtr> tokens;
      for (const CheckItem& item : items)
        tokens.push_back(onnx ? source.tokenize_onnx(item.input, item.batch)
                              : source.tokenize_cell(item.input));
      const WeightFile full = read_weight_file(weights_path_for(run.checkpoint("best")));
      const std::string packed_weights = weights_path_for(packed.checkpoint("best"));
      write_weight_file(packed_weights, full, WeightPrecision::kFloat16);
      const double change =
          largest_relative_change(source, TorchFreePredictor(staging.string()), tokens, items);
      const bool half = change <= options.half_tolerance;
      if (!half) write_weight_file(packed_weights, full);
      weights = {{"storage", half ? "float16" : "float32"},
                 {"float16_largest_relative_change", change},
                 {"tolerance", options.half_tolerance},
                 {"checked_predictions", tokens.size()}};
    }

    nlohmann::json run_metrics = nullptr;
    if (fs::exists(run.test_metrics()))
      run_metrics = nlohmann::json::parse(read_file(run.test_metrics()));
    nlohmann::json out_of_sample = nullptr;
    if (!options.metrics_file.empty()) {
      try {
        out_of_sample = nlohmann::json::parse(read_file(options.metrics_file));
      } catch (const nlohmann::json::exception& e) {
        throw DataError(with_file(options.metrics_file, std::string("malformed: ") + e.what()));
      }
    }
    const bool latency = source.predicts_latency();
    const nlohmann::json manifest = {
        {"name", options.name},
        {"version", version},
        {"format_version", kPretrainedFormatVersion},
        {"narformer_version", narformer_version()},
        {"model_kind", kind},
        {"task", latency ? "latency" : "accuracy"},
        {"unit", latency ? "ms" : "fraction"},
        {"input", onnx ? std::string("onnx") : config.data.dataset},
        {"platforms", source.platforms()},
        {"description", options.description},
        {"data", data_record(config)},
        {"machine",
         {{"labels_measured_on", label_machine(config)},
          {"trained_and_packed_on", this_cpu()},
          {"threads", config.run.threads}}},
        {"metrics",
         {{"summary", options.metrics_summary},
          {"out_of_sample", out_of_sample},
          {"this_run", run_metrics},
          {"this_run_protocol", to_string(config.data.protocol)}}},
        {"weights", weights},
    };
    write_file_atomic((staging / "pretrained.json").string(), manifest.dump(1) + "\n");

    const fs::path old = out.string() + ".replaced-" + std::to_string(getpid());
    if (fs::exists(out)) fs::rename(out, old);
    fs::rename(staging, out);
    fs::remove_all(old);
  } catch (...) {
    fs::remove_all(staging);
    throw;
  }
  return read_pretrained_info(out_dir);
}

}  // namespace narformer
