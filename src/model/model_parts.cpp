#include "narformer/model/model_parts.h"

#include <map>

#include "builtin_parts.h"
#include "narformer/core/error.h"

namespace narformer {

namespace {

/// Readout name -> builder: the built-ins, then those added by register_readout.
std::map<std::string, MakeReadoutModule>& readout_builders() {
  static std::map<std::string, MakeReadoutModule> builders = {
      {"fusion", builtin::make_fusion_readout},
      {"mean", builtin::make_mean_readout},
      {"sum", builtin::make_sum_readout},
      {"cost", builtin::make_sum_readout},  // pools as sum; its head prices the nodes
  };
  return builders;
}

}  // namespace

std::unique_ptr<ReadoutModule> make_readout_module(const ReadoutSpec& readout,
                                                   torch::nn::Module& model,
                                                   const ModelOptions& options) {
  const auto& builders = readout_builders();
  const auto it = builders.find(readout.name);
  if (it == builders.end())
    throw RunError("readout '" + readout.name + "' has no LibTorch implementation registered");
  return it->second(model, options);
}

std::unique_ptr<HeadModule> make_head_module(const HeadSpec& head, torch::nn::Module& model,
                                             const ModelOptions& options) {
  if (&head == &graph_mlp_head()) return builtin::make_graph_mlp_head(model, options);
  if (&head == &node_cost_head()) return builtin::make_node_cost_head(model, options);
  throw RunError("head '" + head.name + "' has no LibTorch implementation registered");
}

const ReadoutSpec& register_readout(ReadoutSpec spec, MakeReadoutModule torch_part,
                                    MakeLiteReadout lite_part) {
  const std::string name = spec.name;
  if (readout_builders().count(name))
    throw ConfigError("readout '" + name + "' is registered already");
  const ReadoutSpec& added = add_readout_spec(std::move(spec));
  readout_builders().emplace(name, std::move(torch_part));
  add_lite_readout(name, std::move(lite_part));
  return added;
}

}  // namespace narformer
