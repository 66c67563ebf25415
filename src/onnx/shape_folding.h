#pragma once
// Shape inference that also folds shape computations. Internal to the importer.
//
// PyTorch exports with a dynamic batch compute reshape targets at run time:
// Shape -> Gather -> (Div, Cast, Mul) -> Unsqueeze -> Concat -> Reshape. ONNX 1.12's own data
// propagation does not get through these chains, so everything after the first such Reshape
// had no shape (shufflenet: a quarter of the graph, vit: a third). This pass runs ONNX's own
// per-operator inference functions node by node, and after each node evaluates the values
// of small integer tensors it can (Constant, Shape, Size, Gather, Unsqueeze, Squeeze, Concat,
// Cast, Add, Sub, Mul, Div, Slice, Identity, ConstantOfShape, Equal, Where, Range), handing
// them to the following nodes as constant inputs, exactly as initializers would be. Which
// operator folds how is the `fold` column of the operator table (onnx/operators.h).

namespace onnx {
class ModelProto;
}

namespace narformer::onnx_import {

/// Replaces graph.value_info with inferred types and updates the graph outputs' types.
/// A node whose inference fails leaves its outputs without type (like ONNX's error mode 0);
/// an inferred output shape that contradicts a declared graph output replaces it. Returns the
/// number of such contradictions.
/// Without `fold_values` it is ONNX's plain InferShapes (error mode 0), node by node.
int infer_shapes_folding(onnx::ModelProto& model, bool fold_values = true);

}  // namespace narformer::onnx_import
