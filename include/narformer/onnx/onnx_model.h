#pragma once
// An ONNX model read from a file and prepared for graph building (method.md §2.3):
//
//   OnnxModel model = OnnxModel::load("resnet18.onnx");   // parse + validate
//   model.prepare(/*batch_size=*/4);                        // batch into the I/O, shape inference
//   Graph graph = build_graph(model);                       // onnx/onnx_graph.h
//
// Weight-free files are fine: initializers may carry dims without data (the NNLQP
// convention), and weights may be ConstantOfShape nodes (ONNX's "light" test models).
// Parsing uses Debian's protobuf/libonnx; the protobuf types stay behind this header
// (`onnx::ModelProto` is only forward declared), so including it costs nothing.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace onnx {
class ModelProto;
}

namespace narformer {

class OnnxModel {
 public:
  /// Reads and parses `path`. Throws DataError "<path>: ..." for a missing or empty file, a
  /// file that is not an ONNX model (protobuf parse error: truncated, corrupt, another
  /// format), a model without a graph or without operators, or without an opset import.
  static OnnxModel load(const std::string& path);

  /// The same for bytes already in memory; `source` names the model in errors.
  static OnnxModel parse(const void* data, size_t size, const std::string& source);
  static OnnxModel parse(const std::string& bytes, const std::string& source) {
    return parse(bytes.data(), bytes.size(), source);
  }

  OnnxModel(OnnxModel&&) noexcept;
  OnnxModel& operator=(OnnxModel&&) noexcept;
  ~OnnxModel();

  /// Sets the batch size and runs shape inference, as the reference does: `batch_size` is
  /// written into dim 0 of every graph input that is not an initializer and of every graph
  /// output (rank >= 1), all value_info is dropped, then ONNX's own per-operator inference
  /// functions run node by node (like onnx.shape_inference.infer_shapes: a node whose
  /// inference fails keeps no shape; nodes that would crash ONNX 1.12's inference are skipped).
  /// With `data_propagation` (default) the values of small shape tensors are folded on the
  /// way (Shape -> Gather -> Div -> Concat -> Reshape chains of dynamic-batch PyTorch
  /// exports), so those Reshapes get real shapes; the reference had no such step.
  /// Where inference contradicts a declared graph output (a Reshape that hard-codes batch 1
  /// while b > 1; the reference dropped such files) inference wins, with a warning.
  /// Throws DataError naming the file for invalid attributes (a stride of 0, ...), ConfigError
  /// for batch_size < 1. Can be called once.
  void prepare(int64_t batch_size, bool data_propagation = true);

  bool prepared() const;
  /// The batch size given to prepare() (0 before).
  int64_t batch_size() const;
  /// Where the model came from, for messages.
  const std::string& source() const;
  int64_t ir_version() const;
  /// Opset version of the default ONNX domain ("" / "ai.onnx"); 0 when not imported.
  int64_t opset() const;
  /// Size of the serialized model in bytes.
  size_t byte_size() const;

  const onnx::ModelProto& proto() const;

 private:
  struct Impl;
  explicit OnnxModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace narformer
