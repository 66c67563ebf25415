#pragma once
// Every closed set of values a config file may spell, as an enumeration with its spellings.
// The config layer turns the YAML word into the enum once (ConfigSchema::add takes the
// spellings as the key's choices); to_string gives the word back for logs, JSON and
// config.yaml; no other code compares option strings.
//
// Open sets stay strings because users extend them with a registry line: data.dataset
// (config/datasets.h) and model.readout (model/readouts.h).

#include <string>
#include <utility>
#include <vector>

#include "narformer/eval/metrics.h"
#include "narformer/onnx/compat.h"

namespace narformer {

/// A value's spellings, in the order the schema lists them as choices.
template <typename E>
using Spellings = std::vector<std::pair<E, std::string>>;

/// data.protocol: how the items are split (data/split.h, data/latency_split.h).
enum class Protocol {
  kReference,       ///< NAS-Bench: the published protocol (first n_train, next n_val)
  kHoldout,         ///< a seeded random split; test never used for selection
  kStage,           ///< latency lines: the file's stage column
  kLeaveFamilyOut,  ///< latency lines: one model family is the test set
  kAll,             ///< latency lines: every line trains (a shipped predictor; no test set)
};

/// data.tokenizer.embed: the sinusoidal embedder (tokenize/embedder.h).
enum class EmbedType { kNerf, kTrans };

/// data.tokenizer.opcode: how a cell token codes its operation (tokenize/cell_tokenizer.h).
enum class OpCode {
  kPositional,  ///< "pe": the op id through the embedder
  kOneHot,      ///< "onehot": one slot per operation
};

/// model.prior: what the network's prediction multiplies.
enum class Prior {
  kNone,
  kLinear,  ///< cells: the linear baseline fitted on the training split
};

/// model.packing: how the encoder lays out a batch of graphs of different sizes.
enum class NodePacking {
  kAuto,    ///< packed when a batch of large graphs is mostly padding (model/packed_nodes.h)
  kPacked,  ///< real nodes only, graph after graph; attention per graph
  kPadded,  ///< every graph padded to the batch's largest (one batched product per layer)
};

/// model.kind: the Transformer or a baseline (baseline/baseline_model.h).
enum class ModelKind {
  kNarformer,
  kLinear,   ///< least squares on flat features
  kMlp,      ///< an MLP on flat features
  kGbdt,     ///< gradient-boosted trees (XGBoost)
  kRescale,  ///< transfer: train.init_from's predictions times a fitted factor
};

/// baseline.features: the flat features a baseline reads (baseline/features.h).
enum class FeaturesSetting {
  kAuto,      ///< linear: encoding; mlp and gbdt: graph
  kEncoding,  ///< the (edge, op) one-hot, or ONNX cost columns
  kGraph,     ///< GRAF-style graph features
};

/// baseline.loss: what a baseline minimises.
enum class LossSetting {
  kAuto,      ///< relative when eval.selection is mape, squared otherwise
  kRelative,  ///< relative error (latency)
  kSquared,   ///< squared error (accuracy)
};

/// baseline.linear.sign: whether the linear model's weights may be negative.
enum class LinearSign {
  kAuto,         ///< ONNX graphs: non_negative (work costs time), cells: free
  kFree,         ///< any sign
  kNonNegative,  ///< every weight >= 0
};

/// baseline.rescale.statistic: the transfer factor from measured / source-predicted ratios.
enum class RescaleStatistic { kMedian, kMean };

/// train.consistency: the units of the consistency loss (train/losses.h).
enum class ConsistencyScale {
  kAbsolute,  ///< label units, as published (accuracies in [0, 1])
  kRelative,  ///< divided by the label: a share, like the relative-error main loss
};

/// eval.selection_split: which split chooses the best checkpoint.
enum class SelectionSplit {
  kValidation,  ///< "val"
  kTest,        ///< "test": only to reproduce published tables that select on test
};

/// run.device: where LibTorch runs (runtime/device.h).
enum class DeviceSetting {
  kAuto,  ///< cuda when LibTorch sees a GPU, else cpu
  kCpu,
  kCuda,
};

/// run.log_level: the least severe message logged.
enum class LogLevel { kDebug, kInfo, kWarn };

/// The config spelling of each value (the schema's choices, error messages, config.yaml).
/// data.tokenizer.compat is onnx/compat.h's OnnxCompat, spelled by onnx_compat_names().
const Spellings<Protocol>& protocol_names();
const Spellings<EmbedType>& embed_type_names();
const Spellings<OpCode>& opcode_names();
const Spellings<ModelKind>& model_kind_names();
const Spellings<Prior>& prior_names();
const Spellings<NodePacking>& node_packing_names();
const Spellings<FeaturesSetting>& features_setting_names();
const Spellings<LossSetting>& loss_setting_names();
const Spellings<LinearSign>& linear_sign_names();
const Spellings<RescaleStatistic>& rescale_statistic_names();
const Spellings<ConsistencyScale>& consistency_scale_names();
const Spellings<Selection>& selection_names();
const Spellings<SelectionSplit>& selection_split_names();
const Spellings<DeviceSetting>& device_setting_names();
const Spellings<LogLevel>& log_level_names();

std::string to_string(Protocol value);
std::string to_string(EmbedType value);
std::string to_string(OpCode value);
std::string to_string(ModelKind value);
std::string to_string(Prior value);
std::string to_string(NodePacking value);
std::string to_string(FeaturesSetting value);
std::string to_string(LossSetting value);
std::string to_string(LinearSign value);
std::string to_string(RescaleStatistic value);
std::string to_string(ConsistencyScale value);
std::string to_string(Selection value);
std::string to_string(SelectionSplit value);
std::string to_string(DeviceSetting value);
std::string to_string(LogLevel value);

/// The value spelled `text` (outside a config file: CLI flags, library options). Throws
/// ConfigError naming `what` and the choices otherwise.
EmbedType parse_embed_type(const std::string& text, const std::string& what = "embedding type");
DeviceSetting parse_device_setting(const std::string& text, const std::string& what = "device");
LogLevel parse_log_level(const std::string& text, const std::string& what = "log level");

}  // namespace narformer
