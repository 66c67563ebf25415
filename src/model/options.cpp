#include "narformer/model/options.h"

#include "narformer/config/config.h"

namespace narformer {

ModelOptions ModelOptions::nnlqp_latency() {
  ModelOptions o;
  o.input_dim = 152;
  o.static_dim = 40;
  o.blocks = 2;
  o.readout = &sum_readout();
  return o;
}

ModelOptions ModelOptions::from_config(const ModelConfig& config, int64_t input_dim,
                                       int64_t static_dim) {
  ModelOptions o;
  o.input_dim = input_dim;
  o.static_dim = static_dim;
  o.hidden = config.hidden;
  o.blocks = config.blocks;
  o.ffn_hidden = config.ffn_hidden;
  o.ffn_groups = config.ffn_groups;
  o.dropout = config.dropout;
  o.use_degree = config.use_degree;
  o.layer_scale_init = config.layer_scale_init;
  o.readout = &find_readout(config.readout);
  o.correction_starts_at_one = config.prior != Prior::kNone;
  o.packing = config.packing;
  return o;
}

}  // namespace narformer
