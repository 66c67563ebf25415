#include "narformer/onnx/operators.h"

#include <string>
#include <unordered_map>

#include "narformer/core/error.h"

namespace narformer {

EdgeRule EdgeRule::weights(std::initializer_list<int> slots) {
  EdgeRule rule = first();
  for (int slot : slots) rule.if_unknown |= 1u << slot;
  return rule;
}

EdgeRule EdgeRule::all_but_known(std::initializer_list<int> slots) {
  EdgeRule rule = every();
  for (int slot : slots) rule.if_unknown |= 1u << slot;
  return rule;
}

namespace {

using A = AttributeEncoding;
using C = CostFormula;
using E = EdgeRule;
using F = FlopColumn;
using R = ReferenceFormula;
using V = ValueFold;

/// A table row, filled in by name: op("Conv", ...).cost(C::kConv).code(1, A::kConv)...
struct Row {
  OperatorInfo info;

  template <typename T>
  Row with(T OperatorInfo::*field, T value) const {
    Row r = *this;
    r.info.*field = value;
    return r;
  }
  Row cost(C formula) const { return with(&OperatorInfo::cost, formula); }
  Row reference(R formula) const { return with(&OperatorInfo::reference, formula); }
  Row code(int op_code, A attributes = A::kNone) const {
    return with(&OperatorInfo::op_code, op_code).with(&OperatorInfo::attributes, attributes);
  }
  Row flops(F column) const { return with(&OperatorInfo::flops, column); }
  Row fold(V how) const { return with(&OperatorInfo::fold, how); }
  Row spatial_guard(int weight_slot = -1) const {
    return with(&OperatorInfo::spatial_guard, true)
        .with(&OperatorInfo::guard_weight_slot, weight_slot);
  }
};

Row op(std::string_view type, EdgeRule edges) {
  Row r;
  r.info.type = type;
  r.info.edges = edges;
  return r;
}

std::vector<OperatorInfo> build_table() {
  // Edges: E::none() generators; E::first() unary ops, pooling, shape ops, reductions with
  // attribute axes; E::first_two() binary ops; E::every() variadic and optional-input ops (every
  // present slot, as the reference); E::weights(...) data plus weights that are edges only when
  // not known tensors.
  const Row rows[] = {
      // NAR-Former V2's 28 operators, in op-code order (codes frozen: compat reference)
      op("Conv", E::weights({1}))
          .cost(C::kConv)
          .reference(R::kConv)
          .code(1, A::kConv)
          .flops(F::kConvolution)
          .spatial_guard(1),
      op("Relu", E::first()).cost(C::kElementwise).reference(R::kZero).code(2),
      op("Add", E::first_two())
          .cost(C::kElementwise)
          .reference(R::kElementwise)
          .code(3)
          .fold(V::kArithmetic),
      op("Sigmoid", E::first()).cost(C::kElementwise).reference(R::kElementwise).code(4),
      op("Reshape", E::weights({1})).reference(R::kZero).code(5),
      op("MaxPool", E::first())
          .cost(C::kPool)
          .reference(R::kZero)
          .code(6, A::kPool)
          .flops(F::kPoolWindow)
          .spatial_guard(),
      op("Split", E::every()).reference(R::kZero).code(7),
      op("GlobalAveragePool", E::first())
          .cost(C::kGlobalPool)
          .reference(R::kGlobalAveragePool)
          .code(8)
          .spatial_guard(),
      op("Gemm", E::weights({1}))
          .cost(C::kGemm)
          .reference(R::kGemm)
          .code(9, A::kGemm)
          .flops(F::kMatMul),
      op("Transpose", E::first()).reference(R::kZero).code(10, A::kTranspose),
      op("Upsample", E::every()).cost(C::kResize).reference(R::kUpsample).code(11),
      op("BatchNormalization", E::weights({1, 2, 3, 4}))
          .cost(C::kBatchNorm)
          .reference(R::kBatchNorm)
          .code(12),
      op("Mul", E::first_two())
          .cost(C::kElementwise)
          .reference(R::kElementwise)
          .code(13)
          .fold(V::kArithmetic),
      op("Concat", E::every()).reference(R::kZero).code(14).fold(V::kConcat),
      op("Flatten", E::first()).reference(R::kZero).code(15),
      op("AveragePool", E::first())
          .cost(C::kPool)
          .reference(R::kAveragePool)
          .code(16, A::kPool)
          .flops(F::kPoolWindow)
          .spatial_guard(),
      op("Cast", E::first()).reference(R::kZero).code(17).fold(V::kCast),
      // Code 18 and no reference formula: the reference spelled it "Matmul", which never matched.
      op("MatMul", E::first_two()).cost(C::kMatMul).code(18).flops(F::kMatMul),
      op("ReduceMean", E::first()).cost(C::kReduce).reference(R::kElementwise).code(19),
      op("Pow", E::first_two()).cost(C::kElementwise).reference(R::kElementwise).code(20),
      op("Slice", E::every()).reference(R::kZero).code(21).fold(V::kSlice),
      op("Div", E::first_two())
          .cost(C::kElementwise)
          .reference(R::kElementwise)
          .code(22)
          .fold(V::kArithmetic),
      op("Sub", E::first_two())
          .cost(C::kElementwise)
          .reference(R::kElementwise)
          .code(23)
          .fold(V::kArithmetic),
      op("Sqrt", E::first()).cost(C::kElementwise).reference(R::kElementwise).code(24),
      op("Clip", E::every()).cost(C::kElementwise).reference(R::kZero).code(25),
      op("Softmax", E::first()).cost(C::kSoftmax).reference(R::kSoftmax).code(26),
      op("Tanh", E::first()).cost(C::kElementwise).reference(R::kElementwise).code(27),
      op("ConvTranspose", E::weights({1}))
          .cost(C::kConvTranspose)
          .reference(R::kConvTranspose)
          .code(28, A::kConvTranspose)
          .flops(F::kConvolution)
          .spatial_guard(1),
      // Every other standard operator, alphabetical
      op("Abs", E::first()).cost(C::kElementwise), op("Acos", E::first()).cost(C::kElementwise),
      op("Acosh", E::first()).cost(C::kElementwise),
      op("And", E::first_two()).cost(C::kElementwise), op("ArgMax", E::first()).cost(C::kReduce),
      op("ArgMin", E::first()).cost(C::kReduce), op("Asin", E::first()).cost(C::kElementwise),
      op("Asinh", E::first()).cost(C::kElementwise), op("Atan", E::first()).cost(C::kElementwise),
      op("Atanh", E::first()).cost(C::kElementwise), op("Bernoulli", E::first()),
      op("BitShift", E::first_two()).cost(C::kElementwise), op("BlackmanWindow", E::every()),
      op("CastLike", E::first_two()), op("Ceil", E::first()).cost(C::kElementwise),
      op("Celu", E::first()).cost(C::kElementwise), op("CenterCropPad", E::every()),
      op("Col2Im", E::every()).spatial_guard(), op("Compress", E::first_two()),
      op("ConcatFromSequence", E::first()),
      op("Constant", E::none()).cost(C::kFree).fold(V::kConstant),
      op("ConstantOfShape", E::first()).fold(V::kConstantOfShape),
      op("ConvInteger", E::all_but_known({1})).cost(C::kConv).spatial_guard(1),
      op("Cos", E::first()).cost(C::kElementwise), op("Cosh", E::first()).cost(C::kElementwise),
      op("CumSum", E::first_two()).cost(C::kReduce), op("DFT", E::every()),
      op("DepthToSpace", E::first()), op("DequantizeLinear", E::every()).cost(C::kElementwise),
      op("Det", E::first()), op("Dropout", E::every()), op("DynamicQuantizeLinear", E::first()),
      op("Einsum", E::every()), op("Elu", E::first()).cost(C::kElementwise),
      op("Equal", E::first_two()).cost(C::kElementwise).fold(V::kArithmetic),
      op("Erf", E::first()).cost(C::kElementwise), op("Exp", E::first()).cost(C::kElementwise),
      op("Expand", E::first_two()), op("EyeLike", E::first()),
      op("Floor", E::first()).cost(C::kElementwise), op("GRU", E::every()),
      op("Gather", E::first_two()).fold(V::kGather), op("GatherElements", E::first_two()),
      op("GatherND", E::first_two()), op("Gelu", E::first()).cost(C::kElementwise),
      op("GlobalLpPool", E::first()).cost(C::kGlobalPool).spatial_guard(),
      op("GlobalMaxPool", E::first()).cost(C::kGlobalPool).spatial_guard(),
      op("Greater", E::first_two()).cost(C::kElementwise),
      op("GreaterOrEqual", E::first_two()).cost(C::kElementwise), op("GridSample", E::every()),
      op("GroupNormalization", E::weights({1, 2})).cost(C::kNormalization),
      op("HammingWindow", E::every()), op("HannWindow", E::every()),
      op("HardSigmoid", E::first()).cost(C::kElementwise),
      op("HardSwish", E::first()).cost(C::kElementwise),
      op("Hardmax", E::first()).cost(C::kSoftmax), op("Identity", E::first()).fold(V::kIdentity),
      op("If", E::first()), op("InstanceNormalization", E::weights({1, 2})).cost(C::kNormalization),
      op("IsInf", E::first()).cost(C::kElementwise), op("IsNaN", E::first()).cost(C::kElementwise),
      op("LRN", E::first()), op("LSTM", E::every()),
      op("LayerNormalization", E::weights({1, 2})).cost(C::kNormalization),
      op("LeakyRelu", E::first()).cost(C::kElementwise),
      op("Less", E::first_two()).cost(C::kElementwise),
      op("LessOrEqual", E::first_two()).cost(C::kElementwise),
      op("Log", E::first()).cost(C::kElementwise), op("LogSoftmax", E::first()).cost(C::kSoftmax),
      op("Loop", E::every()), op("LpNormalization", E::first()).cost(C::kNormalization),
      op("LpPool", E::first()).cost(C::kPool).flops(F::kPoolWindow).spatial_guard(),
      op("MatMulInteger", E::every()).cost(C::kMatMul), op("Max", E::every()).cost(C::kVariadic),
      op("MaxRoiPool", E::first_two()).spatial_guard(), op("MaxUnpool", E::every()).spatial_guard(),
      op("Mean", E::every()).cost(C::kVariadic),
      op("MeanVarianceNormalization", E::first()).cost(C::kNormalization),
      op("MelWeightMatrix", E::every()), op("Min", E::every()).cost(C::kVariadic),
      op("Mish", E::first()).cost(C::kElementwise), op("Mod", E::first_two()).cost(C::kElementwise),
      op("Multinomial", E::first()), op("Neg", E::first()).cost(C::kElementwise),
      op("NegativeLogLikelihoodLoss", E::every()), op("NonMaxSuppression", E::every()),
      op("NonZero", E::first()), op("Not", E::first()).cost(C::kElementwise),
      op("OneHot", E::every()), op("Optional", E::every()), op("OptionalGetElement", E::every()),
      op("OptionalHasElement", E::every()), op("Or", E::first_two()).cost(C::kElementwise),
      op("PRelu", E::first_two()).cost(C::kElementwise), op("Pad", E::every()),
      op("QLinearConv", E::all_but_known({3})).spatial_guard(3), op("QLinearMatMul", E::every()),
      op("QuantizeLinear", E::every()).cost(C::kElementwise), op("RNN", E::every()),
      op("RandomNormal", E::none()), op("RandomNormalLike", E::first()),
      op("RandomUniform", E::none()), op("RandomUniformLike", E::first()),
      op("Range", E::every()).fold(V::kRange), op("Reciprocal", E::first()).cost(C::kElementwise),
      op("ReduceL1", E::first()).cost(C::kReduce), op("ReduceL2", E::first()).cost(C::kReduce),
      op("ReduceLogSum", E::first()).cost(C::kReduce),
      op("ReduceLogSumExp", E::first()).cost(C::kReduce),
      op("ReduceMax", E::first()).cost(C::kReduce), op("ReduceMin", E::first()).cost(C::kReduce),
      op("ReduceProd", E::first()).cost(C::kReduce), op("ReduceSum", E::every()).cost(C::kReduce),
      op("ReduceSumSquare", E::first()).cost(C::kReduce), op("Resize", E::every()).cost(C::kResize),
      op("ReverseSequence", E::first_two()), op("RoiAlign", E::every()),
      op("Round", E::first()).cost(C::kElementwise), op("STFT", E::every()), op("Scan", E::every()),
      op("Scatter", E::every()), op("ScatterElements", E::every()), op("ScatterND", E::every()),
      op("Selu", E::first()).cost(C::kElementwise), op("SequenceAt", E::first_two()),
      op("SequenceConstruct", E::every()), op("SequenceEmpty", E::none()),
      op("SequenceErase", E::every()), op("SequenceInsert", E::every()),
      op("SequenceLength", E::first()), op("Shape", E::first()).fold(V::kShape),
      op("Shrink", E::first()).cost(C::kElementwise), op("Sign", E::first()).cost(C::kElementwise),
      op("Sin", E::first()).cost(C::kElementwise), op("Sinh", E::first()).cost(C::kElementwise),
      op("Size", E::first()).fold(V::kSize), op("SoftmaxCrossEntropyLoss", E::every()),
      op("Softplus", E::first()).cost(C::kElementwise),
      op("Softsign", E::first()).cost(C::kElementwise), op("SpaceToDepth", E::first()),
      op("SplitToSequence", E::every()), op("Squeeze", E::every()).fold(V::kSqueeze),
      op("StringNormalizer", E::first()), op("Sum", E::every()).cost(C::kVariadic),
      op("Tan", E::first()).cost(C::kElementwise), op("TfIdfVectorizer", E::first()),
      op("ThresholdedRelu", E::first()).cost(C::kElementwise), op("Tile", E::every()),
      op("TopK", E::every()), op("Trilu", E::every()), op("Unique", E::first()),
      op("Unsqueeze", E::every()).fold(V::kUnsqueeze),
      op("Where", E::every()).cost(C::kElementwise).fold(V::kWhere),
      op("Xor", E::first_two()).cost(C::kElementwise),
      // Not a standard operator in ONNX 1.12 (opset 19): unknown to the importer, but guarded
      // should a newer ONNX infer it.
      op("DeformConv", E::unknown()).spatial_guard(1)};
  std::vector<OperatorInfo> table;
  for (const Row& row : rows) table.push_back(row.info);
  return table;
}

std::unordered_map<std::string_view, const OperatorInfo*>& index() {
  static std::unordered_map<std::string_view, const OperatorInfo*> by_type = [] {
    std::unordered_map<std::string_view, const OperatorInfo*> map;
    for (const OperatorInfo& info : operator_table()) map.emplace(info.type, &info);
    return map;
  }();
  return by_type;
}

}  // namespace

const std::vector<OperatorInfo>& operator_table() {
  static const std::vector<OperatorInfo> table = build_table();
  return table;
}

namespace {

std::deque<OperatorInfo>& added() {
  static std::deque<OperatorInfo> entries;  // a deque: the index points into it
  return entries;
}

}  // namespace

const OperatorInfo& add_operator(OperatorInfo info) {
  static std::deque<std::string> types;  // what the added entries' string_views point at
  const std::string type(info.type);
  if (type.empty()) throw ConfigError("add_operator: the operator type is empty");
  if (find_operator(type))
    throw ConfigError("add_operator: operator type '" + type + "' has an entry already");
  info.type = types.emplace_back(type);
  const OperatorInfo& entry = added().emplace_back(info);
  index().emplace(entry.type, &entry);
  return entry;
}

const std::deque<OperatorInfo>& added_operators() {
  return added();
}

const OperatorInfo* find_operator(std::string_view type) {
  const auto& by_type = index();
  const auto it = by_type.find(type);
  return it == by_type.end() ? nullptr : it->second;
}

EdgeRule edge_rule(std::string_view domain, std::string_view type) {
  if (domain.empty() || domain == "ai.onnx")
    if (const OperatorInfo* info = find_operator(type)) return info->edges;
  return EdgeRule::unknown();
}

}  // namespace narformer
