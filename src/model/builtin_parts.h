#pragma once
// The built-in readouts and heads, LibTorch side (private to src/model/; model_parts.cpp lists
// them). Each mirrors its LibTorch-free twin in src/torch_free/lite_readouts.cpp / lite_heads.cpp.

#include "narformer/model/model_parts.h"

namespace narformer::builtin {

std::unique_ptr<ReadoutModule> make_fusion_readout(torch::nn::Module& model,
                                                   const ModelOptions& options);
std::unique_ptr<ReadoutModule> make_mean_readout(torch::nn::Module& model,
                                                 const ModelOptions& options);
std::unique_ptr<ReadoutModule> make_sum_readout(torch::nn::Module& model,
                                                const ModelOptions& options);

std::unique_ptr<HeadModule> make_graph_mlp_head(torch::nn::Module& model,
                                                const ModelOptions& options);
std::unique_ptr<HeadModule> make_node_cost_head(torch::nn::Module& model,
                                                const ModelOptions& options);

}  // namespace narformer::builtin
