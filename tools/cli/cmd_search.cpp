// narformer search --accuracy-run RUN [--accuracy-run RUN ...]
//                  [--latency-run RUN [--platform ID] [--max-latency-ms MS]
//                                     [--latency-confidence P]]
//                  [--use-labels] [--top K] [--out DIR] [--json]
//                  [--seed S --population P --sample S --cycles C]
//
// Architecture search guided by trained predictors (search/cell_search.h): NAS-Bench-201
// exhaustively, NAS-Bench-101 by regularized evolution over the shipped cells. Prints the top-k
// cells by predicted accuracy within the latency budget (the mean of the accuracy runs' when
// --accuracy-run is given more than once), and writes into --out: candidates.csv
// (every cell scored), front.csv (the predicted Pareto front), top.csv, search.json and
// front.png (with gnuplot). No LibTorch: runs without a weight file need `narformer export`.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "narformer/core/atomic_file.h"
#include "narformer/eval/plots.h"
#include "narformer/runtime/pretrained.h"
#include "narformer/search/cell_search.h"
#include "narformer/torch_free/lite_predictor.h"

namespace narformer::cli {

namespace {

struct SearchArguments {
  SearchOptions options;
  std::vector<std::string> accuracy_runs;  ///< the first is options.accuracy_run
  std::string out = "runs/search";
  int threads = 1;
  bool json = false;
};

std::string number(double value) {
  if (std::isnan(value)) return "";
  std::ostringstream out;
  out.precision(9);
  out << value;
  return out.str();
}

std::string csv(const SearchResult& result, const std::vector<size_t>& rows) {
  std::ostringstream out;
  out << "arch,predicted_accuracy,predicted_latency_ms,feasible,on_front,labelled,isomorphic_"
         "copy\n";
  for (size_t i : rows) {
    const SearchCandidate& c = result.candidates[i];
    out << '"' << c.arch << "\"," << number(c.accuracy) << ',' << number(c.latency_ms) << ','
        << (c.feasible ? 1 : 0) << ',' << (c.on_front ? 1 : 0) << ',' << (c.labelled ? 1 : 0) << ','
        << (c.isomorphic_copy ? 1 : 0) << '\n';
  }
  return out.str();
}

nlohmann::json listed(const SearchResult& result, const std::vector<size_t>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (size_t i : rows) {
    const SearchCandidate& c = result.candidates[i];
    nlohmann::json item = {
        {"arch", c.arch}, {"predicted_accuracy", c.accuracy}, {"labelled", c.labelled}};
    if (!std::isnan(c.latency_ms)) item["predicted_latency_ms"] = c.latency_ms;
    out.push_back(item);
  }
  return out;
}

void run_search(const SearchArguments& args) {
  LitePredictor::set_threads(args.threads);
  const SearchOptions& o = args.options;
  const SearchResult result = search_cells(o);
  const bool with_latency = !o.latency_run.empty();
  int64_t feasible = 0, copies = 0;
  for (const auto& c : result.candidates) {
    feasible += c.feasible ? 1 : 0;
    copies += c.isomorphic_copy ? 1 : 0;
  }

  nlohmann::json summary = {{"space", to_string(result.space)},
                            {"accuracy_run", o.accuracy_run},
                            {"accuracy_ensemble", o.accuracy_ensemble},
                            {"use_labels", o.use_labels},
                            {"scored", result.candidates.size()},
                            {"feasible", feasible},
                            {"isomorphic_copies", copies},
                            {"seconds", result.seconds},
                            {"top", listed(result, result.top)},
                            {"front", listed(result, result.front)},
                            {"out", args.out}};
  if (with_latency) {
    summary["latency_run"] = o.latency_run;
    if (std::isfinite(o.max_latency_ms)) summary["max_latency_ms"] = o.max_latency_ms;
    if (o.latency_confidence > 0)
      summary["latency_calibration"] = {{"confidence", o.latency_confidence},
                                        {"factor", result.latency_factor},
                                        {"validation_cells", result.calibration_cells}};
  }
  if (result.space == CellSpace::kNasBench101) {
    summary["evolution"] = {{"population", o.population},
                            {"sample", o.sample_size},
                            {"cycles", o.cycles},
                            {"seed", o.seed},
                            {"redrawn_mutations", result.redrawn_mutations}};
  }

  std::filesystem::create_directories(args.out);
  const std::filesystem::path dir(args.out);
  std::vector<size_t> all(result.candidates.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  write_file_atomic((dir / "candidates.csv").string(), csv(result, all));
  write_file_atomic((dir / "front.csv").string(), csv(result, result.front));
  write_file_atomic((dir / "top.csv").string(), csv(result, result.top));
  write_file_atomic((dir / "search.json").string(), summary.dump(2) + "\n");
  if (with_latency) {
    FrontPlotRequest plot;
    plot.dir = args.out;
    for (const auto& c : result.candidates) {
      plot.latency_ms.push_back(c.latency_ms);
      plot.accuracy.push_back(c.accuracy);
    }
    plot.front = result.front;
    // The budget as it applies to the plotted (predicted) latencies.
    plot.max_latency_ms = o.max_latency_ms / result.latency_factor;
    plot.title = to_string(result.space) + ": " + std::to_string(result.candidates.size()) +
                 " cells scored, predicted front of " + std::to_string(result.front.size());
    spdlog::info("{}", write_front_plot(plot).message);
  }

  if (args.json) {
    std::printf("%s\n", summary.dump().c_str());
    return;
  }
  std::printf("%s: %zu cells scored in %.2f s", to_string(result.space).c_str(),
              result.candidates.size(), result.seconds);
  if (with_latency && std::isfinite(o.max_latency_ms))
    std::printf(", %lld within %.4g ms", static_cast<long long>(feasible), o.max_latency_ms);
  if (o.latency_confidence > 0)
    std::printf(
        " (predicted latency x %.4g: the %g-quantile of measured / predicted over %lld "
        "validation cells)",
        result.latency_factor, o.latency_confidence,
        static_cast<long long>(result.calibration_cells));
  if (result.space == CellSpace::kNasBench101)
    std::printf(" (%d cycles, %lld mutations redrawn)", o.cycles,
                static_cast<long long>(result.redrawn_mutations));
  std::printf("; predicted front: %zu cells; files in %s\n", result.front.size(), args.out.c_str());
  std::printf("%4s  %10s  %12s  %s\n", "rank", "accuracy", with_latency ? "latency ms" : "",
              "arch");
  for (size_t r = 0; r < result.top.size(); ++r) {
    const SearchCandidate& c = result.candidates[result.top[r]];
    char latency[32] = "";
    if (with_latency) std::snprintf(latency, sizeof latency, "%.4f", c.latency_ms);
    std::printf("%4zu  %10.4f  %12s  %s\n", r + 1, c.accuracy, latency, c.arch.c_str());
  }
}

}  // namespace

void add_search_command(CLI::App& app) {
  auto args = std::make_shared<SearchArguments>();
  SearchOptions& o = args->options;
  CLI::App* cmd = app.add_subcommand(
      "search", "search NAS-Bench cells with trained predictors: top-k and Pareto front");
  cmd->add_option("--accuracy-run", args->accuracy_runs,
                  "a cell run predicting accuracy (its space is the search space), or a "
                  "pretrained predictor's name; given more than once, the mean of the runs' "
                  "predictions (same label and scale; --use-labels takes the first's labels)")
      ->required();
  cmd->add_option("--latency-run", o.latency_run,
                  "a cell run predicting latency (e.g. configs/help/<device>.yaml), or a "
                  "pretrained predictor's name (help_nb201)");
  cmd->add_option("--platform", o.latency_platform,
                  "output head of the latency run (help_nb201: the HELP device)");
  cmd->add_option("--max-latency-ms", o.max_latency_ms,
                  "keep cells whose predicted latency is at most this");
  cmd->add_option("--latency-confidence", o.latency_confidence,
                  "P in (0, 1]: keep cells whose predicted latency times the P-quantile of "
                  "measured / predicted over the latency run's validation cells fits "
                  "--max-latency-ms, so that about P of them fit when measured (0: off)")
      ->capture_default_str();
  cmd->add_flag("--use-labels", o.use_labels,
                "score the accuracy run's training and validation cells by their own labels "
                "(the labelled column says which), the others by prediction");
  cmd->add_option("--top", o.top_k, "how many cells to list")->capture_default_str();
  cmd->add_option("--out", args->out, "folder for candidates.csv, front.csv, top.csv, front.png")
      ->capture_default_str();
  cmd->add_option("--seed", o.seed, "NB101 evolution: seed")->capture_default_str();
  cmd->add_option("--population", o.population, "NB101 evolution: population")
      ->capture_default_str();
  cmd->add_option("--sample", o.sample_size, "NB101 evolution: tournament size")
      ->capture_default_str();
  cmd->add_option("--cycles", o.cycles, "NB101 evolution: children bred")->capture_default_str();
  cmd->add_option("--threads", args->threads, "BLAS threads")->capture_default_str();
  cmd->add_flag("--json", args->json, "print one JSON object (search.json's) instead of text");
  cmd->callback([args] {
    args->options.accuracy_run = run_or_pretrained(args->accuracy_runs.front());
    for (size_t i = 1; i < args->accuracy_runs.size(); ++i)
      args->options.accuracy_ensemble.push_back(run_or_pretrained(args->accuracy_runs[i]));
    if (!args->options.latency_run.empty())
      args->options.latency_run = run_or_pretrained(args->options.latency_run);
    run_search(*args);
  });
}

}  // namespace narformer::cli
