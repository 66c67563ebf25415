#pragma once
// Which input slots of an ONNX operator become graph edges (method.md §2.2). Internal to
// the importer.
//
// Weights of Conv/Gemm/BN and friends are not graph nodes when they are known tensors
// (initializers, graph inputs, Constant outputs); data inputs always are; optional
// configuration inputs (Clip min/max, Pad pads, Unsqueeze axes, ...) follow the reference.

#include <cstdint>
#include <string_view>

namespace narformer::onnx_import {

struct OpRule {
  uint32_t always = 0;      ///< slots that are always connected
  uint32_t if_unknown = 0;  ///< slots connected only when the tensor is not a known tensor
  bool all = false;         ///< every present slot (except if_unknown ones that are known)
  bool known = true;        ///< false: the importer does not know this operator type
};

/// Rule for (domain, op_type). Standard ONNX operators of the default domain ("" or
/// "ai.onnx") are known; anything else gets {all = true, known = false}.
OpRule op_rule(std::string_view domain, std::string_view op_type);

inline bool is_connected(const OpRule& rule, int slot, bool known_tensor) {
  const uint32_t bit = slot < 32 ? (1u << slot) : 0u;
  if (rule.if_unknown & bit) return !known_tensor;
  if (rule.all) return true;
  return (rule.always & bit) != 0;
}

}  // namespace narformer::onnx_import
