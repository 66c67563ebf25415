// bench_model: training and inference throughput of the NAR-Former V2 model on this machine,
// in the shapes of the Python reference's measurements (issue 7), and the fp32 GEMM ceiling.
//
//   bench_model MODE [--rounds R] [--threads T] [--seconds S]
//
//   gemm           fp32 GEMM rate through LibTorch (GFLOP/s): the machine's ceiling
//   nb201-train    6 x 512 cell model, batch 8 + 8 augmented, main + SR + consistency losses,
//                  Adam step: architectures/s (originals), ms/iteration
//   latency-train  2 x 512 latency model, 152-d tokens + 40 static, batch 16 graphs of mean
//                  137.5 nodes (synthetic shapes; --nodes LO:HI draws other sizes, e.g. 600:900
//                  for ViT-like graphs): graphs/s, padded to the largest graph and packed
//                  (model.packing, model/packed_nodes.h), in alternating rounds (--packing
//                  padded|packed: one of them, e.g. to --trace the packed one)
//   nb201-infer    inference archs/s at batch 1, 8 and 256
//   latency-infer  one graph at batch 1 (70 and 289 nodes: resnet18, efficientnet_b0 sizes),
//                  and graphs/s at batch 16
//   predict        Predictor::predict_onnx (LibTorch) and LitePredictor::predict_onnx (no LibTorch)
//   of
//                  one ONNX file, in-process (needs --run and --onnx)
//   predict-cells  TorchFreePredictor (no LibTorch) on the cells of --archs FILE (one arch string
//                  per line) of a cell run: one call for all, and one call per cell
//   outputs        predictions of seeded models on seeded inputs (to compare BLAS kernels)
//   memory         where NB201 training's peak RSS goes: this LibTorch process before any work
//                  (shared libraries' pages and their start-up allocations), and the training
//                  state every step holds (weights, gradients, two Adam moments)
//
// --trace FILE additionally records 3 iterations of the first figure with LibTorch's profiler
// (a chrome://tracing file; scripts/trace_summary.py totals it per operator) and exits.
//
// Each figure is measured in R rounds (default 5) of about S seconds (default 2); printed as
// one JSON object per line with median, min and max, the threads, and the process's peak RSS.
// Run each mode in its own process (scripts/bench.sh does) so peak RSS belongs to that mode.
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <torch/csrc/autograd/profiler_legacy.h>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "narformer/cells/augment.h"
#include "narformer/cells/nb201.h"
#include "narformer/core/allocator.h"
#include "narformer/core/progress.h"
#include "narformer/data/batch.h"
#include "narformer/model/narformer_model.h"
#ifdef NARFORMER_WITH_LITE
#include "narformer/torch_free/lite_predictor.h"
#include "narformer/torch_free/run_predictor.h"
#endif
#include "narformer/predict/predictor.h"
#include "narformer/runtime/device.h"
#include "narformer/tokenize/cell_tokenizer.h"
#include "narformer/train/fused_adam.h"
#include "narformer/train/losses.h"

using namespace narformer;

