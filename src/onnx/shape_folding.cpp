#include "shape_folding.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <google/protobuf/arena.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include "narformer/onnx/operators.h"

namespace narformer::onnx_import {

namespace {

using onnx::TensorProto;

/// Shape computations are small; anything bigger is data, not a shape.
constexpr size_t kMaxElements = 1024;

/// The value of a small integer tensor.
struct Value {
  std::vector<int64_t> data;
  std::vector<int64_t> dims;  // the tensor's own shape (rank 0 or 1, rarely more)
  int32_t type = TensorProto::INT64;
};

bool is_integer_type(int32_t type) {
  switch (type) {
    case TensorProto::INT64:
    case TensorProto::INT32:
    case TensorProto::INT16:
    case TensorProto::INT8:
    case TensorProto::UINT64:
    case TensorProto::UINT32:
    case TensorProto::UINT16:
    case TensorProto::UINT8:
    case TensorProto::BOOL:
      return true;
    default:
      return false;
  }
}

std::optional<size_t> element_count(const std::vector<int64_t>& dims) {
  size_t n = 1;
  for (int64_t d : dims) {
    if (d < 0 || d > static_cast<int64_t>(kMaxElements)) return std::nullopt;
    n *= static_cast<size_t>(d);
    if (n > kMaxElements) return std::nullopt;
  }
  return n;
}

/// Values of an integer TensorProto with inline data; nullopt for anything else.
std::optional<Value> tensor_value(const TensorProto& t) {
  if (!is_integer_type(t.data_type()) || t.data_location() == TensorProto::EXTERNAL)
    return std::nullopt;
  Value v;
  v.type = t.data_type();
  v.dims.assign(t.dims().begin(), t.dims().end());
  const auto n = element_count(v.dims);
  if (!n) return std::nullopt;
  if (t.has_raw_data()) {
    const std::string& raw = t.raw_data();
    if (t.data_type() == TensorProto::INT64 && raw.size() == 8 * *n) {
      v.data.resize(*n);
      std::memcpy(v.data.data(), raw.data(), raw.size());
    } else if (t.data_type() == TensorProto::INT32 && raw.size() == 4 * *n) {
      for (size_t i = 0; i < *n; ++i) {
        int32_t x;
        std::memcpy(&x, raw.data() + 4 * i, 4);
        v.data.push_back(x);
      }
    } else {
      return std::nullopt;
    }
  } else if (t.data_type() == TensorProto::INT64 &&
             static_cast<size_t>(t.int64_data_size()) == *n) {
    v.data.assign(t.int64_data().begin(), t.int64_data().end());
  } else if (t.data_type() != TensorProto::INT64 && t.data_type() != TensorProto::UINT64 &&
             static_cast<size_t>(t.int32_data_size()) == *n) {
    v.data.assign(t.int32_data().begin(), t.int32_data().end());
  } else {
    return std::nullopt;
  }
  return v;
}

const onnx::AttributeProto* attribute(const onnx::NodeProto& node, const char* name) {
  for (const auto& a : node.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

int64_t int_attribute(const onnx::NodeProto& node, const char* name, int64_t fallback) {
  const auto* a = attribute(node, name);
  return a && a->has_i() ? a->i() : fallback;
}

class ShapeFolder {
 public:
  ShapeFolder(onnx::ModelProto& model, bool fold_values)
      : fold_values_(fold_values),
        graph_(*model.mutable_graph()),
        registry_(onnx::OpSchemaRegistry::Instance()),
        graph_context_(types_, opsets(model), nullptr, functions_, registry_, &generated_,
                       static_cast<int>(model.ir_version())) {}

  int run() {
    for (const auto& in : graph_.input()) {
      if (in.has_type()) types_[in.name()] = new_type(in.type());
    }
    for (const auto& init : graph_.initializer()) {
      data_[init.name()] = &init;
      if (!types_.count(init.name())) {
        onnx::TypeProto& type = *new_type();
        auto* tensor = type.mutable_tensor_type();
        tensor->set_elem_type(init.data_type());
        auto* shape = tensor->mutable_shape();
        for (int64_t d : init.dims()) shape->add_dim()->set_dim_value(d);
        types_[init.name()] = &type;
      }
      if (fold_values_)
        if (auto v = tensor_value(init)) values_[init.name()] = std::move(*v);
    }
    for (auto& node : *graph_.mutable_node()) {
      infer(node);
      if (fold_values_)
        fold(node);
      else if (node.op_type() == "Constant" && node.output_size() > 0)  // as ONNX does
        if (const auto* a = attribute(node, "value"); a && a->has_t())
          data_[node.output(0)] = &a->t();
    }
    return write_back();
  }

 private:
  static std::unordered_map<std::string, int> opsets(const onnx::ModelProto& model) {
    std::unordered_map<std::string, int> out;
    for (const auto& op : model.opset_import())
      out[op.domain() == "ai.onnx" ? "" : op.domain()] = static_cast<int>(op.version());
    return out;
  }

  void infer(onnx::NodeProto& node) {
    const std::string domain = node.domain() == "ai.onnx" ? "" : node.domain();
    const auto& versions = graph_context_.opset_imports;
    const auto version = versions.find(domain);
    if (version == versions.end()) return;
    const onnx::OpSchema* schema = registry_->GetSchema(node.op_type(), version->second, domain);
    if (!schema) return infer_without_schema(node);
    if (!safe_to_infer(node, *schema)) return;
    try {
      onnx::shape_inference::InferenceContextImpl ctx(node, types_, data_, {}, &generated_,
                                                      &graph_context_);
      if (schema->has_type_and_shape_inference_function()) {
        schema->GetTypeAndShapeInferenceFunction()(ctx);
      } else if (schema->HasFunction()) {
        onnx::shape_inference::InferShapeForFunctionNode(*schema->GetFunction(), registry_, ctx, {},
                                                         functions_, nullptr, &generated_);
      } else {
        return;
      }
      for (int i = 0; i < node.output_size(); ++i) {
        const std::string& name = node.output(i);
        const onnx::TypeProto* inferred = ctx.getOutputType(static_cast<size_t>(i));
        if (name.empty() || inferred->value_case() == onnx::TypeProto::VALUE_NOT_SET) continue;
        types_[name] = new_type(*inferred);
      }
    } catch (const std::exception&) {
      // Like ONNX's error mode 0: this node's outputs stay without type.
    }
  }

  /// An operator ONNX does not know, typed by its table entry when that says how.
  void infer_without_schema(const onnx::NodeProto& node) {
    const OperatorInfo* info = find_operator(node.op_type());
    if (!info || !info->shape_like_first_input || node.input_size() == 0 ||
        node.output_size() == 0 || node.output(0).empty())
      return;
    const auto input = types_.find(node.input(0));
    if (input != types_.end()) types_[node.output(0)] = new_type(*input->second);
  }

  /// Rank of a tensor whose shape is known, -1 otherwise.
  int rank_of(const onnx::NodeProto& node, int slot) const {
    if (slot >= node.input_size() || node.input(slot).empty()) return -1;
    const auto it = types_.find(node.input(slot));
    if (it == types_.end() || !it->second->has_tensor_type() ||
        !it->second->tensor_type().has_shape())
      return -1;
    return it->second->tensor_type().shape().dim_size();
  }

  /// ONNX 1.12's inference functions trust their inputs: a node that does not match its
  /// schema, or a convolution/pooling whose ranks and attribute lengths disagree, can make
  /// them read out of bounds or divide by zero (found by fuzzing). Such nodes are not
  /// inferred; their outputs stay without shape.
  bool safe_to_infer(const onnx::NodeProto& node, const onnx::OpSchema& schema) const {
    try {
      schema.Verify(node);
    } catch (const std::exception&) {
      return false;
    }
    const OperatorInfo* info = find_operator(node.op_type());
    if (!info || !info->spatial_guard) return true;
    const int rank = rank_of(node, 0);
    if (rank >= 0 && rank < 3) return false;
    if (info->guard_weight_slot >= 0) {
      const int weight_rank = rank_of(node, info->guard_weight_slot);
      if (weight_rank >= 0 && (weight_rank < 3 || (rank >= 0 && weight_rank != rank))) return false;
    }
    const int spatial_dims = rank >= 0 ? rank - 2 : -1;
    for (const auto& a : node.attribute()) {
      const std::string& name = a.name();
      const int n = a.ints_size();
      if (name == "kernel_shape" || name == "strides" || name == "dilations" ||
          name == "output_padding" || name == "output_shape") {
        if (spatial_dims >= 0 ? n != spatial_dims : n < 1) return false;
      } else if (name == "pads") {
        if (spatial_dims >= 0 ? n != 2 * spatial_dims : n < 2) return false;
      }
    }
    return true;
  }

  const Value* value(const onnx::NodeProto& node, int slot) const {
    if (slot >= node.input_size() || node.input(slot).empty()) return nullptr;
    const auto it = values_.find(node.input(slot));
    return it == values_.end() ? nullptr : &it->second;
  }

  void fold(const onnx::NodeProto& node) {
    if (node.output_size() < 1 || node.output(0).empty()) return;
    if (node.op_type() == "Constant") {
      if (const auto* a = attribute(node, "value"); a && a->has_t())
        data_[node.output(0)] = &a->t();
    }
    std::optional<Value> v;
    try {
      v = evaluate(node);
    } catch (const std::exception&) {
      v.reset();
    }
    if (!v || v->data.size() > kMaxElements) return;
    const std::string& name = node.output(0);
    if (!types_.count(name)) {
      onnx::TypeProto& type = *new_type();
      type.mutable_tensor_type()->set_elem_type(v->type);
      auto* shape = type.mutable_tensor_type()->mutable_shape();
      for (int64_t d : v->dims) shape->add_dim()->set_dim_value(d);
      types_[name] = &type;
    }
    if (!data_.count(name)) {
      TensorProto& t = *google::protobuf::Arena::CreateMessage<TensorProto>(arena_);
      if (!arena_) owned_tensors_.emplace_back(&t);
      t.set_name(name);
      t.set_data_type(v->type);
      for (int64_t d : v->dims) t.add_dims(d);
      for (int64_t x : v->data) {
        if (v->type == TensorProto::INT64)
          t.add_int64_data(x);
        else
          t.add_int32_data(static_cast<int32_t>(x));
      }
      data_[name] = &t;
    }
    values_[name] = std::move(*v);
  }

  /// The value of the node's first output, when every input it needs has a value.
  std::optional<Value> evaluate(const onnx::NodeProto& node) const {
    const std::string& op = node.op_type();
    if (!(node.domain().empty() || node.domain() == "ai.onnx")) return std::nullopt;
    const OperatorInfo* info = find_operator(op);
    const ValueFold fold = info ? info->fold : ValueFold::kNone;
    if (fold == ValueFold::kConstant) {
      if (const auto* a = attribute(node, "value"); a && a->has_t()) return tensor_value(a->t());
      if (const auto* a = attribute(node, "value_int"))
        return Value{{a->i()}, {}, TensorProto::INT64};
      if (const auto* a = attribute(node, "value_ints"))
        return Value{{a->ints().begin(), a->ints().end()}, {a->ints_size()}, TensorProto::INT64};
      return std::nullopt;
    }
    if (fold == ValueFold::kShape || fold == ValueFold::kSize) {
      const auto it = types_.find(node.input_size() ? node.input(0) : std::string());
      if (it == types_.end() || !it->second->has_tensor_type() ||
          !it->second->tensor_type().has_shape())
        return std::nullopt;
      std::vector<int64_t> dims;
      for (const auto& d : it->second->tensor_type().shape().dim()) {
        if (!d.has_dim_value()) return std::nullopt;
        dims.push_back(d.dim_value());
      }
      if (fold == ValueFold::kSize) {
        int64_t n = 1;
        for (int64_t d : dims) n *= d;
        return Value{{n}, {}, TensorProto::INT64};
      }
      const int64_t rank = static_cast<int64_t>(dims.size());
      int64_t start = int_attribute(node, "start", 0), end = int_attribute(node, "end", rank);
      if (start < 0) start += rank;
      if (end < 0) end += rank;
      start = std::clamp<int64_t>(start, 0, rank);
      end = std::clamp<int64_t>(end, start, rank);
      std::vector<int64_t> out(dims.begin() + start, dims.begin() + end);
      return Value{out, {static_cast<int64_t>(out.size())}, TensorProto::INT64};
    }
    if (fold == ValueFold::kIdentity) {
      if (const Value* x = value(node, 0)) return *x;
      return std::nullopt;
    }
    if (fold == ValueFold::kCast) {
      const Value* x = value(node, 0);
      const int32_t to = static_cast<int32_t>(int_attribute(node, "to", 0));
      if (!x || !is_integer_type(to)) return std::nullopt;
      Value out = *x;
      out.type = to;
      if (to == TensorProto::BOOL)
        for (auto& e : out.data) e = e != 0;
      return out;
    }
    if (fold == ValueFold::kGather) {
      const Value* data = value(node, 0);
      const Value* indices = value(node, 1);
      if (!data || !indices || data->dims.size() != 1 || int_attribute(node, "axis", 0) != 0)
        return std::nullopt;
      Value out;
      out.type = data->type;
      out.dims = indices->dims;
      const int64_t n = static_cast<int64_t>(data->data.size());
      for (int64_t i : indices->data) {
        if (i < 0) i += n;
        if (i < 0 || i >= n) return std::nullopt;
        out.data.push_back(data->data[static_cast<size_t>(i)]);
      }
      return out;
    }
    if (fold == ValueFold::kUnsqueeze || fold == ValueFold::kSqueeze) {
      const Value* x = value(node, 0);
      if (!x) return std::nullopt;
      std::vector<int64_t> axes;
      if (const auto* a = attribute(node, "axes"))
        axes.assign(a->ints().begin(), a->ints().end());
      else if (const Value* v = value(node, 1))
        axes = v->data;
      else if (node.input_size() > 1 && !node.input(1).empty())
        return std::nullopt;
      Value out = *x;
      if (fold == ValueFold::kUnsqueeze) {
        const int64_t rank = static_cast<int64_t>(x->dims.size() + axes.size());
        for (auto& a : axes) a = a < 0 ? a + rank : a;
        std::sort(axes.begin(), axes.end());
        out.dims = x->dims;
        for (int64_t a : axes) {
          if (a < 0 || a > static_cast<int64_t>(out.dims.size())) return std::nullopt;
          out.dims.insert(out.dims.begin() + a, 1);
        }
      } else {
        const int64_t rank = static_cast<int64_t>(x->dims.size());
        std::vector<int64_t> dims;
        for (int64_t i = 0; i < rank; ++i) {
          const bool listed = axes.empty()
                                  ? x->dims[static_cast<size_t>(i)] == 1
                                  : std::count(axes.begin(), axes.end(), i) +
                                            std::count(axes.begin(), axes.end(), i - rank) >
                                        0;
          if (!listed) dims.push_back(x->dims[static_cast<size_t>(i)]);
        }
        out.dims = dims;
      }
      return out;
    }
    if (fold == ValueFold::kConcat) {
      Value out;
      for (int i = 0; i < node.input_size(); ++i) {
        const Value* x = value(node, i);
        if (!x || x->dims.size() != 1) return std::nullopt;
        if (i == 0) out.type = x->type;
        out.data.insert(out.data.end(), x->data.begin(), x->data.end());
      }
      if (node.input_size() == 0) return std::nullopt;
      out.dims = {static_cast<int64_t>(out.data.size())};
      return out;
    }
    if (fold == ValueFold::kArithmetic) {
      const Value* a = value(node, 0);
      const Value* b = value(node, 1);
      if (!a || !b) return std::nullopt;
      const size_t n = std::max(a->data.size(), b->data.size());
      if ((a->data.size() != n && a->data.size() != 1) ||
          (b->data.size() != n && b->data.size() != 1))
        return std::nullopt;
      Value out;
      out.type = op == "Equal" ? TensorProto::BOOL : a->type;
      const bool a_shaped =
          a->data.size() == n && (b->data.size() != n || a->dims.size() >= b->dims.size());
      out.dims = a_shaped ? a->dims : b->dims;
      for (size_t i = 0; i < n; ++i) {
        const int64_t x = a->data[a->data.size() == 1 ? 0 : i];
        const int64_t y = b->data[b->data.size() == 1 ? 0 : i];
        if (op == "Add")
          out.data.push_back(x + y);
        else if (op == "Sub")
          out.data.push_back(x - y);
        else if (op == "Mul")
          out.data.push_back(x * y);
        else if (op == "Equal")
          out.data.push_back(x == y);
        else if (y == 0)
          return std::nullopt;
        else
          out.data.push_back(x / y);
      }
      return out;
    }
    if (fold == ValueFold::kWhere) {
      const Value* c = value(node, 0);
      const Value* x = value(node, 1);
      const Value* y = value(node, 2);
      if (!c || !x || !y) return std::nullopt;
      const size_t n = std::max({c->data.size(), x->data.size(), y->data.size()});
      for (const Value* v : {c, x, y})
        if (v->data.size() != n && v->data.size() != 1) return std::nullopt;
      Value out;
      out.type = x->type;
      out.dims = c->data.size() == n ? c->dims : (x->data.size() == n ? x->dims : y->dims);
      for (size_t i = 0; i < n; ++i) {
        const auto at = [&](const Value* v) { return v->data[v->data.size() == 1 ? 0 : i]; };
        out.data.push_back(at(c) ? at(x) : at(y));
      }
      return out;
    }
    if (fold == ValueFold::kConstantOfShape) {
      const Value* shape = value(node, 0);
      if (!shape) return std::nullopt;
      Value fill{{0}, {}, TensorProto::FLOAT};
      if (const auto* a = attribute(node, "value"); a && a->has_t()) {
        auto v = tensor_value(a->t());
        if (!v || v->data.size() != 1) return std::nullopt;
        fill = *v;
      }
      if (!is_integer_type(fill.type)) return std::nullopt;
      const auto n = element_count(shape->data);
      if (!n) return std::nullopt;
      return Value{std::vector<int64_t>(*n, fill.data[0]), shape->data, fill.type};
    }
    if (fold == ValueFold::kRange) {
      const Value* start = value(node, 0);
      const Value* limit = value(node, 1);
      const Value* delta = value(node, 2);
      if (!start || !limit || !delta || start->data.size() != 1 || limit->data.size() != 1 ||
          delta->data.size() != 1 || delta->data[0] == 0)
        return std::nullopt;
      Value out;
      out.type = start->type;
      for (int64_t x = start->data[0]; delta->data[0] > 0 ? x < limit->data[0] : x > limit->data[0];
           x += delta->data[0]) {
        out.data.push_back(x);
        if (out.data.size() > kMaxElements) return std::nullopt;
      }
      out.dims = {static_cast<int64_t>(out.data.size())};
      return out;
    }
    if (fold == ValueFold::kSlice) {
      const Value* x = value(node, 0);
      if (!x || x->dims.size() != 1) return std::nullopt;
      std::vector<int64_t> starts, ends, axes, steps;
      if (const auto* a = attribute(node, "starts")) {  // opset < 10
        starts.assign(a->ints().begin(), a->ints().end());
        if (const auto* e = attribute(node, "ends"))
          ends.assign(e->ints().begin(), e->ints().end());
        if (const auto* ax = attribute(node, "axes"))
          axes.assign(ax->ints().begin(), ax->ints().end());
      } else {
        const Value* s = value(node, 1);
        const Value* e = value(node, 2);
        if (!s || !e) return std::nullopt;
        starts = s->data;
        ends = e->data;
        if (node.input_size() > 3 && !node.input(3).empty()) {
          const Value* ax = value(node, 3);
          if (!ax) return std::nullopt;
          axes = ax->data;
        }
        if (node.input_size() > 4 && !node.input(4).empty()) {
          const Value* st = value(node, 4);
          if (!st) return std::nullopt;
          steps = st->data;
        }
      }
      if (starts.size() != 1 || ends.size() != 1) return std::nullopt;
      if (!axes.empty() && !(axes.size() == 1 && (axes[0] == 0 || axes[0] == -1)))
        return std::nullopt;
      const int64_t step = steps.empty() ? 1 : steps[0];
      if (step == 0) return std::nullopt;
      const int64_t n = static_cast<int64_t>(x->data.size());
      auto clamp = [&](int64_t i, int64_t lo, int64_t hi) {
        if (i < 0) i += n;
        return std::clamp(i, lo, hi);
      };
      Value out;
      out.type = x->type;
      if (step > 0) {
        for (int64_t i = clamp(starts[0], 0, n), end = clamp(ends[0], 0, n); i < end; i += step)
          out.data.push_back(x->data[static_cast<size_t>(i)]);
      } else {
        for (int64_t i = clamp(starts[0], -1, n - 1), end = clamp(ends[0], -1, n - 1); i > end;
             i += step)
          out.data.push_back(x->data[static_cast<size_t>(i)]);
      }
      out.dims = {static_cast<int64_t>(out.data.size())};
      return out;
    }
    return std::nullopt;
  }

  int write_back() {
    int conflicts = 0;
    std::unordered_set<std::string> outputs;
    for (const auto& out : graph_.output()) outputs.insert(out.name());
    std::unordered_set<std::string> written;
    graph_.clear_value_info();
    for (const auto& node : graph_.node()) {
      for (const std::string& name : node.output()) {
        if (name.empty() || outputs.count(name) || !written.insert(name).second) continue;
        const auto it = types_.find(name);
        if (it == types_.end()) continue;
        auto* info = graph_.add_value_info();
        info->set_name(name);
        *info->mutable_type() = *it->second;
      }
    }
    for (auto& out : *graph_.mutable_output()) {
      const auto it = types_.find(out.name());
      if (it == types_.end()) continue;
      onnx::TypeProto merged = out.type();
      try {
        onnx::shape_inference::mergeShapesAndTypes(*it->second, &merged);
      } catch (const std::exception&) {
        merged = *it->second;  // the declared shape contradicts inference: inference wins
        ++conflicts;
      }
      *out.mutable_type() = merged;
    }
    return conflicts;
  }

  /// A TypeProto that lives as long as the model (on its arena, when it has one).
  onnx::TypeProto* new_type(const onnx::TypeProto* from = nullptr) {
    auto* type = google::protobuf::Arena::CreateMessage<onnx::TypeProto>(arena_);
    if (!arena_) owned_types_.emplace_back(type);
    if (from) type->CopyFrom(*from);
    return type;
  }
  onnx::TypeProto* new_type(const onnx::TypeProto& from) { return new_type(&from); }

  bool fold_values_;
  onnx::GraphProto& graph_;
  google::protobuf::Arena* arena_ = graph_.GetArena();
  std::vector<std::unique_ptr<onnx::TypeProto>> owned_types_;
  std::vector<std::unique_ptr<TensorProto>> owned_tensors_;
  const onnx::ISchemaRegistry* registry_;
  std::unordered_map<std::string, onnx::TypeProto*> types_;
  std::unordered_map<std::string, const TensorProto*> data_;
  std::unordered_map<std::string, Value> values_;
  std::unordered_map<std::string, onnx::TensorShapeProto> generated_;
  onnx::shape_inference::ModelLocalFunctionsMap functions_;
  onnx::shape_inference::GraphInferenceContext graph_context_;
};

}  // namespace

int infer_shapes_folding(onnx::ModelProto& model, bool fold_values) {
  return ShapeFolder(model, fold_values).run();
}

}  // namespace narformer::onnx_import
