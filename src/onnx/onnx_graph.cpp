#include "narformer/onnx/onnx_graph.h"

#include <algorithm>
#include <mutex>
#include <set>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <onnx/onnx_pb.h>
#include <spdlog/spdlog.h>

#include "narformer/core/error.h"
#include "narformer/onnx/cost.h"
#include "narformer/onnx/onnx_model.h"
#include "narformer/onnx/operators.h"

// The steps follow method.md §2.2 (nodes, edges, pruning), §2.3 (shape table), §2.5 (costs)
// and §2.7 (topological order). Tensor names are interned once; everything after that works
// on integer ids, so a graph of n operators costs O(n) hash lookups.

namespace narformer {

namespace {

struct Tensor {
  Shape shape;
  bool has_shape = false;  ///< shape known (a scalar has an empty shape and has_shape)
  bool known = false;      ///< §2.2 "known tensor": graph input, initializer, Constant output
  bool constant = false;   ///< a weight: initializer or Constant output (for costs)
  bool floating = false;   ///< floating-point constant (a parameter candidate)
  bool counted = false;    ///< its parameters were counted by an earlier operator
  int node = -1;           ///< index in the insertion-order node list, -1 when not a node
};

struct PendingNode {
  int tensor = -1;
  int op = -1;  ///< producing operator (index into graph.node), -1 for edge-source tensors
};

bool is_floating(int32_t type) {
  return type == onnx::TensorProto::FLOAT || type == onnx::TensorProto::DOUBLE ||
         type == onnx::TensorProto::FLOAT16 || type == onnx::TensorProto::BFLOAT16;
}

/// Whether a Constant / ConstantOfShape node produces floating-point values.
bool produces_floating(const onnx::NodeProto& node) {
  for (const auto& a : node.attribute()) {
    if (a.name() == "value") return a.has_t() ? is_floating(a.t().data_type()) : false;
    if (a.name() == "value_float" || a.name() == "value_floats") return true;
    if (a.name().rfind("value_", 0) == 0) return false;
  }
  return node.op_type() == "ConstantOfShape";  // its default value is float 0
}

Attribute convert_attribute(const onnx::AttributeProto& a) {
  Attribute out;
  auto type = a.type();
  if (type == onnx::AttributeProto::UNDEFINED) {  // very old files: infer from what is set
    if (a.ints_size() > 0)
      type = onnx::AttributeProto::INTS;
    else if (a.floats_size() > 0)
      type = onnx::AttributeProto::FLOATS;
    else if (a.has_s())
      type = onnx::AttributeProto::STRING;
    else if (a.has_f())
      type = onnx::AttributeProto::FLOAT;
    else if (a.has_i())
      type = onnx::AttributeProto::INT;
    else if (a.has_t())
      type = onnx::AttributeProto::TENSOR;
  }
  switch (type) {
    case onnx::AttributeProto::INT:
      out.ints.push_back(a.i());
      break;
    case onnx::AttributeProto::INTS:
      out.ints.assign(a.ints().begin(), a.ints().end());
      break;
    case onnx::AttributeProto::FLOAT:
      out.floats.push_back(a.f());
      break;
    case onnx::AttributeProto::FLOATS:
      out.floats.assign(a.floats().begin(), a.floats().end());
      break;
    case onnx::AttributeProto::STRING:
      out.text = a.s();
      break;
    case onnx::AttributeProto::STRINGS:
      for (int i = 0; i < a.strings_size(); ++i) out.text += (i ? "," : "") + a.strings(i);
      break;
    case onnx::AttributeProto::TENSOR:
      out.ints.assign(a.t().dims().begin(), a.t().dims().end());
      break;
    default:
      break;  // graphs, sparse tensors, type protos: not encoded anywhere
  }
  return out;
}

std::map<std::string, Attribute> convert_attributes(const onnx::NodeProto& node) {
  std::map<std::string, Attribute> out;
  for (const auto& a : node.attribute()) out.emplace(a.name(), convert_attribute(a));
  return out;
}

/// Declared or inferred shape of a value; false when it has no tensor shape. Symbolic and
/// unknown dims become 0 (§2.3).
bool read_shape(const onnx::ValueInfoProto& value, Shape& shape) {
  if (!value.has_type() || !value.type().has_tensor_type() ||
      !value.type().tensor_type().has_shape())
    return false;
  const auto& dims = value.type().tensor_type().shape().dim();
  shape.clear();
  shape.reserve(static_cast<size_t>(dims.size()));
  for (const auto& d : dims) shape.push_back(d.has_dim_value() ? d.dim_value() : 0);
  return true;
}

/// Dims of a Constant operator's value (§2.3 fallback for rank-0 / missing shapes).
bool constant_dims(const onnx::NodeProto& node, Shape& shape) {
  for (const auto& a : node.attribute()) {
    if (a.name() == "value" && a.has_t()) {
      shape.assign(a.t().dims().begin(), a.t().dims().end());
      return true;
    }
    if (a.name() == "value_float" || a.name() == "value_int" || a.name() == "value_string") {
      shape.clear();
      return true;
    }
    if (a.name() == "value_floats" || a.name() == "value_ints" || a.name() == "value_strings") {
      const int n = a.name() == "value_floats" ? a.floats_size()
                    : a.name() == "value_ints" ? a.ints_size()
                                               : a.strings_size();
      shape.assign(1, n);
      return true;
    }
  }
  return false;
}

void warn_unknown_op(const std::string& domain, const std::string& op_type,
                     const std::string& source) {
  static std::mutex mutex;
  static std::set<std::string> warned;
  const std::string key = domain.empty() ? op_type : domain + ":" + op_type;
  std::lock_guard<std::mutex> lock(mutex);
  if (!warned.insert(key).second) return;
  spdlog::warn(
      "{}: operator type '{}' is not known to narformer; it is imported with every input "
      "connected, "
      "no cost and the 'other' op code (warned once per type)",
      source, key);
}

class GraphBuilder {
 public:
  GraphBuilder(const OnnxModel& model, OnnxCompat compat)
      : model_(model), graph_(model.proto().graph()), compat_(compat) {}