namespace {

struct Options {
  std::string mode;
  int rounds = 5;
  int threads = 0;
  double seconds = 2.0;
  std::string run_dir;
  std::string onnx;
  std::string archs;                     ///< predict-cells: a file of arch strings
  std::string trace;                     ///< profile 3 iterations into this file, then exit
  int min_nodes = 100, max_nodes = 175;  ///< latency-train: synthetic graph sizes
  std::string packing = "both";          ///< latency-train: padded, packed or both
};

/// A field of /proc/self/status in MiB (Linux; 0 elsewhere).
double status_mib(const std::string& field) {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return 0;
  char line[256];
  double kib = 0;
  while (std::fgets(line, sizeof line, f))
    if (std::string(line).rfind(field + ":", 0) == 0) kib = std::atof(line + field.size() + 1);
  std::fclose(f);
  return kib / 1024.0;
}

void print_figure(const std::string& what, const std::string& unit, double value, int threads) {
  const nlohmann::json out = {{"what", what}, {"unit", unit}, {"median", value},   {"min", value},
                              {"max", value}, {"rounds", 1},  {"threads", threads}};
  std::printf("%s\n", out.dump().c_str());
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

struct Workload {
  std::string what;
  std::function<void()> work;  ///< one unit = `units` items
};

/// Runs each workload repeatedly for ~seconds per round, the workloads' rounds in turn (so the
/// machine's drift touches all alike); reports items/s per workload.
void measure(const Options& o, const std::string& unit, double units,
             const std::vector<Workload>& workloads, int threads) {
  for (const Workload& w : workloads) {
    w.work();  // warm-up
    w.work();
  }
  if (!o.trace.empty()) {
    {
      torch::autograd::profiler::RecordProfile profile(o.trace);
      for (int i = 0; i < 3; ++i) workloads.front().work();
    }
    std::printf("%s: 3 iterations profiled into %s\n", workloads.front().what.c_str(),
                o.trace.c_str());
    std::exit(0);
  }
  std::vector<std::vector<double>> rates(workloads.size());
  for (int r = 0; r < o.rounds; ++r)
    for (size_t k = 0; k < workloads.size(); ++k) {
      Stopwatch clock;
      int64_t count = 0;
      while (clock.seconds() < o.seconds || count < 2) {
        workloads[k].work();
        ++count;
      }
      rates[k].push_back(units * static_cast<double>(count) / clock.seconds());
    }
  for (size_t k = 0; k < workloads.size(); ++k) {
    std::sort(rates[k].begin(), rates[k].end());
    const nlohmann::json out = {{"what", workloads[k].what},
                                {"unit", unit},
                                {"median", rates[k][rates[k].size() / 2]},
                                {"min", rates[k].front()},
                                {"max", rates[k].back()},
                                {"rounds", o.rounds},
                                {"threads", threads},
                                {"peak_rss_mib", peak_rss_mib()}};
    std::printf("%s\n", out.dump().c_str());
  }
  std::fflush(stdout);
}

void measure(const Options& o, const std::string& what, const std::string& unit, double units,
             const std::function<void()>& work, int threads) {
  measure(o, unit, units, {{what, work}}, threads);
}

std::vector<TokenPtr> nb201_tokens(int count, bool augmented, std::mt19937_64& engine) {
  const CellTokenizer tokenizer{CellTokenizerOptions{}};
  const std::vector<std::string> ops = {"nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3",
                                        "skip_connect", "none"};
  std::vector<TokenPtr> out;
  for (int i = 0; i < count; ++i) {
    auto op = [&] { return ops[engine() % ops.size()]; };
    const std::string arch = "|" + op() + "~0|+|" + op() + "~0|" + op() + "~1|+|" + op() + "~0|" +
                             op() + "~1|" + op() + "~2|";
    Cell cell = parse_nb201_arch(arch);
    if (augmented) cell = consistency_augment(cell);
    out.push_back(std::make_shared<const TokenSequence>(tokenizer.tokenize(to_graph(cell))));
  }
  return out;
}

/// A graph with latency-model shapes: a chain with some skip edges, random features.
TokenPtr synthetic_graph(int nodes, std::mt19937_64& engine) {
  std::uniform_real_distribution<float> value(-1, 1);
  auto t = std::make_shared<TokenSequence>();
  t->num_nodes = nodes;
  t->feature_dim = 152;
  t->features.resize(static_cast<size_t>(nodes) * 152);
  for (auto& f : t->features) f = value(engine);
  for (int i = 0; i + 1 < nodes; ++i) t->edges.emplace_back(i, i + 1);
  for (int i = 0; i + 3 < nodes; i += 4) t->edges.emplace_back(i, i + 3);
  t->static_features.resize(40);
  for (auto& f : t->static_features) f = value(engine);
  return t;
}

std::vector<const TokenSequence*> raw(const std::vector<TokenPtr>& items) {
  std::vector<const TokenSequence*> out;
  for (const auto& t : items) out.push_back(t.get());
  return out;
}

/// One training step of `model` on `rows` (Adam, relative error; with the cell losses).
class TrainStep {
 public:
  TrainStep(NarFormerModel model, std::vector<const TokenSequence*> rows, int64_t originals,
            bool cell_losses)
      : model_(std::move(model)),
        optimizer_(std::make_shared<FusedAdam>(model_->parameters())),
        rows_(std::move(rows)),
        originals_(originals),
        cell_losses_(cell_losses),
        targets_(torch::rand({static_cast<int64_t>(rows_.size())}) + 0.5) {
    model_->train();
  }

  void operator()() {
    const int64_t R = static_cast<int64_t>(rows_.size());
    optimizer_->zero_grad();
    const torch::Tensor y = model_->forward(to_tensors(collate(rows_), torch::kCPU));
    torch::Tensor loss = relative_error_loss(y, targets_);
    if (cell_losses_) {
      std::vector<int64_t> perm(static_cast<size_t>(R));
      std::iota(perm.begin(), perm.end(), 0);
      std::shuffle(perm.begin(), perm.end(), engine_);
      loss =
          loss + 0.1 * ranking_loss(y, targets_, torch::tensor(perm)) +
          0.5 * consistency_loss(y.narrow(0, 0, originals_), y.narrow(0, originals_, originals_));
    }
    loss.backward();
    optimizer_->step(1e-5);
  }

 private:
  NarFormerModel model_;
  std::shared_ptr<FusedAdam> optimizer_;
  std::vector<const TokenSequence*> rows_;
  int64_t originals_;
  bool cell_losses_;
  torch::Tensor targets_;
  std::mt19937_64 engine_{1};
};

void train_loop(const Options& o, const std::string& what, const std::string& unit,
                NarFormerModel& model, const std::vector<const TokenSequence*>& rows,
                int64_t originals, bool cell_losses, int threads) {
  TrainStep step(model, rows, originals, cell_losses);
  measure(
      o, what, unit, static_cast<double>(originals), [&] { step(); }, threads);
}

void infer_loop(const Options& o, const std::string& what, const std::string& unit,
                NarFormerModel& model, const std::vector<const TokenSequence*>& rows, int threads) {
  model->eval();
  torch::NoGradGuard no_grad;
  measure(
      o, what, unit, static_cast<double>(rows.size()),
      [&] { model->forward(to_tensors(collate(rows), torch::kCPU)).sum().item<float>(); }, threads);
}

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--rounds")
      o.rounds = std::max(1, std::stoi(next()));
    else if (a == "--threads")
      o.threads = std::stoi(next());
    else if (a == "--seconds")
      o.seconds = std::stod(next());
    else if (a == "--run")
      o.run_dir = next();
    else if (a == "--onnx")
      o.onnx = next();
    else if (a == "--archs")
      o.archs = next();
    else if (a == "--trace")
      o.trace = next();
    else if (a == "--nodes") {
      const std::string range = next();
      const size_t colon = range.find(':');
      o.min_nodes = std::max(2, std::stoi(range.substr(0, colon)));
      o.max_nodes = colon == std::string::npos
                        ? o.min_nodes
                        : std::max(o.min_nodes, std::stoi(range.substr(colon + 1)));
    } else if (a == "--packing")
      o.packing = next();
    else if (o.mode.empty())
      o.mode = a;
  }
  if (o.packing != "both" && o.packing != "padded" && o.packing != "packed") {
    std::fprintf(stderr, "--packing must be padded, packed or both, got '%s'\n", o.packing.c_str());
    return 2;
  }
  if (o.mode == "memory") {  // before anything allocates
    const double file = status_mib("RssFile"), anonymous = status_mib("RssAnon");
    print_figure("RSS of this LibTorch process before any work: shared libraries' pages " +
                     std::to_string(std::lround(file)) + " MiB + their start-up allocations " +
                     std::to_string(std::lround(anonymous)) + " MiB",
                 "MiB", file + anonymous, 1);
    NarFormerModel model{ModelOptions{}};
    const double parameters = static_cast<double>(model->parameter_count());
    print_figure("NB201 training state: " + std::to_string(std::lround(parameters / 1e3)) +
                     " k parameters x (weight + gradient + 2 Adam moments) x 4 bytes",
                 "MiB", parameters * 16 / (1 << 20), 1);
    return 0;
  }
  keep_freed_memory();  // as the narformer command does
  const int threads = configure_threads(o.threads);
  torch::manual_seed(0);
  std::mt19937_64 engine(0);

