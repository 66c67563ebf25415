#include "narformer/model/encoder.h"

#include "narformer/model/dropout.h"
#include "narformer/model/packed_nodes.h"

namespace narformer {

EncoderBlockImpl::EncoderBlockImpl(int64_t in_dim, const ModelOptions& options)
    : dropout_(options.dropout) {
  attention_ =
      register_module("attention", GraphAttention(in_dim, options.hidden, options.use_degree));
  norm_ =
      register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({options.hidden})));
  ffn_ = register_module("ffn", GroupedFeedForward(options.hidden, options.ffn_hidden,
                                                   options.ffn_groups, options.dropout));
  layer_scale_ =
      register_parameter("layer_scale", torch::full({options.hidden}, options.layer_scale_init));
}

torch::Tensor EncoderBlockImpl::forward(const torch::Tensor& x, const Neighbourhoods& graphs,
                                        const torch::Tensor& degree) {
  torch::Tensor h = torch::relu(attention_(x, graphs, degree));
  h = fast_dropout(h, dropout_, is_training());
  return h + layer_scale_ * ffn_(norm_(h));
}

EncoderImpl::EncoderImpl(const ModelOptions& options) : packing(options.packing) {
  for (int64_t l = 0; l < options.blocks; ++l) {
    const int64_t in_dim = l == 0 ? options.input_dim : options.hidden;
    blocks_.push_back(register_module("block" + std::to_string(l), EncoderBlock(in_dim, options)));
  }
}

std::vector<torch::Tensor> EncoderImpl::forward(const torch::Tensor& x,
                                                const torch::Tensor& adjacency,
                                                const torch::Tensor& mask) {
  const torch::Tensor degree = adjacency.sum(-1, /*keepdim=*/true);
  if (!PackedNodes::may_pack(packing, mask))
    return run_blocks(x, Neighbourhoods{adjacency, {}, {}}, degree);
  const PackedNodes nodes(mask);
  if (!nodes.worth_it(packing)) return run_blocks(x, Neighbourhoods{adjacency, {}, {}}, degree);
  const ScopedBatchRows rows(nodes.dropout_rows(current_batch_rows()));
  std::vector<torch::Tensor> outputs =
      run_blocks(nodes.pack(x), nodes.neighbourhoods(adjacency), nodes.pack(degree));
  for (torch::Tensor& h : outputs) h = nodes.unpack(h);
  return outputs;
}

std::vector<torch::Tensor> EncoderImpl::run_blocks(const torch::Tensor& x,
                                                   const Neighbourhoods& graphs,
                                                   const torch::Tensor& degree) {
  std::vector<torch::Tensor> outputs;
  outputs.reserve(blocks_.size());
  torch::Tensor h = x;
  for (auto& block : blocks_) {
    h = block(h, graphs, degree);
    outputs.push_back(h);
  }
  return outputs;
}

}  // namespace narformer