  Graph build() {
    read_shape_table();
    walk_operators();
    add_pending_edges();
    prune();
    const std::vector<int> order = topological_order();
    return assemble(order);
  }

 private:
  int intern(const std::string& name) {
    const auto [it, inserted] =
        ids_.try_emplace(std::string_view(name), static_cast<int>(tensors_.size()));
    if (inserted) {
      tensors_.emplace_back();
      names_.push_back(&name);
    }
    return it->second;
  }

  // §2.3: initializers, graph inputs, graph outputs, inferred value_info, Constant fallback;
  // later entries overwrite earlier ones.
  void read_shape_table() {
    const size_t expected = static_cast<size_t>(graph_.initializer_size() + graph_.input_size() +
                                                graph_.value_info_size() + 2 * graph_.node_size());
    tensors_.reserve(expected);
    names_.reserve(expected);
    ids_.reserve(expected);
    for (const auto& init : graph_.initializer()) {
      Tensor& t = tensors_[static_cast<size_t>(intern(init.name()))];
      t.shape.assign(init.dims().begin(), init.dims().end());
      t.has_shape = t.known = t.constant = true;
      t.floating = is_floating(init.data_type());
    }
    for (const auto& in : graph_.input()) {
      Tensor& t = tensors_[static_cast<size_t>(intern(in.name()))];
      t.known = true;
      Shape shape;
      if (read_shape(in, shape)) {
        t.shape = std::move(shape);
        t.has_shape = true;
      }
    }
    for (const auto& collection : {&graph_.output(), &graph_.value_info()}) {
      for (const auto& value : *collection) {
        Tensor& t = tensors_[static_cast<size_t>(intern(value.name()))];
        Shape shape;
        if (read_shape(value, shape)) {
          t.shape = std::move(shape);
          t.has_shape = true;
        }
      }
    }
    for (const auto& node : graph_.node()) {
      if (node.op_type() != "Constant" || node.output_size() < 1 || node.output(0).empty())
        continue;
      Tensor& t = tensors_[static_cast<size_t>(intern(node.output(0)))];
      if (!t.has_shape || t.shape.empty())
        t.has_shape = constant_dims(node, t.shape) || t.has_shape;
    }
    // ONNX 1.12 gives the mask of an opset < 12 Dropout no shape; it is the data's shape.
    for (const auto& node : graph_.node()) {
      if (node.op_type() != "Dropout" || node.output_size() < 2 || node.output(1).empty()) continue;
      const int data_id = intern(node.output(0));  // intern both before taking references:
      const int mask_id = intern(node.output(1));  // interning can grow tensors_
      const Tensor& data = tensors_[static_cast<size_t>(data_id)];
      Tensor& mask = tensors_[static_cast<size_t>(mask_id)];
      if (!mask.has_shape && data.has_shape) {
        mask.shape = data.shape;
        mask.has_shape = true;
      }
    }
  }

