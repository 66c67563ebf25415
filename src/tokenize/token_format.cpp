#include "narformer/tokenize/token_format.h"

#include <string>

#include "narformer/onnx/onnx_graph.h"
#include "narformer/onnx/operators.h"
#include "narformer/onnx/probe_models.h"
#include "narformer/tokenize/onnx_tokenizer.h"
#include "narformer/tokenize/token_cache.h"

namespace narformer {

namespace {

/// FNV-1a over raw bytes, continued from `hash`.
uint64_t fnv1a(const void* data, size_t size, uint64_t hash = 0xcbf29ce484222325ULL) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < size; ++i) hash = (hash ^ bytes[i]) * 0x100000001b3ULL;
  return hash;
}

/// A vector's length, then its elements.
template <typename T>
uint64_t fnv1a(const std::vector<T>& values, uint64_t hash) {
  const uint64_t count = values.size();
  return fnv1a(values.data(), values.size() * sizeof(T), fnv1a(&count, sizeof count, hash));
}

}  // namespace

uint64_t token_digest(const TokenSequence& t) {
  const int32_t header[] = {t.num_nodes, t.feature_dim, t.missing_shapes, t.unknown_op_types};
  uint64_t hash = fnv1a(header, sizeof header);
  hash = fnv1a(t.features, hash);
  hash = fnv1a(t.edges, hash);
  hash = fnv1a(t.static_features, hash);
  return fnv1a(t.node_costs, hash);
}

std::vector<TokenSequence> probe_tokens() {
  std::vector<OnnxTokenizerOptions> settings;
  for (OnnxCompat compat : {OnnxCompat::kCorrected, OnnxCompat::kReference})
    for (EmbedType embed : {EmbedType::kTrans, EmbedType::kNerf}) {
      OnnxTokenizerOptions options;
      options.compat = compat;
      options.embed = embed;
      settings.push_back(options);
    }
  OnnxTokenizerOptions with_position;
  with_position.position_frequencies = 4;
  settings.push_back(with_position);

  std::vector<TokenSequence> tokens;
  for (const ProbeModel& probe : probe_models())
    for (const OnnxTokenizerOptions& options : settings) {
      const OnnxTokenizer tokenizer(options);
      for (int64_t batch : {1, 3}) {
        if (options.position_frequencies > 0 && batch > 1) continue;
        tokens.push_back(tokenizer.tokenize(
            import_onnx_bytes(probe.bytes, "probe:" + probe.name, options.import_options(batch))));
      }
    }
  return tokens;
}

uint32_t format_version_of(const std::vector<TokenSequence>& tokens) {
  uint64_t hash = fnv1a(nullptr, 0);
  for (const TokenSequence& t : tokens) {
    const uint64_t digest = token_digest(t);
    hash = fnv1a(&digest, sizeof digest, hash);
    // Version 0 in the file bytes: the layout enters the hash, the version cannot.
    const std::string file = serialize_tokens(t, "probe", /*format_version=*/0);
    hash = fnv1a(file.data(), file.size(), hash);
  }
  const auto version = static_cast<uint32_t>(hash ^ (hash >> 32));
  return version == 0 ? 1 : version;
}

uint32_t token_format_version() {
  static const uint32_t built_in = format_version_of(probe_tokens());
  if (added_operators().empty()) return built_in;
  // Operators added at run time are in no probe: their entries enter the hash instead.
  uint64_t hash = fnv1a(&built_in, sizeof built_in);
  for (const OperatorInfo& info : added_operators()) {
    hash = fnv1a(info.type.data(), info.type.size(), hash);
    const int64_t fields[] = {info.edges.always,
                              info.edges.if_unknown,
                              info.edges.all,
                              info.edges.known,
                              static_cast<int64_t>(info.cost),
                              static_cast<int64_t>(info.reference),
                              info.op_code,
                              static_cast<int64_t>(info.attributes),
                              static_cast<int64_t>(info.flops),
                              static_cast<int64_t>(info.fold),
                              info.spatial_guard,
                              info.guard_weight_slot,
                              info.shape_like_first_input};
    hash = fnv1a(fields, sizeof fields, hash);
  }
  const auto version = static_cast<uint32_t>(hash ^ (hash >> 32));
  return version == 0 ? 1 : version;
}

}  // namespace narformer
