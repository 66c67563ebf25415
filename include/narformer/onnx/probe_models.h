#pragma once
// Built-in probe models: small ONNX graphs that hold every operator the importer treats in
// its own way, each with known shapes, so that what this build makes of them is a
// fingerprint of the importer, the cost formulas and the tokenizer.
//
// What the probes hold (src/onnx/probe_models.cpp has them as ONNX text):
//   op codes    all 28 of the tokenizer's table (onnx_tokenizer.h), Upsample at opset 9
//   costs       every kind of cost.h: dense, depthwise and 1x1 convolutions (with and without
//               bias), ConvTranspose, Gemm (transB), MatMul, BatchNormalization,
//               Instance/LayerNormalization, the three poolings, global poolings, Softmax and
//               LogSoftmax, reductions, Resize/Upsample (linear and nearest), variadic
//               Sum/Max/Min/Mean, element-wise arithmetic and activations
//   edge rules  weights as initializers and Constant outputs, optional inputs, a Dropout mask
//   folding     the Shape -> Gather -> Unsqueeze -> Concat -> Reshape chain of a torch export
//
// Whoever gives an operator new treatment (an op code, a cost formula, an edge rule, a folding
// rule) adds it here, so that the token cache's format version (tokenize/token_format.h)
// follows the change.

#include <string>
#include <vector>

namespace narformer {

struct ProbeModel {
  std::string name;   ///< for messages: "probe:<name>"
  std::string bytes;  ///< a serialized ONNX ModelProto
};

/// The probe models, built once per process (parsed from ONNX's text syntax; float weights
/// become zero-filled initializers). Throws std::logic_error if a probe does not parse.
const std::vector<ProbeModel>& probe_models();

}  // namespace narformer
