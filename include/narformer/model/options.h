#pragma once
// Sizes and switches of the NAR-Former V2 model (method.md §3.8). Plain struct, no LibTorch,
// so configs can be validated and reported without including the model.

#include <cstdint>
#include <string>

#include "narformer/config/choices.h"
#include "narformer/model/readouts.h"

namespace narformer {

struct ModelConfig;

struct ModelOptions {
  int64_t input_dim = 128;  ///< token width
  int64_t static_dim = 0;   ///< graph-level feature width; 0 = no static branch
  int64_t hidden = 512;
  int64_t blocks = 6;
  int64_t ffn_hidden = 2048;
  int64_t ffn_groups = 8;
  double dropout = 0.05;
  bool use_degree = true;
  double layer_scale_init = 1e-4;
  /// How node vectors become the prediction (model/readouts.h); never null.
  const ReadoutSpec* readout = &fusion_readout();
  /// model.prior: the output layer starts at zero, so the first prediction is the prior itself
  /// (a correction of exactly 1) and training departs from the linear model, as the cost
  /// readout does. Only the initialisation differs; checkpoints are the same shape.
  bool correction_starts_at_one = false;
  int64_t num_heads = 1;  ///< output heads, one per platform (NNLQP multi-platform)
  NodePacking packing = NodePacking::kAuto;  ///< the encoder's batch layout (packed_nodes.h)

  static ModelOptions from_config(const ModelConfig& config, int64_t input_dim, int64_t static_dim);
  /// NAR-Former V2's NNLQP latency model: 152-d ONNX tokens + 40 static features, 2 blocks,
  /// sum readout (the defaults above are the published NB201 cell model).
  static ModelOptions nnlqp_latency();
};

}  // namespace narformer
