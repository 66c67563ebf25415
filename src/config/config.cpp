#include "narformer/config/config.h"

#include <algorithm>
#include <filesystem>
#include <initializer_list>
#include <limits>

#include <yaml-cpp/yaml.h>

#include "narformer/config/config_schema.h"
#include "narformer/config/datasets.h"
#include "narformer/core/error.h"
#include "narformer/model/readouts.h"

namespace narformer {

namespace {

constexpr int64_t kMaxInt = std::numeric_limits<int32_t>::max();

/// The one place every configuration key is declared, with its range.
ConfigSchema bind_config(Config& c, const std::string& origin) {
  ConfigSchema s(origin);
  // data
  s.add("data.dataset", &c.data.dataset, dataset_names());
  s.add("data.path", &c.data.path);
  s.add("data.arch_column", &c.data.arch_column);
  s.add("data.adjacency_column", &c.data.adjacency_column);
  s.add("data.ops_column", &c.data.ops_column);
  s.add("data.train_label", &c.data.train_label);
  s.add("data.eval_label", &c.data.eval_label);
  s.add("data.labels", &c.data.labels);
  s.add("data.label_scale", &c.data.label_scale, 1e-12, 1e12);
  s.add("data.protocol", &c.data.protocol, protocol_names());
  s.add("data.n_train", &c.data.n_train, 1, kMaxInt);
  s.add("data.n_val", &c.data.n_val, 1, kMaxInt);
  s.add("data.n_test", &c.data.n_test, 0, kMaxInt);
  s.add("data.onnx_root", &c.data.onnx_root);
  s.add("data.families", &c.data.families);
  s.add("data.platforms", &c.data.platforms);
  s.add("data.test_family", &c.data.test_family);
  s.add("data.extra_train", &c.data.extra_train);
  s.add("data.extra_train_fits_cost_model", &c.data.extra_train_fits_cost_model);
  s.add("data.val_fraction", &c.data.val_fraction, 0.0, 0.9);
  s.add("data.train_limit", &c.data.train_limit, 0, kMaxInt);
  s.add("data.batch_size_override", &c.data.batch_size_override, 0, 1 << 20);
  s.add("data.cache_dir", &c.data.cache_dir);
  s.add("data.tokenizer.embed", &c.data.tokenizer.embed, embed_type_names());
  s.add("data.tokenizer.opcode", &c.data.tokenizer.opcode, opcode_names());
  s.add("data.tokenizer.dx", &c.data.tokenizer.dx, 1, 4096);
  s.add("data.tokenizer.dp", &c.data.tokenizer.dp, 0, 4096);
  s.add("data.tokenizer.compat", &c.data.tokenizer.compat, onnx_compat_names());
  s.add("data.tokenizer.prune_dead", &c.data.tokenizer.prune_dead);
  // model
  s.add("model.kind", &c.model.kind, model_kind_names());
  s.add("model.blocks", &c.model.blocks, 1, 64);
  s.add("model.hidden", &c.model.hidden, 1, 65536);
  s.add("model.ffn_hidden", &c.model.ffn_hidden, 1, 262144);
  s.add("model.ffn_groups", &c.model.ffn_groups, 1, 1024);
  s.add("model.dropout", &c.model.dropout, 0.0, 0.99);
  s.add("model.use_degree", &c.model.use_degree);
  s.add("model.layer_scale_init", &c.model.layer_scale_init, 0.0, 10.0);
  s.add("model.readout", &c.model.readout, readout_names());
  s.add("model.prior", &c.model.prior, prior_names());
  s.add("model.packing", &c.model.packing, node_packing_names());
  // baseline grids
  s.add("baseline.features", &c.baseline.features, features_setting_names());
  s.add("baseline.loss", &c.baseline.loss, loss_setting_names());
  s.add("baseline.linear.ridge", &c.baseline.linear_ridge, 0.0, 1e6);
  s.add("baseline.linear.sign", &c.baseline.linear_sign, linear_sign_names());
  s.add("baseline.mlp.hidden", &c.baseline.mlp_hidden, 1, 65536);
  s.add("baseline.mlp.layers", &c.baseline.mlp_layers, 1, 16);
  s.add("baseline.mlp.lr", &c.baseline.mlp_lr, 1e-8, 10.0);
  s.add("baseline.mlp.weight_decay", &c.baseline.mlp_weight_decay, 0.0, 10.0);
  s.add("baseline.mlp.epochs", &c.baseline.mlp_epochs, 1, 1000000);
  s.add("baseline.mlp.batch_size", &c.baseline.mlp_batch_size, 1, 1000000);
  s.add("baseline.gbdt.max_depth", &c.baseline.gbdt_max_depth, 1, 20);
  s.add("baseline.gbdt.eta", &c.baseline.gbdt_eta, 1e-6, 1.0);
  s.add("baseline.gbdt.min_child_weight", &c.baseline.gbdt_min_child_weight, 0.0, 1e6);
  s.add("baseline.gbdt.subsample", &c.baseline.gbdt_subsample, 0.01, 1.0);
  s.add("baseline.gbdt.colsample", &c.baseline.gbdt_colsample, 0.01, 1.0);
  s.add("baseline.gbdt.max_rounds", &c.baseline.gbdt_max_rounds, 1, 1000000);
  s.add("baseline.gbdt.early_stopping", &c.baseline.gbdt_early_stopping, 1, 1000000);
  s.add("baseline.rescale.statistic", &c.baseline.rescale_statistic, rescale_statistic_names());
  // train
  s.add("train.epochs", &c.train.epochs, 1, 10000000);
  s.add("train.batch_size", &c.train.batch_size, 1, 1000000);
  s.add("train.lr", &c.train.lr, 0.0, 10.0);
  s.add("train.warmup_ratio", &c.train.warmup_ratio, 0.0, 1.0);
  s.add("train.lambda_sr", &c.train.lambda_sr, 0.0, 1e6);
  s.add("train.lambda_cons", &c.train.lambda_cons, 0.0, 1e6);
  s.add("train.consistency", &c.train.consistency, consistency_scale_names());
  s.add("train.grad_clip", &c.train.grad_clip, 0.0, 1e6);
  s.add("train.length_buckets", &c.train.length_buckets, 0, 1000000);
  s.add("train.family_offsets", &c.train.family_offsets);
  s.add("train.init_from", &c.train.init_from);
  // eval
  s.add("eval.batch_size", &c.eval.batch_size, 1, 10000000);
  s.add("eval.every", &c.eval.every, 1, 10000000);
  s.add("eval.selection", &c.eval.selection, selection_names());
  s.add("eval.selection_split", &c.eval.selection_split, selection_split_names());
  // run
  s.add("run.name", &c.run.name);
  s.add("run.dir", &c.run.dir);
  s.add("run.seed", &c.run.seed, 0, std::numeric_limits<int64_t>::max());
  s.add("run.device", &c.run.device, device_setting_names());
  s.add("run.threads", &c.run.threads, 0, 4096);
  s.add("run.log_level", &c.run.log_level, log_level_names());
  return s;
}

int64_t product_of_sizes(std::initializer_list<size_t> sizes) {
  int64_t product = 1;
  for (size_t n : sizes) product *= static_cast<int64_t>(n);
  return product;
}

}  // namespace

bool is_baseline(const ModelConfig& model) {
  return model.kind != ModelKind::kNarformer;
}

int64_t baseline_grid_size(const Config& c) {
  const BaselineConfig& b = c.baseline;
  if (c.model.kind == ModelKind::kLinear) return product_of_sizes({b.linear_ridge.size()});
  if (c.model.kind == ModelKind::kMlp)
    return product_of_sizes(
        {b.mlp_hidden.size(), b.mlp_layers.size(), b.mlp_lr.size(), b.mlp_weight_decay.size()});
  if (c.model.kind == ModelKind::kGbdt)
    return product_of_sizes({b.gbdt_max_depth.size(), b.gbdt_eta.size(),
                             b.gbdt_min_child_weight.size(), b.gbdt_subsample.size(),
                             b.gbdt_colsample.size()});
  return 1;
}

std::string Config::run_dir() const {
  return (std::filesystem::path(run.dir) / run.name).string();
}

void validate(const Config& c) {
  const std::string origin = c.source_file;
  auto fail = [&](const std::string& message) { throw ConfigError(with_file(origin, message)); };
  if (c.model.hidden % c.model.ffn_groups != 0)
    fail("model.hidden (" + std::to_string(c.model.hidden) +
         ") must be divisible by model.ffn_groups (" + std::to_string(c.model.ffn_groups) + ")");
  if (c.model.ffn_hidden % c.model.ffn_groups != 0)
    fail("model.ffn_hidden (" + std::to_string(c.model.ffn_hidden) +
         ") must be divisible by model.ffn_groups (" + std::to_string(c.model.ffn_groups) + ")");
  const DatasetInfo& dataset = dataset_info(c.data.dataset);
  const bool latency = dataset.takes_onnx();
  if (c.data.tokenizer.opcode == OpCode::kOneHot && !latency) {
    const auto needed = static_cast<int64_t>(cell_op_names(dataset.space).size());
    if (c.data.tokenizer.dx < needed)
      fail("data.tokenizer.dx must be at least " + std::to_string(needed) +
           " for one-hot op codes of " + c.data.dataset + " (one slot per operation)");
  }
  if (c.data.tokenizer.prune_dead && (latency || dataset.space != CellSpace::kNasBench201))
    fail("data.tokenizer.prune_dead is for NAS-Bench-201 cells (data.dataset nb201); " +
         c.data.dataset +
         (latency ? " graphs have no dead edges to prune"
                  : " cells are pruned by their reader already"));
  const auto& protocols = dataset.protocols;
  if (std::find(protocols.begin(), protocols.end(), c.data.protocol) == protocols.end()) {
    std::string known;
    for (const Protocol p : protocols) known += (known.empty() ? "" : ", ") + to_string(p);
    fail("data.protocol '" + to_string(c.data.protocol) + "' is not one of data.dataset " +
         c.data.dataset + "'s protocols: " + known);
  }
  if (!latency && find_readout(c.model.readout).head->needs_node_costs)
    fail("model.readout '" + c.model.readout +
         "' needs ONNX graphs (data.dataset: nnlqp): NAS-Bench cells carry no FLOPs or memory");
  if (latency && c.model.prior != Prior::kNone)
    fail(
        "model.prior linear is for NAS-Bench cells; ONNX graphs have model.readout: cost (a linear "
        "model of their work)");
  if (latency && !c.data.labels.empty())
    fail("data.labels is for cell tables; latency lines name their platform in a column");
  if (!c.data.labels.empty() && c.model.prior != Prior::kNone)
    fail("model.prior linear fits one label; with data.labels (one head each) leave it at none");
  if (c.data.labels.size() > 1 && c.train.lambda_sr > 0 && c.model.kind == ModelKind::kNarformer)
    fail(
        "train.lambda_sr ranks a batch's items against each other; with several data.labels "
        "a batch mixes heads (devices), so set it to 0");
  if (!latency && !c.data.extra_train.empty())
    fail("data.extra_train adds latency lines (gt.txt layout): it needs data.dataset: nnlqp");
  if (c.data.protocol == Protocol::kLeaveFamilyOut && c.data.test_family.empty())
    fail("data.protocol leave_family_out needs data.test_family");
  if (is_baseline(c.model)) {
    const int64_t grid = baseline_grid_size(c);
    if (grid == 0)
      fail("the baseline." + to_string(c.model.kind) +
           " grid is empty: give every list at least one value");
    if (grid > 20)
      fail("the baseline." + to_string(c.model.kind) + " grid has " + std::to_string(grid) +
           " settings; at most 20 (a declared, small grid tuned on validation)");
    if (c.model.kind == ModelKind::kRescale && c.train.init_from.empty())
      fail(
          "model.kind rescale needs train.init_from: the source run whose predictions it rescales");
    if (c.train.family_offsets) fail("train.family_offsets is for model.kind narformer");
  }
  if (c.run.name.empty()) fail("run.name is empty");
  if (c.run.name.find('/') != std::string::npos)
    fail("run.name must not contain '/': use run.dir for folders");
}

Config load_config(const std::string& path, const std::vector<std::string>& overrides) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    throw ConfigError(with_file(path, "config file not found"));
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    throw ConfigError(with_file(path, "malformed YAML at line " + std::to_string(e.mark.line + 1) +
                                          ", column " + std::to_string(e.mark.column + 1) + ": " +
                                          e.msg));
  }
  Config config;
  config.source_file = path;
  config.run.name = std::filesystem::path(path).stem().string();
  const ConfigSchema schema = bind_config(config, path);
  schema.apply(root);
  for (const auto& assignment : overrides) schema.apply_assignment(assignment);
  validate(config);
  return config;
}

void apply_override(Config& config, const std::string& assignment) {
  bind_config(config, config.source_file).apply_assignment(assignment);
  validate(config);
}

std::string to_yaml(const Config& config) {
  Config copy = config;  // bind_config takes non-const pointers; emitting does not modify
  return bind_config(copy, config.source_file).emit_yaml();
}

}  // namespace narformer