  /// An operator that only produces a constant: Constant, and (corrected compat) a
  /// ConstantOfShape of a constant shape, which is how ONNX's light models store weights.
  bool produces_constant(const onnx::NodeProto& node) {
    if (node.op_type() == "Constant") return true;
    if (compat_ != OnnxCompat::kCorrected || node.op_type() != "ConstantOfShape") return false;
    if (!(node.domain().empty() || node.domain() == "ai.onnx") || node.input_size() < 1)
      return false;
    const auto it = ids_.find(node.input(0));
    return it != ids_.end() && tensors_[static_cast<size_t>(it->second)].constant;
  }

  // §2.2: one node per output, edges from the connected input slots.
  void walk_operators() {
    const int n = graph_.node_size();
    op_is_constant_.assign(static_cast<size_t>(n), false);
    std::vector<int> connected;
    for (int i = 0; i < n; ++i) {
      const onnx::NodeProto& node = graph_.node(i);
      const EdgeRule rule = edge_rule(node.domain(), node.op_type());
      if (!rule.known) {
        unknown_ops_.insert(node.op_type());
        warn_unknown_op(node.domain(), node.op_type(), model_.source());
      }
      const bool constant = produces_constant(node);
      op_is_constant_[static_cast<size_t>(i)] = constant;

      connected.clear();
      if (!constant) {
        for (int slot = 0; slot < node.input_size(); ++slot) {
          if (node.input(slot).empty()) continue;  // an omitted optional input
          const int tensor = intern(node.input(slot));
          if (rule.connects(slot, tensors_[static_cast<size_t>(tensor)].known))
            connected.push_back(tensor);
        }
      }
      // A weight stored as ConstantOfShape is treated exactly like the initializer it stands
      // for: known from here on, and a node only if a connected slot uses it (as an edge
      // source, in the same place of the node order as an initializer).
      const bool weight = constant && node.op_type() == "ConstantOfShape";
      for (const std::string& out : node.output()) {
        if (out.empty()) continue;
        const int tensor = intern(out);
        Tensor& t = tensors_[static_cast<size_t>(tensor)];
        if (weight) {
          t.known = t.constant = true;
          t.floating = produces_floating(node);
          continue;
        }
        if (t.node < 0) {
          t.node = static_cast<int>(nodes_.size());
          nodes_.push_back({tensor, i});
        } else {
          nodes_[static_cast<size_t>(t.node)].op =
              i;  // a tensor written twice: the last writer wins
        }
        if (constant) {
          t.known = t.constant = true;
          t.floating = produces_floating(node);
        }
        for (int source : connected) pending_edges_.emplace_back(source, tensor);
      }
    }
  }

  void add_pending_edges() {
    std::unordered_set<uint64_t> seen;
    seen.reserve(pending_edges_.size() * 2);
    for (const auto& [source, target] : pending_edges_) {
      Tensor& s = tensors_[static_cast<size_t>(source)];
      if (s.node < 0) {
        s.node = static_cast<int>(nodes_.size());
        nodes_.push_back({source, -1});
      }
      const int from = s.node;
      const int to = tensors_[static_cast<size_t>(target)].node;
      const uint64_t key =
          (static_cast<uint64_t>(static_cast<uint32_t>(from)) << 32) | static_cast<uint32_t>(to);
      if (!seen.insert(key).second) continue;
      if (successors_.size() < nodes_.size()) successors_.resize(nodes_.size());
      successors_[static_cast<size_t>(from)].push_back(to);
      edges_.emplace_back(from, to);
    }
    successors_.resize(nodes_.size());
    in_degree_.assign(nodes_.size(), 0);
    for (const auto& e : edges_) ++in_degree_[static_cast<size_t>(e.second)];
  }

  // Nodes without predecessors become Input nodes when they are used known tensors, and
  // are deleted otherwise (unused constants, generators, dangling names). Examined once.
  void prune() {
    alive_.assign(nodes_.size(), true);
    is_input_.assign(nodes_.size(), false);
    std::vector<size_t> sources;
    for (size_t v = 0; v < nodes_.size(); ++v)
      if (in_degree_[v] == 0) sources.push_back(v);
    for (size_t v : sources) {
      const Tensor& t = tensors_[static_cast<size_t>(nodes_[v].tensor)];
      if (!successors_[v].empty() && t.known) {
        is_input_[v] = true;
      } else {
        alive_[v] = false;
        for (int w : successors_[v]) --in_degree_[static_cast<size_t>(w)];
      }
    }
  }

