#pragma once
// The operator table: one entry per ONNX operator type with everything the importer, the cost
// model and the tokenizer do differently per operator (method.md §2.2, §2.5, §2.6):
//
//   edges       which input slots become graph edges (weights only when they are not known
//               tensors, method.md §2.2)
//   cost        the corrected cost formula (onnx/cost.h); default: memory traffic only
//   reference   the reference's formula under compat: reference; default: not in its table
//   code        NAR-Former V2's op code (1-28, frozen: compat reference reproduces the
//               published tokens) and how the tokenizer encodes the attributes
//   flops       which node-cost column the FLOPs go to (tokenize/token_sequence.h)
//   fold        how shape inference evaluates the operator's integer output when its inputs
//               are known (src/onnx/shape_folding.h), e.g. the Shape -> Gather -> Reshape
//               chains of dynamic-shape exports
//   guard       a convolution or pooling whose ranks and attribute lengths must agree before
//               ONNX 1.12's inference function may run on it (it trusts its inputs)
//
// Adding an operator means adding its row in src/onnx/operators.cpp (and, for a new formula,
// its case in cost.cpp), then adding it to the probe models (onnx/probe_models.h), which makes
// the token cache's format version follow. An operator of one's own (a custom kernel, or one
// this build does not know) needs no library change: one add_operator() call with its entry
// (tests/onnx/toy_operator_test.cpp does exactly that). Operators not in the table, and every
// operator of a custom domain, are imported with all inputs connected, no cost and op code 0
// ("other").

#include <cstdint>
#include <deque>
#include <initializer_list>
#include <string_view>
#include <vector>

namespace narformer {

/// Which input slots of an operator become graph edges.
struct EdgeRule {
  uint32_t always = 0;      ///< slots that are always connected
  uint32_t if_unknown = 0;  ///< slots connected only when the tensor is not a known tensor
  bool all = false;         ///< every present slot (except if_unknown ones that are known)
  bool known = true;        ///< false: the importer does not know this operator type

  static EdgeRule none() { return {}; }
  static EdgeRule first() { return {1u, 0, false, true}; }
  static EdgeRule first_two() { return {3u, 0, false, true}; }
  static EdgeRule every() { return {0, 0, true, true}; }
  /// Slot 0 is data; the listed slots are weights, edges only when not known tensors.
  static EdgeRule weights(std::initializer_list<int> slots);
  /// Every slot, except the listed ones when they are known tensors.
  static EdgeRule all_but_known(std::initializer_list<int> slots);
  /// An operator the importer does not know: every input connected.
  static EdgeRule unknown() { return {0, 0, true, false}; }

  bool connects(int slot, bool known_tensor) const {
    const uint32_t bit = slot < 32 ? (1u << slot) : 0u;
    if (if_unknown & bit) return !known_tensor;
    if (all) return true;
    return (always & bit) != 0;
  }
};

/// The corrected cost formulas of onnx/cost.h.
enum class CostFormula : uint8_t {
  kMove,  ///< no FLOPs; memory traffic only (reshapes, copies, anything unlisted)
  kFree,  ///< nothing at all (constant producers: folded away by every runtime)
  kConv,
  kConvTranspose,
  kGemm,
  kMatMul,
  kElementwise,
  kVariadic,
  kBatchNorm,
  kNormalization,
  kGlobalPool,
  kPool,
  kSoftmax,
  kReduce,
  kResize
};

/// The reference's formulas, quirks included (onnx/cost.h).
enum class ReferenceFormula : uint8_t {
  kNone,  ///< not in the reference's table: no FLOPs, no memory
  kZero,  ///< in its table with 0 FLOPs (memory still counted)
  kConv,
  kGemm,
  kElementwise,
  kBatchNorm,
  kGlobalAveragePool,
  kAveragePool,
  kSoftmax,
  kUpsample,
  kConvTranspose
};

/// Which attributes the tokenizer encodes (onnx_tokenizer.h).
enum class AttributeEncoding : uint8_t { kNone, kConv, kConvTranspose, kPool, kGemm, kTranspose };

/// The node-cost column of an operator's FLOPs; other operators are priced by what they move.
enum class FlopColumn : uint8_t {
  kNone,
  kConvolution,  ///< spatial, pointwise or grouped by the node's kernel and group
  kMatMul,
  kPoolWindow
};

/// How shape inference evaluates an operator on known integer values.
enum class ValueFold : uint8_t {
  kNone,
  kConstant,
  kShape,
  kSize,
  kIdentity,
  kCast,
  kGather,
  kUnsqueeze,
  kSqueeze,
  kConcat,
  kArithmetic,  ///< Add, Sub, Mul, Div, Equal (broadcasting)
  kWhere,
  kConstantOfShape,
  kRange,
  kSlice
};

struct OperatorInfo {
  std::string_view type;
  EdgeRule edges;
  CostFormula cost = CostFormula::kMove;
  ReferenceFormula reference = ReferenceFormula::kNone;
  int op_code = 0;  ///< 0: "other"
  AttributeEncoding attributes = AttributeEncoding::kNone;
  FlopColumn flops = FlopColumn::kNone;
  ValueFold fold = ValueFold::kNone;
  bool spatial_guard = false;  ///< check ranks and attribute lengths before inference
  int guard_weight_slot = -1;  ///< the weight input whose rank must match the data's; -1: none
  /// For a type ONNX has no schema for (an operator added with add_operator): its first output
  /// has its first input's type and shape, so that its cost and the shapes after it are known.
  bool shape_like_first_input = false;
};

/// Every built-in entry, in the table's order (op-coded operators first).
const std::vector<OperatorInfo>& operator_table();

/// Adds an entry for an operator type the table does not have: from then on the importer, the
/// cost model and the tokenizer treat it by this entry, and the token cache's format version
/// includes it (tokenize/token_format.h), so tokens cached before are not served. The type is
/// copied. Throws ConfigError for a type with an entry already. Call it before importing
/// models (lookups take no lock).
const OperatorInfo& add_operator(OperatorInfo info);
/// The entries added with add_operator, in order.
const std::deque<OperatorInfo>& added_operators();

/// The entry of an operator type, whatever its domain (cost formulas and op codes go by type,
/// as in the reference), or nullptr.
const OperatorInfo* find_operator(std::string_view type);

/// Edge rule of (domain, type): the entry's for the default domain ("" or "ai.onnx"),
/// EdgeRule::unknown() for anything else.
EdgeRule edge_rule(std::string_view domain, std::string_view type);

}  // namespace narformer
