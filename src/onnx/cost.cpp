#include "narformer/onnx/cost.h"

#include <algorithm>
#include <string_view>

#include "narformer/core/error.h"
#include "narformer/onnx/operators.h"

// All arithmetic is in double: products of int64 dims can overflow on hostile files, and the
// reference's NumPy products of float divisions (GlobalAveragePool) are doubles too.

namespace narformer {

const std::vector<std::pair<OnnxCompat, std::string>>& onnx_compat_names() {
  static const std::vector<std::pair<OnnxCompat, std::string>> names = {
      {OnnxCompat::kCorrected, "corrected"}, {OnnxCompat::kReference, "reference"}};
  return names;
}

OnnxCompat parse_onnx_compat(const std::string& name) {
  for (const auto& [compat, spelling] : onnx_compat_names())
    if (spelling == name) return compat;
  throw ConfigError("unknown compat mode '" + name + "' (expected corrected or reference)");
}

const char* to_string(OnnxCompat compat) {
  for (const auto& [value, spelling] : onnx_compat_names())
    if (value == compat) return spelling.c_str();
  return "corrected";
}

namespace {

/// Product of dims [from, end); negative (hostile) dims count as 0. prod of nothing = 1,
/// like np.prod(()).
double prod(const Shape& shape, size_t from = 0) {
  double p = 1;
  for (size_t i = from; i < shape.size(); ++i)
    p *= static_cast<double>(std::max<int64_t>(shape[i], 0));
  return p;
}

double prod_or_zero(const Shape* shape, size_t from = 0) {
  return shape ? prod(*shape, from) : 0.0;
}

/// Dim i counted from the end (i = 1: last), or `fallback` when the shape is too short.
double dim_from_end(const Shape& shape, size_t i, double fallback = 0) {
  return shape.size() >= i ? static_cast<double>(std::max<int64_t>(shape[shape.size() - i], 0))
                           : fallback;
}

const Shape* input(const OperatorShapes& op, size_t slot) {
  return slot < op.inputs.size() ? op.inputs[slot] : nullptr;
}
const Shape* output(const OperatorShapes& op, size_t slot) {
  return slot < op.outputs.size() ? op.outputs[slot] : nullptr;
}
bool is_constant(const OperatorShapes& op, size_t slot) {
  return slot < op.input_is_constant.size() && op.input_is_constant[slot];
}

const Attribute* attribute(const OperatorShapes& op, const char* name) {
  if (!op.attributes) return nullptr;
  const auto it = op.attributes->find(name);
  return it == op.attributes->end() ? nullptr : &it->second;
}
int64_t int_attribute(const OperatorShapes& op, const char* name, int64_t fallback) {
  const Attribute* a = attribute(op, name);
  return a && !a->ints.empty() ? a->ints.front() : fallback;
}
std::string text_attribute(const OperatorShapes& op, const char* name,
                           const std::string& fallback) {
  const Attribute* a = attribute(op, name);
  return a && !a->text.empty() ? a->text : fallback;
}
double kernel_area(const OperatorShapes& op) {
  const Attribute* a = attribute(op, "kernel_shape");
  if (!a) return 0;
  double p = 1;
  for (int64_t k : a->ints) p *= static_cast<double>(std::max<int64_t>(k, 0));
  return p;
}

double sum_outputs(const OperatorShapes& op) {
  double total = 0;
  for (const Shape* s : op.outputs) total += prod_or_zero(s);
  return total;
}

bool has_bias(const OperatorShapes& op) {
  return op.num_inputs >= 3;
}

// ----------------------------------------------------------------------------------------------
// Reference formulas (method.md §2.5), including their quirks.

Cost conv_transpose_cost(const OperatorShapes& op, bool with_constant_test);

double upsample_factor(const std::string& mode, size_t interpolated_axes, bool reference) {
  if (mode == "nearest") return 0;
  if (mode == "linear" || mode == "bilinear" || mode == "trilinear") {
    if (reference) {
      if (mode == "linear") return 5;
      if (mode == "trilinear") return 31;
      return 11;  // the reference's comment value; its code raised on "bilinear"
    }
    if (interpolated_axes <= 1) return 5;
    if (interpolated_axes == 2) return 11;
    return 31;
  }
  if (mode == "cubic" || mode == "bicubic") return 259;
  return 0;
}

Cost reference_cost(const OperatorShapes& op) {
  const OperatorInfo* info = find_operator(op.op_type);
  if (!info || info->reference == ReferenceFormula::kNone) return {};
  Cost c;
  const Shape* in0 = input(op, 0);
  const Shape* out0 = output(op, 0);
  const double bias = has_bias(op) ? 1 : 0;
  switch (info->reference) {
    case ReferenceFormula::kConv: {
      const Shape* w = input(op, 1);
      if (w && out0 && !w->empty()) {
        const double k = prod(*w, 1);
        c.flops = prod(*out0, 1) * (2 * k - 1 + bias);
        c.params = static_cast<double>(std::max<int64_t>((*w)[0], 0)) * (k + bias);
      }
      break;
    }
    case ReferenceFormula::kConvTranspose:
      c = conv_transpose_cost(op, false);
      break;
    case ReferenceFormula::kGemm: {
      const Shape* b = input(op, 1);
      if (b) {
        double ci = dim_from_end(*b, 2), co = dim_from_end(*b, 1);
        if (int_attribute(op, "transB", 0) != 0) std::swap(ci, co);
        c.flops = co * (2 * ci - 1 + bias);
        c.params = co * (ci + bias);
      }
      break;
    }
    case ReferenceFormula::kElementwise:
      c.flops = prod_or_zero(out0);
      break;
    case ReferenceFormula::kBatchNorm:
      if (in0) {
        const double channels =
            in0->size() > 1 ? static_cast<double>(std::max<int64_t>((*in0)[1], 0)) : 0;
        const double per_element = op.num_inputs > 1 ? 4 : 2;
        c.flops = per_element * prod(*in0);
        c.params = per_element * channels;
      }
      break;
    case ReferenceFormula::kGlobalAveragePool:
      if (in0 && out0 && in0->size() > 3 && out0->size() > 3 && (*out0)[3] > 0)
        c.flops =
            prod(*out0, 1) * (static_cast<double>((*in0)[3]) / static_cast<double>((*out0)[3]));
      break;
    case ReferenceFormula::kAveragePool:
      if (out0) c.flops = prod(*out0, 1) * kernel_area(op);
      break;
    case ReferenceFormula::kSoftmax:
      // n = rank // in0[0]; flops = n + (n − 1) + n. Meaningless, kept for fidelity.
      if (in0 && !in0->empty() && (*in0)[0] > 0) {
        const int64_t n = static_cast<int64_t>(in0->size()) / (*in0)[0];
        c.flops = static_cast<double>(3 * n - 1);
      }
      break;
    case ReferenceFormula::kUpsample:
      if (out0)
        c.flops = prod(*out0, 1) * upsample_factor(text_attribute(op, "mode", "nearest"), 2, true);
      break;
    case ReferenceFormula::kNone:  // returned above
    case ReferenceFormula::kZero:
      break;
  }
  c.constant_memory = c.params;
  c.memory = sum_outputs(op) + c.constant_memory;
  return c;
}

// ----------------------------------------------------------------------------------------------
// Corrected formulas.

Cost conv_transpose_cost(const OperatorShapes& op, bool with_constant_test) {
  // W: [Cin, Cout/group, kh, kw]. Every input element is multiplied with Cout/group·kh·kw
  // weights and accumulated into the output.
  Cost c;
  const Shape* in0 = input(op, 0);
  const Shape* w = input(op, 1);
  const Shape* out0 = output(op, 0);
  const bool bias = has_bias(op);
  if (in0 && w) c.flops = 2 * prod(*in0) * prod(*w, 1);
  if (bias && out0) c.flops += prod(*out0);
  if (w && (!with_constant_test || is_constant(op, 1))) {
    const double group = static_cast<double>(std::max<int64_t>(int_attribute(op, "group", 1), 1));
    c.params =
        prod(*w) +
        (bias && w->size() > 1 ? static_cast<double>(std::max<int64_t>((*w)[1], 0)) * group : 0);
  }
  return c;
}

double constant_inputs(const OperatorShapes& op) {
  double total = 0;
  for (size_t i = 0; i < op.inputs.size(); ++i)
    if (is_constant(op, i)) total += prod_or_zero(op.inputs[i]);
  return total;
}

Cost corrected_cost(const OperatorShapes& op) {
  const OperatorInfo* info = find_operator(op.op_type);
  const CostFormula kind = info ? info->cost : CostFormula::kMove;
  if (kind == CostFormula::kFree) return {};
  Cost c;
  const Shape* in0 = input(op, 0);
  const Shape* out0 = output(op, 0);
  const bool bias = has_bias(op) && input(op, 2);
  switch (kind) {
    case CostFormula::kConv: {
      const Shape* w = input(op, 1);
      if (w && out0) c.flops = prod(*out0) * (2 * prod(*w, 1) - 1 + (bias ? 1 : 0));
      break;
    }
    case CostFormula::kConvTranspose:
      c.flops = conv_transpose_cost(op, false).flops;
      break;
    case CostFormula::kGemm: {
      const Shape* a = input(op, 0);
      if (a && out0 && a->size() >= 2) {
        const double k =
            int_attribute(op, "transA", 0) != 0 ? dim_from_end(*a, 2) : dim_from_end(*a, 1);
        c.flops = prod(*out0) * (2 * k - 1 + (bias ? 1 : 0));
      }
      break;
    }
    case CostFormula::kMatMul: {
      if (in0 && out0 && !in0->empty()) c.flops = prod(*out0) * (2 * dim_from_end(*in0, 1) - 1);
      break;
    }
    case CostFormula::kElementwise:
      c.flops = prod_or_zero(out0);
      break;
    case CostFormula::kVariadic: {
      const double n = static_cast<double>(op.inputs.size());
      c.flops = prod_or_zero(out0) * std::max(n - 1, 0.0);
      if (op.op_type == "Mean") c.flops += prod_or_zero(out0);
      break;
    }
    case CostFormula::kBatchNorm: {
      if (in0) c.flops = 2 * prod(*in0);
      break;
    }
    case CostFormula::kNormalization:
      if (in0) c.flops = 7 * prod(*in0);
      break;
    case CostFormula::kGlobalPool:
    case CostFormula::kReduce:
      c.flops = prod_or_zero(in0);
      break;
    case CostFormula::kPool:
      if (out0) c.flops = prod(*out0) * kernel_area(op);
      break;
    case CostFormula::kSoftmax:
      c.flops = 3 * prod_or_zero(in0);
      break;
    case CostFormula::kResize: {
      if (out0) {
        // Interpolated axes: those whose size changes (NCHW: usually H and W).
        size_t axes = 0;
        if (in0 && in0->size() == out0->size()) {
          for (size_t i = 0; i < in0->size(); ++i) axes += (*in0)[i] != (*out0)[i] ? 1 : 0;
        } else {
          axes = out0->size() > 2 ? out0->size() - 2 : 1;
        }
        c.flops = prod(*out0) * upsample_factor(text_attribute(op, "mode", "nearest"), axes, false);
      }
      break;
    }
    case CostFormula::kMove:
    case CostFormula::kFree:
      break;
  }
  // Parameters: the weight tensors this operator is the first to read, whatever the operator
  // (Conv/Gemm weights, LayerNorm scales in Mul/Add, class tokens in Concat, ...), except
  // BatchNormalization's running mean and variance, which are statistics.
  for (size_t slot = 0; slot < op.inputs.size(); ++slot) {
    if (slot >= op.input_is_parameter.size() || !op.input_is_parameter[slot]) continue;
    if (kind == CostFormula::kBatchNorm && slot >= 3) continue;
    c.params += prod_or_zero(op.inputs[slot]);
  }
  c.constant_memory = constant_inputs(op);
  c.memory = sum_outputs(op) + c.constant_memory;
  return c;
}

}  // namespace

Cost operator_cost(const OperatorShapes& op, OnnxCompat compat) {
  return compat == OnnxCompat::kReference ? reference_cost(op) : corrected_cost(op);
}

}  // namespace narformer
