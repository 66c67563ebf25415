#include "op_rules.h"

#include <unordered_map>

namespace narformer::onnx_import {

namespace {

constexpr uint32_t slot(int i) {
  return 1u << i;
}

const std::unordered_map<std::string_view, OpRule>& rules() {
  static const std::unordered_map<std::string_view, OpRule> table = [] {
    std::unordered_map<std::string_view, OpRule> t;
    const OpRule first{slot(0), 0, false, true};
    const OpRule first_two{slot(0) | slot(1), 0, false, true};
    const OpRule all{0, 0, true, true};
    const OpRule none{0, 0, false, true};

    // Generators: no inputs are edges.
    for (const char* op : {"Constant", "RandomNormal", "RandomUniform", "SequenceEmpty"})
      t.emplace(op, none);

    // Unary element-wise, activations, pooling, shape ops, reductions with attribute axes.
    for (const char* op : {"Abs",
                           "Acos",
                           "Acosh",
                           "Asin",
                           "Asinh",
                           "Atan",
                           "Atanh",
                           "ArgMax",
                           "ArgMin",
                           "AveragePool",
                           "Bernoulli",
                           "Cast",
                           "Ceil",
                           "Celu",
                           "ConcatFromSequence",
                           "ConstantOfShape",
                           "Cos",
                           "Cosh",
                           "DepthToSpace",
                           "Det",
                           "DynamicQuantizeLinear",
                           "Elu",
                           "Erf",
                           "Exp",
                           "EyeLike",
                           "Flatten",
                           "Floor",
                           "Gelu",
                           "GlobalAveragePool",
                           "GlobalLpPool",
                           "GlobalMaxPool",
                           "HardSigmoid",
                           "HardSwish",
                           "Hardmax",
                           "Identity",
                           "If",
                           "IsInf",
                           "IsNaN",
                           "LRN",
                           "LeakyRelu",
                           "Log",
                           "LogSoftmax",
                           "LpNormalization",
                           "LpPool",
                           "MaxPool",
                           "MeanVarianceNormalization",
                           "Mish",
                           "Multinomial",
                           "Neg",
                           "NonZero",
                           "Not",
                           "RandomNormalLike",
                           "RandomUniformLike",
                           "Reciprocal",
                           "ReduceL1",
                           "ReduceL2",
                           "ReduceLogSum",
                           "ReduceLogSumExp",
                           "ReduceMax",
                           "ReduceMean",
                           "ReduceMin",
                           "ReduceProd",
                           "ReduceSumSquare",
                           "Relu",
                           "Round",
                           "Selu",
                           "SequenceLength",
                           "Shape",
                           "Shrink",
                           "Sigmoid",
                           "Sign",
                           "Sin",
                           "Sinh",
                           "Size",
                           "Softmax",
                           "Softplus",
                           "Softsign",
                           "SpaceToDepth",
                           "Sqrt",
                           "StringNormalizer",
                           "Tan",
                           "Tanh",
                           "TfIdfVectorizer",
                           "ThresholdedRelu",
                           "Transpose",
                           "Unique"})
      t.emplace(op, first);

    // Binary.
    for (const char* op : {"Add",
                           "And",
                           "BitShift",
                           "CastLike",
                           "Compress",
                           "CumSum",
                           "Div",
                           "Equal",
                           "Expand",
                           "Gather",
                           "GatherElements",
                           "GatherND",
                           "Greater",
                           "GreaterOrEqual",
                           "Less",
                           "LessOrEqual",
                           "MatMul",
                           "MaxRoiPool",
                           "Mod",
                           "Mul",
                           "Or",
                           "PRelu",
                           "Pow",
                           "ReverseSequence",
                           "SequenceAt",
                           "Sub",
                           "Xor"})
      t.emplace(op, first_two);

    // Variadic and optional-input operators: every present slot.
    for (const char* op : {"Clip",
                           "Concat",
                           "DequantizeLinear",
                           "Dropout",
                           "Einsum",
                           "GRU",
                           "LSTM",
                           "Loop",
                           "MatMulInteger",
                           "Max",
                           "MaxUnpool",
                           "Mean",
                           "Min",
                           "NegativeLogLikelihoodLoss",
                           "NonMaxSuppression",
                           "OneHot",
                           "Pad",
                           "QLinearMatMul",
                           "QuantizeLinear",
                           "RNN",
                           "Range",
                           "ReduceSum",
                           "Resize",
                           "RoiAlign",
                           "Scan",
                           "Scatter",
                           "ScatterElements",
                           "ScatterND",
                           "SequenceConstruct",
                           "SequenceErase",
                           "SequenceInsert",
                           "Slice",
                           "SoftmaxCrossEntropyLoss",
                           "Split",
                           "SplitToSequence",
                           "Squeeze",
                           "Sum",
                           "Tile",
                           "TopK",
                           "Trilu",
                           "Unsqueeze",
                           "Upsample",
                           "Where",
                           "GridSample",
                           "Col2Im",
                           "CenterCropPad",
                           "Optional",
                           "OptionalGetElement",
                           "OptionalHasElement",
                           "BlackmanWindow",
                           "HammingWindow",
                           "HannWindow",
                           "DFT",
                           "STFT",
                           "MelWeightMatrix"})
      t.emplace(op, all);

    // Operators with weights: data always, weights only when they are not known tensors.
    t.emplace("Conv", OpRule{slot(0), slot(1), false, true});
    t.emplace("ConvTranspose", OpRule{slot(0), slot(1), false, true});
    t.emplace("Gemm", OpRule{slot(0), slot(1), false, true});
    t.emplace("BatchNormalization",
              OpRule{slot(0), slot(1) | slot(2) | slot(3) | slot(4), false, true});
    t.emplace("InstanceNormalization", OpRule{slot(0), slot(1) | slot(2), false, true});
    // Not in the reference (newer opsets); treated like InstanceNormalization.
    t.emplace("LayerNormalization", OpRule{slot(0), slot(1) | slot(2), false, true});
    t.emplace("GroupNormalization", OpRule{slot(0), slot(1) | slot(2), false, true});
    t.emplace("Reshape", OpRule{slot(0), slot(1), false, true});
    t.emplace("ConvInteger", OpRule{0, slot(1), true, true});
    t.emplace("QLinearConv", OpRule{0, slot(3), true, true});
    return t;
  }();
  return table;
}

}  // namespace

OpRule op_rule(std::string_view domain, std::string_view op_type) {
  if (domain.empty() || domain == "ai.onnx") {
    const auto& table = rules();
    const auto it = table.find(op_type);
    if (it != table.end()) return it->second;
  }
  return OpRule{0, 0, true, false};
}

}  // namespace narformer::onnx_import
