#pragma once
// The readouts and heads a model can have, each declared once, here: its config name, what it
// needs, and the arrays it adds to the model with their names and shapes. That declaration is
// the contract of its two implementations, LibTorch (model/model_parts.h) and LibTorch-free
// (torch_free/lite_parts.h): both create or read exactly these arrays, and the parity test
// (tests/torch_free/parts_parity_test.cpp) checks every registered readout against the declaration
// and the two implementations against each other.
//
//   readout: the encoder's node vectors, per block -> one graph vector (model.hidden wide)
//   head:    that vector (and the batch: static features, node costs) -> a positive prediction
//
// The lists are explicit (a static initialiser would be dropped from a static library by the
// linker). A readout of one's own is added at run time with register_readout
// (model/model_parts.h), which takes the declaration and both implementations in one call;
// tests/torch_free/toy_readout_test.cpp does exactly that. No LibTorch here: configs are validated
// and the LibTorch-free predictor is built from these declarations.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace narformer {

struct ModelOptions;
struct WeightFile;
class LiteReadout;

/// One array of a readout or head: its name in checkpoints and weight files (top level of the
/// model, e.g. "head1.weight") and its shape for the given options.
struct ParameterShape {
  std::string name;
  std::vector<int64_t> shape;
};

/// A head: turns the graph vector into the prediction, one output per platform (num_heads).
struct HeadSpec {
  std::string name;
  std::string summary;
  /// Whether it prices each node's work (token node costs, ONNX graphs only).
  bool needs_node_costs = false;
  /// The width of the graph representation it reads and embed() returns.
  int64_t (*embedding_dim)(const ModelOptions&) = nullptr;
  /// Its arrays (trainable parameters and buffers).
  std::vector<ParameterShape> (*parameters)(const ModelOptions&) = nullptr;
};

/// A readout: model.readout's values.
struct ReadoutSpec {
  std::string name;
  std::string summary;
  const HeadSpec* head = nullptr;  ///< the head its graph vector feeds
  /// Its arrays (the model creates them before the head's).
  std::vector<ParameterShape> (*parameters)(const ModelOptions&) = nullptr;
};

/// The built-in heads and readouts (NAR-Former V2's and ours).
const HeadSpec& graph_mlp_head();  ///< [graph ; static branch] -> 3-layer MLP -> softplus(−z)
const HeadSpec& node_cost_head();  ///< Σ_nodes fitted rates · learned correction · node costs
const ReadoutSpec& fusion_readout();
const ReadoutSpec& mean_readout();
const ReadoutSpec& sum_readout();
const ReadoutSpec& cost_readout();

/// Every registered readout, built-ins first (their order is frozen: checkpoints record a
/// readout's position, see readout_index).
const std::vector<const ReadoutSpec*>& readouts();
std::vector<std::string> readout_names();
/// The readout registered under `name`; ConfigError naming the registered ones otherwise.
const ReadoutSpec& find_readout(const std::string& name);
/// Its position in readouts(): what checkpoints and weight files record of the readout.
int64_t readout_index(const ReadoutSpec& readout);

/// Adds a readout (and its head, when that is new) to the lists; ConfigError for a name taken.
/// The returned reference stays valid for the life of the process. Use register_readout
/// (model/model_parts.h) to add the implementations with it.
const ReadoutSpec& add_readout_spec(ReadoutSpec spec);

/// Builds a readout's LibTorch-free implementation (torch_free/lite_parts.h) from a run's weights.
/// Declared here, with the readouts, so that registering one needs no LibTorch-free header.
using MakeLiteReadout = std::function<std::unique_ptr<LiteReadout>(
    const WeightFile& weights, const ModelOptions& options, const std::string& source)>;

/// Keeps the LibTorch-free implementation of a readout added at run time (register_readout in
/// model/model_parts.h calls this with the rest); ConfigError when `name` has one already.
void add_lite_readout(const std::string& name, MakeLiteReadout make);
/// The one added for `name`, or nullptr (the built-ins' are listed in
/// src/torch_free/lite_parts.cpp).
const MakeLiteReadout* added_lite_readout(const std::string& name);

/// Every array a readout and its head add: the declared contract.
std::vector<ParameterShape> declared_parameters(const ReadoutSpec& readout,
                                                const ModelOptions& options);

}  // namespace narformer
