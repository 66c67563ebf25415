#include "narformer/config/config.h"

#include <filesystem>
#include <limits>

#include <yaml-cpp/yaml.h>

#include "narformer/config/config_schema.h"
#include "narformer/core/error.h"

namespace narformer {

namespace {

constexpr int64_t kMaxInt = std::numeric_limits<int32_t>::max();

/// The one place every configuration key is declared, with its range.
ConfigSchema bind_config(Config& c, const std::string& origin) {
  ConfigSchema s(origin);
  // data
  s.add("data.dataset", &c.data.dataset, {"nb201", "nb101", "nnlqp"});
  s.add("data.path", &c.data.path);
  s.add("data.arch_column", &c.data.arch_column);
  s.add("data.adjacency_column", &c.data.adjacency_column);
  s.add("data.ops_column", &c.data.ops_column);
  s.add("data.train_label", &c.data.train_label);
  s.add("data.eval_label", &c.data.eval_label);
  s.add("data.label_scale", &c.data.label_scale, 1e-12, 1e12);
  s.add("data.protocol", &c.data.protocol, {"reference", "holdout", "stage", "leave_family_out"});
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
  s.add("data.tokenizer.embed", &c.data.tokenizer.embed, {"nerf", "trans"});
  s.add("data.tokenizer.opcode", &c.data.tokenizer.opcode, {"pe", "onehot"});
  s.add("data.tokenizer.dx", &c.data.tokenizer.dx, 1, 4096);
  s.add("data.tokenizer.dp", &c.data.tokenizer.dp, 0, 4096);
  s.add("data.tokenizer.compat", &c.data.tokenizer.compat, {"corrected", "reference"});
  // model
  s.add("model.blocks", &c.model.blocks, 1, 64);
  s.add("model.hidden", &c.model.hidden, 1, 65536);
  s.add("model.ffn_hidden", &c.model.ffn_hidden, 1, 262144);
  s.add("model.ffn_groups", &c.model.ffn_groups, 1, 1024);
  s.add("model.dropout", &c.model.dropout, 0.0, 0.99);
  s.add("model.use_degree", &c.model.use_degree);
  s.add("model.layer_scale_init", &c.model.layer_scale_init, 0.0, 10.0);
  s.add("model.readout", &c.model.readout, {"fusion", "mean", "sum", "cost"});
  // train
  s.add("train.epochs", &c.train.epochs, 1, 10000000);
  s.add("train.batch_size", &c.train.batch_size, 1, 1000000);
  s.add("train.lr", &c.train.lr, 0.0, 10.0);
  s.add("train.warmup_ratio", &c.train.warmup_ratio, 0.0, 1.0);
  s.add("train.lambda_sr", &c.train.lambda_sr, 0.0, 1e6);
  s.add("train.lambda_cons", &c.train.lambda_cons, 0.0, 1e6);
  s.add("train.grad_clip", &c.train.grad_clip, 0.0, 1e6);
  s.add("train.length_buckets", &c.train.length_buckets, 0, 1000000);
  s.add("train.family_offsets", &c.train.family_offsets);
  s.add("train.init_from", &c.train.init_from);
  // eval
  s.add("eval.batch_size", &c.eval.batch_size, 1, 10000000);
  s.add("eval.every", &c.eval.every, 1, 10000000);
  s.add("eval.selection", &c.eval.selection, {"kendall_tau", "mape"});
  s.add("eval.selection_split", &c.eval.selection_split, {"val", "test"});
  // run
  s.add("run.name", &c.run.name);
  s.add("run.dir", &c.run.dir);
  s.add("run.seed", &c.run.seed, 0, std::numeric_limits<int64_t>::max());
  s.add("run.device", &c.run.device, {"auto", "cpu", "cuda"});
  s.add("run.threads", &c.run.threads, 0, 4096);
  s.add("run.log_level", &c.run.log_level, {"debug", "info", "warn"});
  return s;
}

}  // namespace

std::string Config::run_dir() const {
  return (std::filesystem::path(run.dir) / run.name).string();
}

void validate(const Config& c) {
  const std::string origin = c.source_file;
  auto fail = [&](const std::string& message) { throw ConfigError(with_file(origin, message)); };
  if (c.model.hidden % c.model.ffn_groups != 0)
    fail("model.hidden (" + std::to_string(c.model.hidden) + ") must be divisible by model.ffn_groups (" +
         std::to_string(c.model.ffn_groups) + ")");
  if (c.model.ffn_hidden % c.model.ffn_groups != 0)
    fail("model.ffn_hidden (" + std::to_string(c.model.ffn_hidden) +
         ") must be divisible by model.ffn_groups (" + std::to_string(c.model.ffn_groups) + ")");
  if (c.data.tokenizer.opcode == "onehot") {
    const int64_t needed = c.data.dataset == "nb201" ? 7 : 5;
    if (c.data.tokenizer.dx < needed)
      fail("data.tokenizer.dx must be at least " + std::to_string(needed) + " for one-hot op codes of " +
           c.data.dataset + " (one slot per operation)");
  }
  const bool latency = c.data.dataset == "nnlqp";
  if (latency && c.data.protocol == "reference")
    fail("data.protocol 'reference' is for NAS-Bench tables; latency data uses stage, leave_family_out or holdout");
  if (!latency && (c.data.protocol == "stage" || c.data.protocol == "leave_family_out"))
    fail("data.protocol '" + c.data.protocol + "' needs a latency dataset (data.dataset: nnlqp)");
  if (!latency && c.model.readout == "cost")
    fail("model.readout 'cost' needs ONNX graphs (data.dataset: nnlqp): NAS-Bench cells carry no FLOPs or memory");
  if (!latency && !c.data.extra_train.empty())
    fail("data.extra_train adds latency lines (gt.txt layout): it needs data.dataset: nnlqp");
  if (c.data.protocol == "leave_family_out" && c.data.test_family.empty())
    fail("data.protocol leave_family_out needs data.test_family");
  if (c.run.name.empty()) fail("run.name is empty");
  if (c.run.name.find('/') != std::string::npos) fail("run.name must not contain '/': use run.dir for folders");
}

Config load_config(const std::string& path, const std::vector<std::string>& overrides) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw ConfigError(with_file(path, "config file not found"));
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    throw ConfigError(with_file(path, "malformed YAML at line " + std::to_string(e.mark.line + 1) +
                                          ", column " + std::to_string(e.mark.column + 1) + ": " + e.msg));
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
