#include "narformer/search/cell_search.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <memory>
#include <optional>
#include <random>
#include <unordered_map>

#include "narformer/cells/nb101.h"
#include "narformer/cells/nb201.h"
#include "narformer/config/datasets.h"
#include "narformer/core/error.h"
#include "narformer/core/progress.h"
#include "narformer/data/nas_table.h"
#include "narformer/data/split.h"
#include "narformer/torch_free/run_predictor.h"

namespace narformer {

namespace {

CellSpace space_of(const TorchFreePredictor& run, const std::string& what) {
  if (run.takes_onnx())
    throw ConfigError(what + " " + run.inputs().run_dir() +
                      " predicts ONNX graphs; search scores NAS-Bench cells: give a cell run");
  return dataset_info(run.inputs().config().data.dataset).space;
}

/// A cell run's table and split, read as its training read them.
struct CellsAsTrained {
  NasTable table;
  Split split;

  explicit CellsAsTrained(const Config& config)
      : table(read_dataset_cells(config.data)),
        split(make_split(static_cast<int64_t>(table.records.size()), config.data,
                         static_cast<uint64_t>(config.run.seed))) {}

  const NasRecord& record(int64_t i) const { return table.records[static_cast<size_t>(i)]; }
};

/// The two predictors, and what scoring a batch of cells gives.
class Scorer {
 public:
  explicit Scorer(const SearchOptions& options)
      : options_(options), accuracy_(options.accuracy_run) {
    space_ = space_of(accuracy_, "--accuracy-run");
    for (const std::string& run : options.accuracy_ensemble) add_to_ensemble(run);
    if (!options.latency_run.empty()) {
      latency_ = std::make_unique<TorchFreePredictor>(options.latency_run);
      const CellSpace latency_space = space_of(*latency_, "--latency-run");
      if (latency_space != space_)
        throw ConfigError("--latency-run " + options.latency_run + " scores " +
                          to_string(latency_space) + " cells, --accuracy-run " +
                          options.accuracy_run + " " + to_string(space_) +
                          " cells: they must score the same space");
      latency_->inputs().head(options.latency_platform);  // an unknown platform fails here
      if (options.latency_confidence > 0) calibrate_latency();
    }
    if (options.use_labels) read_labels();
  }

  CellSpace space() const { return space_; }
  double latency_factor() const { return latency_factor_; }
  int64_t calibration_cells() const { return calibration_cells_; }

  std::vector<SearchCandidate> score(const std::vector<std::string>& archs) const {
    std::vector<double> accuracy = accuracy_.predict(accuracy_.tokenize_cells(archs));
    for (const std::unique_ptr<TorchFreePredictor>& member : ensemble_) {
      const std::vector<double> more = member->predict(member->tokenize_cells(archs));
      for (size_t i = 0; i < accuracy.size(); ++i) accuracy[i] += more[i];
    }
    for (double& a : accuracy) a /= static_cast<double>(1 + ensemble_.size());
    std::vector<double> latency;
    if (latency_)
      latency = latency_->predict(latency_->tokenize_cells(archs), options_.latency_platform);
    std::vector<SearchCandidate> out(archs.size());
    for (size_t i = 0; i < archs.size(); ++i) {
      out[i].arch = archs[i];
      out[i].accuracy = accuracy[i];
      if (!labels_.empty())
        if (const auto found =
                labels_.find(label_key(archs[i], accuracy_.inputs().parse_cell(archs[i])));
            found != labels_.end()) {
          out[i].accuracy = found->second;
          out[i].labelled = true;
        }
      if (latency_) {
        out[i].latency_ms = latency[i];
        out[i].feasible = latency[i] * latency_factor_ <= options_.max_latency_ms;
      }
    }
    return out;
  }

 private:
  /// A run whose predictions are averaged with the accuracy run's: the same space, and the
  /// same label on the same scale, or the mean would mix two quantities.
  void add_to_ensemble(const std::string& run) {
    auto member = std::make_unique<TorchFreePredictor>(run);
    const CellSpace member_space = space_of(*member, "--accuracy-run");
    const DataConfig& first = accuracy_.inputs().config().data;
    const DataConfig& data = member->inputs().config().data;
    if (member_space != space_)
      throw ConfigError("--accuracy-run " + run + " scores " + to_string(member_space) +
                        " cells, --accuracy-run " + options_.accuracy_run + " " +
                        to_string(space_) + " cells: an ensemble scores one space");
    if (data.train_label != first.train_label || data.label_scale != first.label_scale)
      throw ConfigError("--accuracy-run " + run + " predicts " + data.train_label + " x " +
                        std::to_string(data.label_scale) + ", --accuracy-run " +
                        options_.accuracy_run + " " + first.train_label + " x " +
                        std::to_string(first.label_scale) +
                        ": an ensemble averages one label on one scale");
    ensemble_.push_back(std::move(member));
  }