  if (o.mode == "gemm") {
    for (const int64_t n : {512, 1024}) {
      const torch::Tensor a = torch::randn({n, n}), b = torch::randn({n, n});
      measure(
          o, "fp32 GEMM " + std::to_string(n) + "^3", "GFLOP/s", 2.0 * n * n * n / 1e9,
          [&] { torch::mm(a, b); }, threads);
    }
  } else if (o.mode == "nb201-train") {
    NarFormerModel model{ModelOptions{}};
    auto originals = nb201_tokens(8, false, engine);
    std::mt19937_64 same(0);
    auto augmented = nb201_tokens(8, true, same);  // the same 8 cells, relabelled
    std::vector<TokenPtr> all = originals;
    all.insert(all.end(), augmented.begin(), augmented.end());
    train_loop(o, "NB201 training, 6x512, batch 8 + 8 augmented, SR + consistency", "archs/s",
               model, raw(all), 8, true, threads);
  } else if (o.mode == "latency-train") {
    std::vector<TokenPtr> graphs;
    const auto span = static_cast<uint64_t>(o.max_nodes - o.min_nodes + 1);
    for (int i = 0; i < 16; ++i)
      graphs.push_back(synthetic_graph(o.min_nodes + static_cast<int>(engine() % span), engine));
    double mean = 0;
    for (const auto& g : graphs) mean += g->num_nodes / 16.0;
    const std::string what = "latency training, 2x512, batch 16, mean " +
                             std::to_string(static_cast<int>(mean)) + " nodes";
    std::vector<TrainStep> steps;
    std::vector<Workload> workloads;
    for (const NodePacking packing : {NodePacking::kPadded, NodePacking::kPacked}) {
      if (o.packing != "both" && o.packing != to_string(packing)) continue;
      ModelOptions options = ModelOptions::nnlqp_latency();
      options.packing = packing;
      torch::manual_seed(0);
      steps.emplace_back(NarFormerModel{options}, raw(graphs), 16, false);
      workloads.push_back({what + ", " + to_string(packing), nullptr});
    }
    for (size_t k = 0; k < steps.size(); ++k) workloads[k].work = [&steps, k] { steps[k](); };
    measure(o, "graphs/s", 16, workloads, threads);
  } else if (o.mode == "nb201-infer") {
    NarFormerModel model{ModelOptions{}};
    for (const int batch : {1, 8, 256}) {
      const auto cells = nb201_tokens(batch, false, engine);
      infer_loop(o, "NB201 inference, batch " + std::to_string(batch), "archs/s", model, raw(cells),
                 threads);
    }
  } else if (o.mode == "latency-infer") {
    NarFormerModel model{ModelOptions::nnlqp_latency()};
    for (const int nodes : {70, 289}) {
      const auto g = synthetic_graph(nodes, engine);
      infer_loop(o, "latency inference, one graph of " + std::to_string(nodes) + " nodes",
                 "graphs/s", model, {g.get()}, threads);
    }
    std::vector<TokenPtr> graphs;
    for (int i = 0; i < 16; ++i)
      graphs.push_back(synthetic_graph(100 + static_cast<int>(engine() % 76), engine));
    infer_loop(o, "latency inference, batch 16 (mean ~137 nodes)", "graphs/s", model, raw(graphs),
               threads);
  } else if (o.mode == "outputs") {
    // Predictions of seeded models on seeded inputs, for comparing BLAS kernels (--blas-coretype).
    NarFormerModel cells{ModelOptions{}};
    NarFormerModel latency{ModelOptions::nnlqp_latency()};
    cells->eval();
    latency->eval();
    torch::NoGradGuard no_grad;
    const auto cell_tokens = nb201_tokens(64, false, engine);
    std::vector<TokenPtr> graphs;
    for (int i = 0; i < 16; ++i)
      graphs.push_back(synthetic_graph(100 + static_cast<int>(engine() % 76), engine));
    const torch::Tensor a = cells->forward(to_tensors(collate(raw(cell_tokens)), torch::kCPU));
    const torch::Tensor b = latency->forward(to_tensors(collate(raw(graphs)), torch::kCPU));
    const torch::Tensor all = torch::cat({a, b}).to(torch::kFloat64).contiguous();
    const std::vector<double> values(all.data_ptr<double>(), all.data_ptr<double>() + all.numel());
    std::printf("%s\n", nlohmann::json(values).dump().c_str());
  } else if (o.mode == "predict") {
    if (o.run_dir.empty() || o.onnx.empty()) {
      std::fprintf(stderr, "predict needs --run RUN_DIR --onnx FILE\n");
      return 2;
    }
    const Predictor predictor(o.run_dir);
    measure(
        o, "predict in-process: " + o.onnx, "predictions/s", 1.0,
        [&] { predictor.predict_onnx(o.onnx); }, threads);
#ifdef NARFORMER_WITH_LITE
    LitePredictor::set_threads(o.threads);
    const LitePredictor lite(o.run_dir);
    measure(
        o, "predict in-process without LibTorch (LitePredictor): " + o.onnx, "predictions/s", 1.0,
        [&] { lite.predict_onnx(o.onnx); }, threads);
    const TokenPtr tokens = lite.tokenize_onnx(o.onnx);
    measure(
        o, "forward pass alone without LibTorch (LitePredictor, tokens ready)", "predictions/s",
        1.0, [&] { lite.predict(tokens); }, threads);
  } else if (o.mode == "predict-cells") {
    std::ifstream file(o.archs);
    std::vector<std::string> archs;
    for (std::string line; std::getline(file, line);)
      if (!line.empty()) archs.push_back(line);
    if (o.run_dir.empty() || archs.empty()) {
      std::fprintf(stderr, "predict-cells needs --run RUN_DIR --archs FILE (arch strings)\n");
      return 2;
    }
    LitePredictor::set_threads(o.threads);
    const TorchFreePredictor predictor(o.run_dir);
    const auto n = static_cast<double>(archs.size());
    measure(
        o, "predict " + std::to_string(archs.size()) + " cells in one call (TorchFreePredictor)",
        "cells/s", n, [&] { predictor.predict(predictor.tokenize_cells(archs)); }, threads);
    measure(
        o, "predict 1 cell per call (TorchFreePredictor)", "cells/s", n,
        [&] {
          for (const auto& arch : archs) predictor.predict({predictor.tokenize_cell(arch)});
        },
        threads);
#endif
  } else {
    std::fprintf(stderr,
                 "usage: bench_model "
                 "gemm|nb201-train|latency-train|nb201-infer|latency-infer|predict|predict-cells|"
                 "memory [--rounds R] [--threads T] [--seconds S] [--run DIR --onnx FILE] "
                 "[--archs FILE]\n");
    return 2;
  }
  return 0;
}
