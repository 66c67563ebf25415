#pragma once
// The experiment configuration: one typed struct per YAML section, with the published
// NAR-Former V2 NB201 settings as defaults. Every key is declared once, in
// src/config/config.cpp (bind_config), which is also where its range is checked.
//
//   data:   which table, which columns, how to split, how to tokenize
//   model:  the encoder and head, or which baseline (model.kind)
//   baseline: the baselines' grids
//   train:  optimiser, schedule, losses
//   eval:   evaluation batch and model selection
//   run:    where results go, seed, device, threads
//
// Keys with a fixed set of values are enumerations (config/choices.h): the config layer turns
// the YAML spelling into the enum once (to_string gives it back), and no other code compares
// option strings.

#include <cstdint>
#include <string>
#include <vector>

#include "narformer/config/choices.h"

namespace narformer {

struct TokenizerConfig {
  EmbedType embed = EmbedType::kNerf;   ///< sinusoidal embedder: nerf | trans (method.md §0.2)
  OpCode opcode = OpCode::kPositional;  ///< op code: pe (embedded op id) | onehot
  int64_t dx = 32;                      ///< op-code frequencies (pe) or one-hot length (onehot)
  int64_t dp = 32;                      ///< self-position frequencies; 0 = no position code
  /// ONNX features: corrected | reference (NAR-Former V2 exactly)
  OnnxCompat compat = OnnxCompat::kCorrected;
  /// NB201 cells: read every cell with its dead edges set to none (cells/nb201.h
  /// nb201_prune_dead), in training and in every prediction. For accuracy, which dead edges
  /// cannot change; not for latency, which they still cost.
  bool prune_dead = false;
};

struct DataConfig {
  std::string dataset = "nb201";  ///< nb201 | nb101 (cell tables) | nnlqp (latency lines + ONNX)
  std::string path = "data/nasbench201/arch_score_acc.csv";
  std::string arch_column = "cellstr";                  ///< NB201: column holding the arch string
  std::string adjacency_column = "adjacency_rowmajor";  ///< NB101: n² chars '0'/'1', row-major
  std::string ops_column = "ops";                       ///< NB101: op names joined by '|'
  std::string train_label = "valid_top1";               ///< label the model is trained on
  std::string eval_label = "test_top1";  ///< label validation and test are scored against
  /// Cell tables: several label columns, one output head each (HELP's devices: one latency
  /// predictor with a head per device). Each column trains and scores its own head;
  /// data.train_label and data.eval_label are then unused. Empty: one head.
  std::vector<std::string> labels;
  double label_scale = 0.01;  ///< multiplies labels (percent -> fraction)
  Protocol protocol = Protocol::kReference;
  int64_t n_train = 781;  ///< training items (absolute count; cell tables, holdout)
  int64_t n_val = 200;    ///< validation items (cell tables)
  int64_t n_test = 0;     ///< holdout: test size (0 = all the rest)
  // latency datasets (dataset: nnlqp)
  std::string onnx_root;              ///< folder the ONNX paths are relative to ("" = data.path's)
  std::vector<std::string> families;  ///< keep only these model types (empty = all)
  std::vector<std::string>
      platforms;            ///< keep only these platform ids (empty = all); one head each
  std::string test_family;  ///< leave_family_out: the held-out family
  /// More latency files (gt.txt layout, ONNX paths relative to each file's folder) whose lines
  /// all join the training split: never validation or test, and not subject to data.families,
  /// data.test_family or data.train_limit (data.platforms still applies). For device data that
  /// is not a network family, e.g. the single-operator kernels of data/latency_cpu_kernels.
  std::vector<std::string> extra_train;
  /// Whether data.extra_train's lines take part in the cost readout's linear-model fit (false:
  /// they only train the per-node correction; the rates come from data.path's lines alone).
  /// Single-operator kernels are what tells the fit what each kind of work costs.
  bool extra_train_fits_cost_model = true;
  double val_fraction = 0.1;        ///< stage / leave_family_out / holdout: validation carved
                                    ///< from the training pool (seeded)
  int64_t train_limit = 0;          ///< use only this many training items (0 = all; few-shot)
  int64_t batch_size_override = 0;  ///< replace every line's batch size (0 = as in the file)
  std::string cache_dir = "runs/.token_cache";  ///< on-disk token cache ("" = memory only)
  TokenizerConfig tokenizer;
};

struct ModelConfig {
  /// narformer (the Transformer) | linear | mlp | gbdt (baselines on flat features,
  /// baseline/baseline_model.h) | rescale (transfer baseline: train.init_from's predictions
  /// times a factor fitted on this run's training measurements)
  ModelKind kind = ModelKind::kNarformer;
  int64_t blocks = 6;         ///< encoder blocks
  int64_t hidden = 512;       ///< attention width = head width
  int64_t ffn_hidden = 2048;  ///< grouped feed-forward hidden width
  int64_t ffn_groups = 8;     ///< groups of the grouped linear transforms
  double dropout = 0.05;
  bool use_degree = true;          ///< degree gating in the attention layer
  double layer_scale_init = 1e-4;  ///< initial layer-scale gamma
  /// fusion (per-layer mean, fused) | mean | sum | cost (latency: fitted linear cost model ×
  /// learned per-node correction) | a readout registered at run time (model/readouts.h)
  std::string readout = "fusion";
  /// none | linear (cells: the prediction is the linear baseline's, fitted on the training
  /// split, times the network's learned correction; baseline/baseline_model.h LinearPrior)
  Prior prior = Prior::kNone;
  /// auto | packed | padded: the encoder's batch layout (model/packed_nodes.h); the same
  /// numbers either way, to float rounding, so it is a speed setting only
  NodePacking packing = NodePacking::kAuto;
};

/// The baselines' declared grids: every combination of the listed values of the run's
/// model.kind is trained and the best on the validation split is kept (at most 20).
struct BaselineConfig {
  FeaturesSetting features = FeaturesSetting::kAuto;  ///< auto | encoding | graph
  /// auto (eval.selection mape: relative, kendall_tau: squared) | relative | squared
  LossSetting loss = LossSetting::kAuto;
  std::vector<double> linear_ridge = {0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1};
  LinearSign linear_sign = LinearSign::kAuto;  ///< auto | free | non_negative
  std::vector<double> mlp_hidden = {128, 512};
  std::vector<double> mlp_layers = {2, 3};
  std::vector<double> mlp_lr = {1e-3, 3e-3};
  std::vector<double> mlp_weight_decay = {0, 1e-4};
  int64_t mlp_epochs = 300;  ///< the best epoch on validation is kept
  int64_t mlp_batch_size = 32;
  std::vector<double> gbdt_max_depth = {3, 5, 7};
  std::vector<double> gbdt_eta = {0.03, 0.1};
  std::vector<double> gbdt_min_child_weight = {1, 5};
  std::vector<double> gbdt_subsample = {0.8};
  std::vector<double> gbdt_colsample = {0.7};
  int64_t gbdt_max_rounds = 3000;
  int64_t gbdt_early_stopping = 100;
  RescaleStatistic rescale_statistic = RescaleStatistic::kMedian;  ///< median | mean
};

struct TrainConfig {
  int64_t epochs = 1000;
  int64_t batch_size = 8;  ///< architectures per step (augmented copies come on top)
  double lr = 1e-4;
  double warmup_ratio = 0.1;  ///< linear warm-up over this fraction of all steps
  double lambda_sr = 0.1;     ///< weight of the pairwise ranking loss
  double lambda_cons = 0.5;   ///< weight of the consistency loss (needs augmentation)
  /// Its units: absolute (label units, as published for accuracies) or relative to the label,
  /// for latencies of several milliseconds, where an absolute difference would outweigh the
  /// relative-error main loss and flatten the predictions.
  ConsistencyScale consistency = ConsistencyScale::kAbsolute;
  double grad_clip = 0;  ///< clip the global gradient norm to this (0 = off, as published)
  /// Length-bucketed batches: each epoch's shuffled order is cut into pools of this many
  /// batches, each pool sorted by graph size, and the batches shuffled again, so a batch pads
  /// to similar sizes (ONNX graphs have 20-370 nodes). 0 = plain shuffled batches.
  int64_t length_buckets = 0;
  std::string init_from;  ///< a run or pretrained folder, .pt or .weights: this run's start
  /// Latency data: during training only, each model family's predictions are multiplied by a
  /// learned factor exp(b_f) (the b_f centred to mean 0), so the model need not learn what
  /// sets one family's level apart from another's from the family's look; validation, test
  /// and predict use no factor. Aimed at families never seen in training (leave-family-out).
  bool family_offsets = false;
};

struct EvalConfig {
  int64_t batch_size = 1024;                     ///< architectures per evaluation forward pass
  int64_t every = 1;                             ///< validate every this many epochs
  Selection selection = Selection::kKendallTau;  ///< what chooses the best checkpoint
  SelectionSplit selection_split = SelectionSplit::kValidation;
};

struct RunConfig {
  std::string name;          ///< run name; defaults to the config file's stem
  std::string dir = "runs";  ///< run folders go to <dir>/<name>
  int64_t seed = 0;          ///< fixes splits, initialisation, shuffling, dropout
  DeviceSetting device = DeviceSetting::kAuto;  ///< auto | cpu | cuda
  int64_t threads = 0;                          ///< intra-op threads; 0 = all cores
  LogLevel log_level = LogLevel::kInfo;         ///< debug | info | warn
};

struct Config {
  DataConfig data;
  ModelConfig model;
  BaselineConfig baseline;
  TrainConfig train;
  EvalConfig eval;
  RunConfig run;
  std::string source_file;  ///< the YAML this was loaded from ("" for defaults)

  /// Folder of this run: <run.dir>/<run.name>.
  std::string run_dir() const;
};

/// Loads a YAML config file and applies `--set key.path=value` overrides in order.
/// Throws ConfigError naming the file and key for malformed YAML, unknown keys, wrong types,
/// out-of-range values and inconsistent combinations.
Config load_config(const std::string& path, const std::vector<std::string>& overrides = {});

/// Applies one "key.path=value" override to an already loaded config, then re-validates.
void apply_override(Config& config, const std::string& assignment);

/// The whole resolved config as YAML text (every key, defaults included).
std::string to_yaml(const Config& config);

/// Checks cross-field consistency. Throws ConfigError.
void validate(const Config& config);

/// True for model.kind linear, mlp, gbdt and rescale.
bool is_baseline(const ModelConfig& model);
/// How many settings the grid of the config's baseline kind has (1 for narformer, rescale).
int64_t baseline_grid_size(const Config& config);

}  // namespace narformer