  // §2.7: Kahn's algorithm by generations (networkx >= 2.6 topological_sort).
  std::vector<int> topological_order() {
    std::vector<int> order;
    order.reserve(nodes_.size());
    std::vector<int> degree = in_degree_;
    size_t alive = 0;
    for (size_t v = 0; v < nodes_.size(); ++v) {
      if (!alive_[v]) continue;
      ++alive;
      if (degree[v] == 0) order.push_back(static_cast<int>(v));
    }
    for (size_t head = 0; head < order.size(); ++head) {
      // Appending while walking a generation is the same as collecting the next generation:
      // nodes are visited generation by generation, in the order they reached in-degree 0.
      for (int w : successors_[static_cast<size_t>(order[head])]) {
        if (!alive_[static_cast<size_t>(w)]) continue;
        if (--degree[static_cast<size_t>(w)] == 0) order.push_back(w);
      }
    }
    if (order.size() != alive) {
      for (size_t v = 0; v < nodes_.size(); ++v)
        if (alive_[v] && degree[v] > 0)
          throw DataError(
              with_file(model_.source(), "the ONNX graph has a cycle (through tensor '" +
                                             name_of(static_cast<int>(v)) + "')"));
    }
    return order;
  }

  const std::string& name_of(int node) const {
    return *names_[static_cast<size_t>(nodes_[static_cast<size_t>(node)].tensor)];
  }

  OperatorShapes operator_shapes(const onnx::NodeProto& node,
                                 const std::map<std::string, Attribute>& attributes) {
    OperatorShapes op;
    op.op_type = node.op_type();
    op.attributes = &attributes;
    op.num_inputs = node.input_size();
    op.inputs.reserve(static_cast<size_t>(node.input_size()));
    op.input_is_constant.reserve(static_cast<size_t>(node.input_size()));
    op.input_is_parameter.reserve(static_cast<size_t>(node.input_size()));
    for (const std::string& name : node.input()) {
      Tensor* t = lookup(name);
      op.inputs.push_back(t && t->has_shape ? &t->shape : nullptr);
      op.input_is_constant.push_back(t && t->constant);
      const bool parameter =
          t && t->constant && t->floating && t->has_shape && !t->counted &&
          std::any_of(t->shape.begin(), t->shape.end(), [](int64_t d) { return d != 1; }) &&
          std::none_of(t->shape.begin(), t->shape.end(), [](int64_t d) { return d <= 0; });
      op.input_is_parameter.push_back(parameter);
      if (parameter) t->counted = true;
    }
    op.outputs.reserve(static_cast<size_t>(node.output_size()));
    for (const std::string& name : node.output()) {
      const Tensor* t = lookup(name);
      op.outputs.push_back(t && t->has_shape ? &t->shape : nullptr);
    }
    return op;
  }

  Tensor* lookup(const std::string& name) {
    if (name.empty()) return nullptr;
    const auto it = ids_.find(name);
    return it == ids_.end() ? nullptr : &tensors_[static_cast<size_t>(it->second)];
  }

  /// Conv/ConvTranspose without kernel_shape: the last two weight dims, or -1 (reference).
  void add_kernel_shape(const onnx::NodeProto& node, std::map<std::string, Attribute>& attributes) {
    if (attributes.count("kernel_shape")) return;
    Attribute kernel;
    const Tensor* w = node.input_size() > 1 ? lookup(node.input(1)) : nullptr;
    const bool usable = w && w->has_shape && (w->known || compat_ == OnnxCompat::kCorrected);
    if (usable && !w->shape.empty()) {
      const size_t from = w->shape.size() >= 2 ? w->shape.size() - 2 : 0;
      kernel.ints.assign(w->shape.begin() + static_cast<std::ptrdiff_t>(from), w->shape.end());
    } else {
      kernel.ints = {-1};
    }
    attributes.emplace("kernel_shape", std::move(kernel));
  }