  /// A cell's identity: NB201's arch string as written (not the cell the model reads, which
  /// data.tokenizer.prune_dead may have pruned: a pruned twin is another benchmark cell with
  /// labels of its own), NB101's fingerprint of the cell read (isomorphic cells are one).
  std::string label_key(const std::string& arch, const Cell& read) const {
    return space_ == CellSpace::kNasBench201 ? nb201_arch_string(parse_nb201_arch(arch))
                                             : std::to_string(nb101_fingerprint(read));
  }

  /// The accuracy run's training and validation cells with the labels it trained on (the
  /// scale its predictions are on), split as training split them.
  void read_labels() {
    const CellsAsTrained cells(accuracy_.inputs().config());
    for (const std::vector<int64_t>* part : {&cells.split.train, &cells.split.val})
      for (const int64_t i : *part) {
        const NasRecord& record = cells.record(i);
        labels_[label_key(record.arch, record.cell)] = record.train_label;
      }
  }

  /// latency_factor_: the latency_confidence-quantile (nearest rank) of measured / predicted
  /// latency over the latency run's validation cells, split as training split them. Never
  /// its test cells: the factor is part of the predictor, chosen like its weights.
  void calibrate_latency() {
    const CellsAsTrained cells(latency_->inputs().config());
    if (cells.split.val.empty())
      throw ConfigError("--latency-confidence needs the validation cells of --latency-run " +
                        options_.latency_run + ", which has none");
    const size_t head = static_cast<size_t>(latency_->inputs().head(options_.latency_platform));
    std::vector<std::string> archs;
    std::vector<double> measured;
    for (const int64_t i : cells.split.val) {
      const NasRecord& record = cells.record(i);
      archs.push_back(record.arch);
      measured.push_back(record.labels.empty() ? record.train_label : record.labels.at(head));
    }
    const std::vector<double> predicted =
        latency_->predict(latency_->tokenize_cells(archs), options_.latency_platform);
    std::vector<double> ratios(archs.size());
    for (size_t i = 0; i < ratios.size(); ++i)  // a prediction <= 0 bounds nothing
      ratios[i] =
          predicted[i] > 0 ? measured[i] / predicted[i] : std::numeric_limits<double>::infinity();
    std::sort(ratios.begin(), ratios.end());
    // Nearest rank; the tolerance keeps 0.55 x 200 (110.00000000000001 in doubles) at rank 110.
    const double rank =
        std::ceil(options_.latency_confidence * static_cast<double>(ratios.size()) - 1e-9);
    latency_factor_ = ratios[static_cast<size_t>(std::max(rank, 1.0)) - 1];
    calibration_cells_ = static_cast<int64_t>(ratios.size());
    if (!std::isfinite(latency_factor_))
      throw ConfigError("--latency-run " + options_.latency_run + " predicts a latency <= 0 for " +
                        "more validation cells than --latency-confidence allows");
  }

  const SearchOptions& options_;
  double latency_factor_ = 1;
  int64_t calibration_cells_ = 0;
  TorchFreePredictor accuracy_;
  std::vector<std::unique_ptr<TorchFreePredictor>> ensemble_;
  std::unordered_map<std::string, double> labels_;
  std::unique_ptr<TorchFreePredictor> latency_;
  CellSpace space_ = CellSpace::kNasBench201;
};

/// NB101 cells with ground truth, looked up by fingerprint (isomorphic cells are one entry).
struct Nb101Universe {
  std::vector<Cell> cells;
  std::unordered_map<uint64_t, size_t> by_fingerprint;

