#pragma once
// FLOPs, parameters and memory traffic of one ONNX operator (method.md §2.5).
//
// Units: FLOPs count a multiply-accumulate as 2 (torchvision's "GFLOPS" are MACs: resnet18
// 1.81 GMAC = 3.63 GFLOP here); parameters and memory are element counts.
//
// OnnxCompat::kReference reproduces the reference exactly (Appendix C totals):
//   Conv     prod(out[1:]) · (2·prod(W[1:]) − 1 + bias)        params W[0]·(prod(W[1:]) + bias)
//   Gemm     Co · (2·Ci − 1 + bias), (Ci, Co) = B's last dims  params Co·(Ci + bias)
//   Add Mul Sub Div Pow Sqrt Sigmoid Tanh ReduceMean   prod(out) (with batch)
//   BatchNormalization  4·prod(in)   params 4·C
//   GlobalAveragePool   prod(out[1:]) · in[3]/out[3]      AveragePool prod(out[1:])·prod(kernel)
//   Softmax  3·(rank // in[0]) − 1      Upsample linear 5, bicubic 259, trilinear 31 per output
//   Relu Reshape MaxPool Split Transpose Concat Flatten Cast Slice Clip: 0
//   memory = Σ prod(outputs) + params, only for the operators above; everything else
//   (MatMul: the reference's table says "Matmul") costs nothing.
//   Where the reference raised and dropped the graph (ConvTranspose, bilinear Upsample,
//   Upsample without mode, Softmax over a zero batch) the corrected formula is used instead.
//
// OnnxCompat::kCorrected (default) changes, and why:
//   batch     every FLOP count scales with the batch (the reference multiplies Conv and Gemm
//             by 1 but element-wise ops by b, so b = 4 was not 4× the work).
//   params    every floating-point weight tensor (more than one element) counted once, at the
//             first operator that reads it, whatever that operator is: LayerNorm scales in
//             Mul/Add, class tokens in Concat, position embeddings in Add count too; except
//             BatchNormalization's running mean and variance (statistics). This equals
//             PyTorch's sum(p.numel() for p in model.parameters()) for torchvision exports.
//             (The reference counted Conv, Gemm and 4 per BN channel only.)
//   Conv      prod(out) · (2·prod(W[1:]) − 1 + bias).
//   ConvTranspose  2·prod(in)·prod(W[1:]) + bias·prod(out) (the reference crashed).
//   Gemm      M·N·(2K − 1 + bias) from the real A/B shapes (transA/transB honoured).
//   MatMul    prod(out)·(2K − 1) (the reference misspelled it and counted nothing, so
//             transformers had almost no FLOPs).
//   BatchNormalization  2·prod(in) (inference: per-channel scale and shift).
//   GlobalAveragePool/GlobalMaxPool  prod(in) (the reference ignored the input height).
//   AveragePool/MaxPool  prod(out)·prod(kernel) (MaxPool was free).
//   Softmax/LogSoftmax   3·prod(in) (exp, sum, divide; the reference formula was meaningless).
//   ReduceMean and other reductions  prod(in) (every input element is read once).
//   Element-wise ops (arithmetic, activations incl. Relu, Clip, HardSigmoid, HardSwish, Erf,
//             comparisons)  1 per output element; variadic Sum/Max/Min/Mean (n−1) per element.
//   LayerNormalization/InstanceNormalization/GroupNormalization  7·prod(in).
//   Resize/Upsample  nearest 0; linear 5/11/31 per output element for 1/2/3 interpolated
//             axes; cubic 259 (the reference's constants, with batch).
//   memory    Σ prod(outputs) + Σ prod(constant inputs) for every operator (the reference
//             skipped unlisted ones), so Concat, Pad, MatMul, ... move data too. Constant
//             producers (Constant, weight ConstantOfShape) cost nothing.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "narformer/graph/graph.h"
#include "narformer/onnx/compat.h"

namespace narformer {

using Shape = std::vector<int64_t>;

/// What the cost model needs to know about one operator. Shapes include the batch dimension;
/// a null pointer means "absent or unknown" (a known scalar is an empty Shape).
struct OperatorShapes {
  std::string op_type;
  const std::map<std::string, Attribute>* attributes = nullptr;
  int num_inputs = 0;                   ///< length of the ONNX input list (bias test)
  std::vector<const Shape*> inputs;     ///< by input slot
  std::vector<bool> input_is_constant;  ///< initializer / Constant (weights), by input slot
  /// Corrected compat: a floating-point constant with more than one element that no earlier
  /// operator read (a weight counted once, even when shared); by input slot.
  std::vector<bool> input_is_parameter;
  std::vector<const Shape*> outputs;  ///< by output slot
};

/// Cost of one operator under the chosen formulas. Never throws: unknown shapes and
/// operators contribute 0.
Cost operator_cost(const OperatorShapes& op, OnnxCompat compat);

}  // namespace narformer
