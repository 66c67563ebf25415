#pragma once
// The built-in readouts and heads, LibTorch-free (private to src/torch_free/; lite_parts.cpp lists
// them). Each mirrors its LibTorch twin in src/model/readout_modules.cpp / head_modules.cpp.

#include <memory>

#include "narformer/torch_free/lite_parts.h"

namespace narformer::lite {

std::unique_ptr<LiteReadout> make_fusion_readout(const WeightFile& weights,
                                                 const ModelOptions& options,
                                                 const std::string& source);
std::unique_ptr<LiteReadout> make_mean_readout(const WeightFile& weights,
                                               const ModelOptions& options,
                                               const std::string& source);
std::unique_ptr<LiteReadout> make_sum_readout(const WeightFile& weights,
                                              const ModelOptions& options,
                                              const std::string& source);

std::unique_ptr<LiteHead> make_graph_mlp_head(const WeightFile& weights,
                                              const ModelOptions& options,
                                              const std::string& source);
std::unique_ptr<LiteHead> make_node_cost_head(const WeightFile& weights,
                                              const ModelOptions& options,
                                              const std::string& source);

}  // namespace narformer::lite
