#include "narformer/onnx/onnx_model.h"

#include <algorithm>
#include <exception>
#include <string>
#include <unordered_set>

#include <google/protobuf/arena.h>
#include <onnx/onnx_pb.h>
#include <spdlog/spdlog.h>

#include "narformer/core/atomic_file.h"
#include "narformer/core/error.h"
#include "shape_folding.h"

namespace narformer {

// The model and everything shape inference adds to it live on one protobuf arena: parsing,
// inference and destruction then cost a few large allocations instead of one per message
// (malloc/free were 40 % of the import time without it).
struct OnnxModel::Impl {
  explicit Impl(size_t file_size) : arena(options(file_size)), proto(*make(arena)) {}
  static google::protobuf::ArenaOptions options(size_t file_size) {
    google::protobuf::ArenaOptions o;
    o.start_block_size = std::max<size_t>(4096, std::min<size_t>(4 * file_size, 64u << 20));
    o.max_block_size = 64u << 20;
    return o;
  }
  static onnx::ModelProto* make(google::protobuf::Arena& a) {
    return google::protobuf::Arena::CreateMessage<onnx::ModelProto>(&a);
  }
  google::protobuf::Arena arena;
  onnx::ModelProto& proto;
  std::string source;
  size_t byte_size = 0;
  int64_t batch_size = 0;
};

OnnxModel::OnnxModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OnnxModel::OnnxModel(OnnxModel&&) noexcept = default;
OnnxModel& OnnxModel::operator=(OnnxModel&&) noexcept = default;
OnnxModel::~OnnxModel() = default;

OnnxModel OnnxModel::load(const std::string& path) {
  const std::string bytes = read_file(path);  // DataError naming the file when unreadable
  return parse(bytes, path);
}

OnnxModel OnnxModel::parse(const void* data, size_t size, const std::string& source) {
  if (size == 0) throw DataError(with_file(source, "empty file, expected an ONNX model"));
  if (size > static_cast<size_t>(INT32_MAX))
    throw DataError(with_file(source,
                              "larger than 2 GiB: ONNX models with inline weights that big are not "
                              "supported (store weights externally or strip them)"));
  auto impl = std::make_unique<Impl>(size);
  impl->source = source;
  impl->byte_size = size;
  if (!impl->proto.ParseFromArray(data, static_cast<int>(size)))
    throw DataError(
        with_file(source,
                  "not an ONNX model: the protobuf could not be parsed (truncated, corrupt, "
                  "or another file format)"));
  const onnx::ModelProto& m = impl->proto;
  // Random bytes sometimes parse as a protobuf message with nothing but unknown fields;
  // a real ONNX model has a graph with operators and says which opset it uses.
  if (!m.has_graph())
    throw DataError(with_file(source,
                              "not an ONNX model: it holds no graph (a protobuf message of another "
                              "kind, or a corrupt file)"));
  if (m.graph().node_size() == 0)
    throw DataError(with_file(source, "the ONNX graph has no operators"));
  if (m.opset_import_size() == 0)
    throw DataError(
        with_file(source,
                  "the ONNX model declares no opset (opset_import is empty): an incomplete "
                  "model, maybe a truncated file"));
  return OnnxModel(std::move(impl));
}

bool OnnxModel::prepared() const {
  return impl_->batch_size > 0;
}
int64_t OnnxModel::batch_size() const {
  return impl_->batch_size;
}
const std::string& OnnxModel::source() const {
  return impl_->source;
}
int64_t OnnxModel::ir_version() const {
  return impl_->proto.ir_version();
}
size_t OnnxModel::byte_size() const {
  return impl_->byte_size;
}
const onnx::ModelProto& OnnxModel::proto() const {
  return impl_->proto;
}

int64_t OnnxModel::opset() const {
  for (const auto& op : impl_->proto.opset_import())
    if (op.domain().empty() || op.domain() == "ai.onnx") return op.version();
  return 0;
}

namespace {

void set_batch_dim(onnx::ValueInfoProto& value, int64_t batch_size) {
  if (!value.has_type() || !value.type().has_tensor_type()) return;
  auto* tensor = value.mutable_type()->mutable_tensor_type();
  if (!tensor->has_shape() || tensor->shape().dim_size() < 1) return;
  tensor->mutable_shape()->mutable_dim(0)->set_dim_value(batch_size);
}

/// ONNX messages can span lines; errors here are one line.
std::string one_line(std::string text) {
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  if (text.size() > 400) text = text.substr(0, 400) + " ...";
  return text;
}

/// Attributes that ONNX's inference functions divide by: a hostile file with a zero here would
/// crash the process (SIGFPE inside libonnx) instead of raising an error.
bool must_be_positive(const std::string& name) {
  return name == "strides" || name == "dilations" || name == "kernel_shape" ||
         name == "blocksize" || name == "group";
}

void check_attributes(const onnx::GraphProto& graph, const std::string& source) {
  for (const auto& node : graph.node()) {
    for (const auto& a : node.attribute()) {
      if (must_be_positive(a.name())) {
        bool bad = a.has_i() && a.i() <= 0;
        for (int64_t v : a.ints()) bad = bad || v <= 0;
        if (bad)
          throw DataError(with_file(source, "operator '" + node.name() + "' (" + node.op_type() +
                                                ") has " + a.name() +
                                                " <= 0: not a valid ONNX model"));
      }
      if (a.has_g()) check_attributes(a.g(), source);
      for (const auto& g : a.graphs()) check_attributes(g, source);
    }
  }
}

}  // namespace

void OnnxModel::prepare(int64_t batch_size, bool data_propagation) {
  if (batch_size < 1)
    throw ConfigError("batch size must be at least 1, got " + std::to_string(batch_size));
  if (prepared()) throw Error(with_file(impl_->source, "OnnxModel::prepare called twice"));
  onnx::ModelProto& proto = impl_->proto;
  onnx::GraphProto* graph = proto.mutable_graph();
  check_attributes(*graph, impl_->source);

  std::unordered_set<std::string> initializers;
  initializers.reserve(static_cast<size_t>(graph->initializer_size()));
  for (const auto& init : graph->initializer()) initializers.insert(init.name());
  for (auto& in : *graph->mutable_input())
    if (!initializers.count(in.name())) set_batch_dim(in, batch_size);
  for (auto& out : *graph->mutable_output()) set_batch_dim(out, batch_size);

  // ONNX's inference functions, node by node, with shape computations folded when
  // `data_propagation` is on (see shape_folding.h). Inference wins over contradicting
  // declared outputs.
  int conflicts = 0;
  try {
    graph->clear_value_info();
    conflicts = onnx_import::infer_shapes_folding(proto, data_propagation);
  } catch (const std::exception& e) {
    throw DataError(with_file(impl_->source, "shape inference failed: " + one_line(e.what())));
  }
  if (conflicts > 0)
    spdlog::warn(
        "{}: at batch size {}, {} declared output shape(s) contradict the inferred ones (a Reshape "
        "that "
        "hard-codes the batch?); using the inferred shapes",
        impl_->source, batch_size, conflicts);
  impl_->batch_size = batch_size;
}

}  // namespace narformer
