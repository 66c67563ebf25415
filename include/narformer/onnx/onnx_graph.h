#pragma once
// ONNX model -> Graph, as NAR-Former V2 / NNLQP read it (method.md §2.2, §2.3, §2.5, §2.7).
//
//   Graph g = import_onnx("resnet18.onnx", {.batch_size = 1});
//   g.num_nodes();            // 70 for NNLQP's resnet18-v1-7-no-weight.onnx
//   g.facts().total.flops;    // graph FLOPs (onnx/cost.h)
//
// The Graph it returns:
// - one node per operator output tensor (multi-output operators give several nodes), named
//   after the tensor; op_type is the ONNX type, or "Input" for graph inputs, initializers and
//   constants that feed a connected slot (weights of Conv/Gemm/BN... are not nodes, see
//   method.md §2.2 for which inputs become edges); unused tensors and constants are pruned;
// - nodes in the reference's topological order (Kahn's algorithm by generations, §2.7), so
//   node index = token row;
// - attributes of the operator (ints, floats, text; tensor attributes as their dims);
//   Conv/ConvTranspose always carry `kernel_shape` (from the weight dims when the attribute
//   is absent, [-1] when those are unknown, as the reference does);
// - output_shape from ONNX shape inference with the batch size as dim 0; unknown dims are 0;
//   a scalar or a tensor whose shape could not be inferred has an empty shape (counted in
//   facts().missing_shapes); a Dropout mask without shape gets its data output's shape;
// - num_inputs = length of the operator's input list; cost = the operator's cost (onnx/cost.h)
//   on the node of its first output;
// - facts(): batch size, total cost over all operators, operator count, unknown op types.
//
// An operator type the importer does not know (not a standard ONNX operator, or a custom
// domain) is imported with every input connected, no cost and the "other" op code; it is
// listed in facts().unknown_ops and logged once per process per type. Nothing is dropped
// silently. Errors: one DataError whose message starts with the file path, for files that are
// genuinely unusable: missing, empty, not ONNX (truncated, corrupt, another format), without
// graph, operators or opset, with invalid attributes (a stride of 0), or with a cycle.

#include <cstdint>
#include <string>

#include "narformer/graph/graph.h"
#include "narformer/onnx/compat.h"

namespace narformer {

class OnnxModel;

struct OnnxImportOptions {
  int64_t batch_size = 1;
  OnnxCompat compat = OnnxCompat::kCorrected;
  /// Fold the values of shape tensors during shape inference (see OnnxModel::prepare). Only
  /// matters for dynamic-shape exports (Shape -> Gather -> Reshape chains), whose later nodes
  /// otherwise get no shape; the reference had no such step, set false to reproduce that.
  bool data_propagation = true;
};

/// Reads, prepares and converts an ONNX file: the one call most users need.
Graph import_onnx(const std::string& path, const OnnxImportOptions& options = {});

/// The same for a serialized model in memory; `source` names it in messages.
Graph import_onnx_bytes(const std::string& bytes, const std::string& source,
                        const OnnxImportOptions& options = {});

/// Converts a model on which prepare() has run (its batch size is used).
Graph build_graph(const OnnxModel& model, OnnxCompat compat = OnnxCompat::kCorrected);

}  // namespace narformer