  Graph assemble(const std::vector<int>& order) {
    Graph graph(model_.source());
    std::vector<int> final_index(nodes_.size(), -1);
    for (size_t i = 0; i < order.size(); ++i)
      final_index[static_cast<size_t>(order[i])] = static_cast<int>(i);

    // Operator attributes and costs, over the operator list (§2.5).
    const int n = graph_.node_size();
    std::vector<std::map<std::string, Attribute>> attributes(static_cast<size_t>(n));
    std::vector<Cost> costs(static_cast<size_t>(n));
    Cost total;
    for (int i = 0; i < n; ++i) {
      const onnx::NodeProto& node = graph_.node(i);
      auto& attrs = attributes[static_cast<size_t>(i)];
      attrs = convert_attributes(node);
      if (node.op_type() == "Conv" || node.op_type() == "ConvTranspose")
        add_kernel_shape(node, attrs);
      if (op_is_constant_[static_cast<size_t>(i)] || unknown_ops_.count(node.op_type())) continue;
      const Cost c = operator_cost(operator_shapes(node, attrs), compat_);
      costs[static_cast<size_t>(i)] = c;
      total.flops += c.flops;
      total.params += c.params;
      total.memory += c.memory;
      total.constant_memory += c.constant_memory;
    }

    // Operators with several output nodes copy their attributes; the last one moves them.
    std::vector<int> uses(static_cast<size_t>(n), 0);
    for (int v : order) {
      const PendingNode& pending = nodes_[static_cast<size_t>(v)];
      if (pending.op >= 0 && !is_input_[static_cast<size_t>(v)])
        ++uses[static_cast<size_t>(pending.op)];
    }
    int missing = 0;
    graph.nodes().reserve(order.size());
    for (int v : order) {
      const PendingNode& pending = nodes_[static_cast<size_t>(v)];
      Tensor& t = tensors_[static_cast<size_t>(pending.tensor)];
      Node node;
      node.name = name_of(v);
      if (t.has_shape)
        node.output_shape = std::move(t.shape);  // costs are done: shapes can go
      else
        ++missing;
      if (is_input_[static_cast<size_t>(v)] || pending.op < 0) {
        node.op_type = "Input";
      } else {
        const onnx::NodeProto& op = graph_.node(pending.op);
        node.op_type = op.op_type();
        node.num_inputs = op.input_size();
        auto& attrs = attributes[static_cast<size_t>(pending.op)];
        const bool first_output = op.output_size() > 0 && op.output(0) == node.name;
        if (--uses[static_cast<size_t>(pending.op)] == 0)
          node.attributes = std::move(attrs);
        else
          node.attributes = attrs;
        if (first_output) node.cost = costs[static_cast<size_t>(pending.op)];
      }
      graph.add_node(std::move(node));
    }
    for (const auto& [from, to] : edges_) {
      const int a = final_index[static_cast<size_t>(from)];
      const int b = final_index[static_cast<size_t>(to)];
      if (a >= 0 && b >= 0) graph.add_edge(a, b);
    }

    GraphFacts& facts = graph.facts();
    facts.batch_size = model_.batch_size();
    facts.total = total;
    facts.num_operators = n;
    facts.unknown_ops.assign(unknown_ops_.begin(), unknown_ops_.end());
    facts.missing_shapes = missing;
    if (missing > 0)
      spdlog::debug("{}: {} of {} nodes have no inferred output shape (encoded as zeros)",
                    model_.source(), missing, graph.num_nodes());
    return graph;
  }

  const OnnxModel& model_;
  const onnx::GraphProto& graph_;
  OnnxCompat compat_;

  std::unordered_map<std::string_view, int> ids_;  // views into the (unchanging) model proto
  std::vector<Tensor> tensors_;
  std::vector<const std::string*> names_;           // by tensor id, into the model proto
  std::vector<PendingNode> nodes_;                  // insertion order (§2.7)
  std::vector<std::pair<int, int>> pending_edges_;  // tensor ids, in the order they were added
  std::vector<std::pair<int, int>> edges_;          // node indices, deduplicated
  std::vector<std::vector<int>> successors_;        // in first-insertion order
  std::vector<int> in_degree_;
  std::vector<bool> alive_, is_input_, op_is_constant_;
  std::set<std::string> unknown_ops_;
};

}  // namespace

Graph build_graph(const OnnxModel& model, OnnxCompat compat) {
  if (!model.prepared())
    throw Error(with_file(model.source(), "build_graph needs a model on which prepare() has run"));
  return GraphBuilder(model, compat).build();
}

Graph import_onnx(const std::string& path, const OnnxImportOptions& options) {
  OnnxModel model = OnnxModel::load(path);
  model.prepare(options.batch_size, options.data_propagation);
  return build_graph(model, options.compat);
}

Graph import_onnx_bytes(const std::string& bytes, const std::string& source,
                        const OnnxImportOptions& options) {
  OnnxModel model = OnnxModel::parse(bytes, source);
  model.prepare(options.batch_size, options.data_propagation);
  return build_graph(model, options.compat);
}

}  // namespace narformer
