#include "narformer/tokenize/onnx_tokenizer.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "narformer/config/config.h"
#include "narformer/core/error.h"
#include "narformer/onnx/operators.h"

namespace narformer {

namespace {

constexpr int kTableSize = 4097;  // E(0) ... E(4096): batch sizes, channels, spatial sizes
constexpr int kValues = 2 * OnnxTokenizer::kFrequencies;
constexpr int kAttributeSlots = 8;

/// One table per embed type, built once per process with the embedder itself.
const float* small_integer_table(EmbedType type) {
  static std::mutex mutex;
  static std::unordered_map<int, std::unique_ptr<float[]>> tables;
  std::lock_guard<std::mutex> lock(mutex);
  auto& table = tables[static_cast<int>(type)];
  if (!table) {
    const SinusoidalEmbedder embedder(type, OnnxTokenizer::kFrequencies);
    table = std::make_unique<float[]>(static_cast<size_t>(kTableSize) * kValues);
    for (int i = 0; i < kTableSize; ++i)
      embedder.embed(static_cast<float>(i), table.get() + i * kValues);
  }
  return table.get();
}

/// First element of an int attribute, or `fallback` when absent or empty.
float first_int(const Node& node, const char* name, float fallback) {
  const auto it = node.attributes.find(name);
  if (it == node.attributes.end()) return fallback;
  if (!it->second.ints.empty()) return static_cast<float>(it->second.ints.front());
  if (!it->second.floats.empty()) return static_cast<float>(it->second.floats.front());
  return fallback;
}

/// The node's cost split by kind of work (NodeCost columns).
void write_node_costs(const Node& node, float* c) {
  const Cost& cost = node.cost;
  const OperatorInfo* info = find_operator(node.op_type);
  const FlopColumn flops = info ? info->flops : FlopColumn::kNone;
  int flop_column = -1;
  if (flops == FlopColumn::kConvolution) {
    if (first_int(node, "group", 1) > 1) {
      flop_column = kGroupedConvGflop;
    } else {
      const auto it = node.attributes.find("kernel_shape");
      const bool pointwise = it != node.attributes.end() && !it->second.ints.empty() &&
                             std::all_of(it->second.ints.begin(), it->second.ints.end(),
                                         [](int64_t k) { return k == 1; });
      flop_column = pointwise ? kPointwiseConvGflop : kSpatialConvGflop;
    }
  } else if (flops == FlopColumn::kMatMul) {
    flop_column = kMatMulGflop;
  } else if (flops == FlopColumn::kPoolWindow) {
    flop_column = kPoolWindowGiga;
  }
  if (flop_column >= 0) c[flop_column] = static_cast<float>(cost.flops / 1e9);
  c[kOutputMelem] = static_cast<float>((cost.memory - cost.constant_memory) / 1e6);
  c[kConstantMelem] = static_cast<float>(cost.constant_memory / 1e6);
  const bool library_call = flop_column >= 0 && flop_column != kPoolWindowGiga;
  c[library_call ? kLibraryCall : kOtherOperator] = 1.0f;
}

}  // namespace

std::string OnnxTokenizerOptions::key() const {
  return "onnx-tokens;embed=" + to_string(embed) +
         ";frequencies=" + std::to_string(OnnxTokenizer::kFrequencies) +
         ";dp=" + std::to_string(position_frequencies) + ";compat=" + to_string(compat);
}

OnnxTokenizerOptions OnnxTokenizerOptions::from_config(const TokenizerConfig& config) {
  OnnxTokenizerOptions options;
  options.embed = config.embed;
  options.position_frequencies = static_cast<int>(config.dp);
  options.compat = config.compat;
  return options;
}

OnnxImportOptions OnnxTokenizerOptions::import_options(int64_t batch_size) const {
  OnnxImportOptions import;
  import.batch_size = batch_size;
  import.compat = compat;
  return import;
}

OnnxTokenizer::OnnxTokenizer(const OnnxTokenizerOptions& options)
    : options_(options),
      embedder_(options.embed, kFrequencies),
      position_embedder_(options.embed, std::max(options.position_frequencies, 1)) {
  if (options.position_frequencies < 0 || options.position_frequencies > 4096)
    throw ConfigError("the position code needs 0 to 4096 frequencies, got " +
                      std::to_string(options.position_frequencies));
  table_ = small_integer_table(options.embed);
}

int OnnxTokenizer::feature_dim() const {
  return kOpTypeDims + kAttributeDims + kShapeDims + 2 * options_.position_frequencies;
}

int OnnxTokenizer::op_code(std::string_view op_type) const {
  const OperatorInfo* info = find_operator(op_type);
  if (!info) return 0;
  if (info->op_code == 18 && options_.compat == OnnxCompat::kReference) return 0;  // "Matmul"
  return info->op_code;
}

void OnnxTokenizer::embed_scalar(float v, float* out) const {
  // Hostile files can make costs overflow to infinity; sin(inf) would be NaN.
  if (!std::isfinite(v))
    v = std::isnan(v) ? 0.0f : std::copysign(std::numeric_limits<float>::max(), v);
  if (v >= 0 && v < static_cast<float>(kTableSize) &&
      v == static_cast<float>(static_cast<int>(v))) {
    const float* row = table_ + static_cast<int>(v) * kValues;
    std::copy(row, row + kValues, out);
  } else {
    embedder_.embed(v, out);
  }
}

TokenSequence OnnxTokenizer::tokenize(const Graph& graph) const {
  TokenSequence tokens;
  const int n = graph.num_nodes();
  const int dim = feature_dim();
  tokens.num_nodes = n;
  tokens.feature_dim = dim;
  tokens.features.assign(static_cast<size_t>(n) * static_cast<size_t>(dim), 0.0f);

  for (int i = 0; i < n; ++i) {
    const Node& node = graph.node(i);
    float* row = tokens.features.data() + static_cast<size_t>(i) * static_cast<size_t>(dim);

    // Op type one-hot and attributes.
    const int code = op_code(node.op_type);
    if (code > 0) {
      const AttributeEncoding encoding = find_operator(node.op_type)->attributes;
      row[code - 1] = 1.0f;
      float* attrs = row + kOpTypeDims;
      std::array<float, kAttributeSlots> values{};
      int count = 0;
      const float bias = node.num_inputs == 3 ? 1.0f : 0.0f;
      switch (encoding) {
        case AttributeEncoding::kConv:
        case AttributeEncoding::kConvTranspose:
          values = {first_int(node, "kernel_shape", -1), first_int(node, "strides", 1),
                    first_int(node, "pads", 0),          first_int(node, "dilations", 1),
                    first_int(node, "group", 1),         bias,
                    first_int(node, "output_padding", 0)};
          count = encoding == AttributeEncoding::kConv ? 6 : 7;
          break;
        case AttributeEncoding::kPool:
          values = {first_int(node, "kernel_shape", 0), first_int(node, "strides", 1),
                    first_int(node, "pads", 0)};
          count = 3;
          break;
        case AttributeEncoding::kGemm:
          values[0] = bias;
          count = 1;
          break;
        case AttributeEncoding::kTranspose: {
          std::array<float, 8> perm{};
          const auto p = node.attributes.find("perm");
          if (p != node.attributes.end())
            for (size_t k = 0; k < perm.size() && k < p->second.ints.size(); ++k)
              perm[k] = static_cast<float>(p->second.ints[k]);
          embedder_.embed_vector(perm.data(), static_cast<int>(perm.size()), attrs);
          break;
        }
        case AttributeEncoding::kNone:
          break;
      }
      for (int k = 0; k < count; ++k)
        embed_scalar(values[static_cast<size_t>(k)], attrs + k * kValues);
    }

    // Output shape: first four dims, zero-padded.
    float* shape = row + kOpTypeDims + kAttributeDims;
    for (int k = 0; k < 4; ++k) {
      const float v = static_cast<size_t>(k) < node.output_shape.size()
                          ? static_cast<float>(node.output_shape[static_cast<size_t>(k)])
                          : 0.0f;
      embed_scalar(v, shape + k * kValues);
    }

    if (options_.position_frequencies > 0)
      position_embedder_.embed(static_cast<float>(i),
                               row + kOpTypeDims + kAttributeDims + kShapeDims);
  }

  // Undirected edges, each once.
  tokens.edges.reserve(graph.edges().size());
  for (const auto& [from, to] : graph.edges()) {
    if (from == to) continue;
    tokens.edges.emplace_back(std::min(from, to), std::max(from, to));
  }
  std::sort(tokens.edges.begin(), tokens.edges.end());
  tokens.edges.erase(std::unique(tokens.edges.begin(), tokens.edges.end()), tokens.edges.end());

  // Node costs by kind of work (token_sequence.h), in units that keep typical values near 1
  // (a 3x3 conv of resnet18: ~0.23 GFLOP, ~0.2 M elements).
  tokens.node_costs.assign(static_cast<size_t>(graph.num_nodes()) * kNodeCostDims, 0.0f);
  for (int i = 0; i < graph.num_nodes(); ++i)
    write_node_costs(graph.node(i),
                     tokens.node_costs.data() + static_cast<size_t>(i) * kNodeCostDims);

  // Static features: batch as an integer, the costs in billions as float32.
  const GraphFacts& facts = graph.facts();
  tokens.missing_shapes = facts.missing_shapes;
  tokens.unknown_op_types = static_cast<int32_t>(facts.unknown_ops.size());
  tokens.static_features.assign(kStaticDims, 0.0f);
  float* s = tokens.static_features.data();
  embed_scalar(static_cast<float>(facts.batch_size), s);
  embed_scalar(static_cast<float>(facts.total.flops / 1e9), s + kValues);
  embed_scalar(static_cast<float>(facts.total.params / 1e9), s + 2 * kValues);
  embed_scalar(static_cast<float>(facts.total.memory / 1e9), s + 3 * kValues);
  return tokens;
}

}  // namespace narformer