  explicit Nb101Universe(const DataConfig& data) {
    for (NasRecord& record : read_nas_table(data).records)
      if (by_fingerprint.emplace(nb101_fingerprint(record.cell), cells.size()).second)
        cells.push_back(std::move(record.cell));
  }
};

/// NASBench's mutation: on the cell padded to 7 vertices, each possible edge flips with
/// probability 1/7 and each inner op changes with probability 1/5 (to another op); the result
/// is pruned like the NB101 API prunes it. Empty when it is no cell of the space.
std::optional<Cell> mutate_nb101(const Cell& parent, std::mt19937_64& rng) {
  constexpr int n = kNb101MaxVertices;
  const int m = parent.num_vertices;
  std::uniform_int_distribution<int> inner_op(1, 3);
  // Pad: the parent's vertices but the output first, unused vertices, the output last.
  std::vector<int> ops(n);
  std::vector<uint8_t> adjacency(static_cast<size_t>(n * n), 0);
  auto padded = [&](int v) { return v == m - 1 ? n - 1 : v; };
  for (int v = 0; v < n; ++v) ops[static_cast<size_t>(v)] = inner_op(rng);
  for (int v = 0; v < m; ++v)
    ops[static_cast<size_t>(padded(v))] = parent.ops[static_cast<size_t>(v)];
  for (int i = 0; i < m; ++i)
    for (int j = i + 1; j < m; ++j)
      adjacency[static_cast<size_t>(padded(i) * n + padded(j))] = parent.edge(i, j) ? 1 : 0;

  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (int i = 0; i < n - 1; ++i)
    for (int j = i + 1; j < n; ++j)
      if (uniform(rng) < 1.0 / n) adjacency[static_cast<size_t>(i * n + j)] ^= 1;
  for (int v = 1; v < n - 1; ++v)
    if (uniform(rng) < 1.0 / (n - 2)) {
      const int old = ops[static_cast<size_t>(v)];
      int next = inner_op(rng);
      while (next == old) next = inner_op(rng);
      ops[static_cast<size_t>(v)] = next;
    }
  return prune_nb101(n, adjacency, ops);
}

void check_options(const SearchOptions& o) {
  if (o.accuracy_run.empty()) throw ConfigError("search needs an accuracy run (--accuracy-run)");
  if (!(o.max_latency_ms >= 0))
    throw ConfigError("--max-latency-ms must be a latency >= 0, got " +
                      std::to_string(o.max_latency_ms));
  if (std::isfinite(o.max_latency_ms) && o.latency_run.empty())
    throw ConfigError("--max-latency-ms needs a latency run (--latency-run) to predict latency");
  if (!(o.latency_confidence >= 0 && o.latency_confidence <= 1))
    throw ConfigError("--latency-confidence must be a share in (0, 1] (0: off), got " +
                      std::to_string(o.latency_confidence));
  if (o.latency_confidence > 0 && o.latency_run.empty())
    throw ConfigError("--latency-confidence needs a latency run (--latency-run) to calibrate");
  if (o.top_k < 1) throw ConfigError("--top must be at least 1");
  if (o.population < 2 || o.sample_size < 1 || o.sample_size > o.population || o.cycles < 0)
    throw ConfigError("evolution needs population >= 2, 1 <= sample <= population, cycles >= 0");
}

/// Regularized evolution over the shipped NB101 cells; every distinct cell scored once.
void evolve_nb101(const SearchOptions& o, const Scorer& scorer, const DataConfig& data,
                  SearchResult& result) {
  const Nb101Universe universe(data);
  if (universe.cells.size() < static_cast<size_t>(o.population))
    throw DataError(with_file(data.path, std::to_string(universe.cells.size()) +
                                             " distinct cells, fewer than the population " +
                                             std::to_string(o.population)));
  std::mt19937_64 rng(o.seed);
  std::unordered_map<size_t, size_t> scored;  // universe index -> candidate index
  auto fitness = [&](size_t candidate) {
    const SearchCandidate& c = result.candidates[candidate];
    return c.feasible ? c.accuracy : -std::numeric_limits<double>::infinity();
  };
  auto score = [&](const std::vector<size_t>& members) {
    std::vector<std::string> archs;
    std::vector<size_t> fresh;
    for (size_t u : members)
      if (!scored.count(u) && std::find(fresh.begin(), fresh.end(), u) == fresh.end()) {
        fresh.push_back(u);
        archs.push_back(nb101_arch_string(universe.cells[u]));
      }
    std::vector<SearchCandidate> scores = scorer.score(archs);
    for (size_t i = 0; i < fresh.size(); ++i) {
      scored[fresh[i]] = result.candidates.size();
      result.candidates.push_back(std::move(scores[i]));
    }
  };

  std::uniform_int_distribution<size_t> any(0, universe.cells.size() - 1);
  std::deque<size_t> population;  // universe indices, oldest first
  for (int i = 0; i < o.population; ++i) population.push_back(any(rng));
  score({population.begin(), population.end()});

  std::vector<size_t> slots(population.size());
  for (size_t i = 0; i < slots.size(); ++i) slots[i] = i;
  for (int cycle = 0; cycle < o.cycles; ++cycle) {
    // The tournament: sample_size distinct members (a partial Fisher-Yates shuffle), the fittest.
    for (size_t s = 0; s < static_cast<size_t>(o.sample_size); ++s)
      std::swap(slots[s], slots[std::uniform_int_distribution<size_t>(s, slots.size() - 1)(rng)]);
    size_t parent = population[slots[0]];
    for (size_t s = 1; s < static_cast<size_t>(o.sample_size); ++s) {
      const size_t other = population[slots[s]];
      if (fitness(scored.at(other)) > fitness(scored.at(parent))) parent = other;
    }
    // A child among the shipped cells and not its parent; other draws are drawn again.
    size_t child = parent;
    for (int attempt = 0; attempt < 1000 && child == parent; ++attempt) {
      const std::optional<Cell> mutated = mutate_nb101(universe.cells[parent], rng);
      const auto found = mutated ? universe.by_fingerprint.find(nb101_fingerprint(*mutated))
                                 : universe.by_fingerprint.end();
      if (found == universe.by_fingerprint.end() || found->second == parent) {
        ++result.redrawn_mutations;
        continue;
      }
      child = found->second;
    }
    if (child == parent) child = any(rng);  // a parent without shipped neighbours: a fresh cell
    score({child});
    population.push_back(child);
    population.pop_front();
  }
}

/// Keeps one cell per NB201 network: a feasible one before others, then the highest predicted
/// accuracy, the lowest latency, the first; marks the others.
void mark_isomorphic_copies(std::vector<SearchCandidate>& candidates) {
  std::unordered_map<std::string, size_t> kept;  // unique string -> candidate index
  auto better = [&](size_t a, size_t b) {
    const SearchCandidate &x = candidates[a], &y = candidates[b];
    if (x.feasible != y.feasible) return x.feasible;
    if (x.accuracy != y.accuracy) return x.accuracy > y.accuracy;
    if (!std::isnan(x.latency_ms) && x.latency_ms != y.latency_ms)
      return x.latency_ms < y.latency_ms;
    return a < b;
  };
  for (size_t i = 0; i < candidates.size(); ++i) {
    const auto [at, fresh] =
        kept.emplace(nb201_unique_string(parse_nb201_arch(candidates[i].arch)), i);
    if (fresh) continue;
    size_t copy = i;
    if (better(i, at->second)) std::swap(at->second, copy);
    candidates[copy].isomorphic_copy = true;
  }
}

}  // namespace

std::vector<size_t> pareto_front(const std::vector<double>& accuracy,
                                 const std::vector<double>& latency) {
  std::vector<size_t> order(accuracy.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return latency[a] != latency[b] ? latency[a] < latency[b] : accuracy[a] > accuracy[b];
  });
  std::vector<size_t> front;
  for (size_t i : order)
    if (front.empty() || accuracy[i] > accuracy[front.back()]) front.push_back(i);
  return front;
}

SearchResult search_cells(const SearchOptions& options) {
  check_options(options);
  Stopwatch clock;
  const Scorer scorer(options);
  SearchResult result;
  result.space = scorer.space();
  result.latency_factor = scorer.latency_factor();
  result.calibration_cells = scorer.calibration_cells();
  if (result.space == CellSpace::kNasBench201) {
    result.candidates = scorer.score(all_nb201_archs());
  } else {
    const RunInputs inputs(options.accuracy_run);
    evolve_nb101(options, scorer, inputs.config().data, result);
  }

  if (result.space == CellSpace::kNasBench201) mark_isomorphic_copies(result.candidates);

  std::vector<size_t> feasible;
  for (size_t i = 0; i < result.candidates.size(); ++i)
    if (result.candidates[i].feasible && !result.candidates[i].isomorphic_copy)
      feasible.push_back(i);
  std::vector<double> accuracy, latency;
  for (size_t i : feasible) {
    accuracy.push_back(result.candidates[i].accuracy);
    // Without a latency run every cell costs the same: the front is the most accurate one.
    latency.push_back(options.latency_run.empty() ? 0.0 : result.candidates[i].latency_ms);
  }
  for (size_t k : pareto_front(accuracy, latency)) {
    result.front.push_back(feasible[k]);
    result.candidates[feasible[k]].on_front = true;
  }
  result.top = feasible;
  std::stable_sort(result.top.begin(), result.top.end(), [&](size_t a, size_t b) {
    return result.candidates[a].accuracy > result.candidates[b].accuracy;
  });
  if (result.top.size() > static_cast<size_t>(options.top_k))
    result.top.resize(static_cast<size_t>(options.top_k));
  result.seconds = clock.seconds();
  return result;
}

}  // namespace narformer
