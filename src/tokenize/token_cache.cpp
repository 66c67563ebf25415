#include "narformer/tokenize/token_cache.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

#include "narformer/core/atomic_file.h"
#include "narformer/core/error.h"
#include "narformer/onnx/onnx_graph.h"

namespace narformer {

namespace fs = std::filesystem;

namespace {

constexpr char kMagic[8] = {'N', 'F', 'T', 'O', 'K', 'E', 'N', 'S'};

uint64_t murmur64a(const unsigned char* data, size_t size, uint64_t seed) {
  constexpr uint64_t m = 0xc6a4a7935bd1e995ULL;
  constexpr int r = 47;
  uint64_t h = seed ^ (static_cast<uint64_t>(size) * m);
  const size_t blocks = size / 8;
  for (size_t i = 0; i < blocks; ++i) {
    uint64_t k;
    std::memcpy(&k, data + 8 * i, 8);
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
  }
  const unsigned char* tail = data + 8 * blocks;
  const size_t rest = size & 7;
  if (rest) {
    uint64_t k = 0;
    for (size_t i = 0; i < rest; ++i) k |= static_cast<uint64_t>(tail[i]) << (8 * i);
    h ^= k;
    h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

std::string hex(uint64_t a, uint64_t b) {
  static const char* digits = "0123456789abcdef";
  std::string out(32, '0');
  for (int i = 0; i < 16; ++i) {
    out[static_cast<size_t>(15 - i)] = digits[(a >> (4 * i)) & 15];
    out[static_cast<size_t>(31 - i)] = digits[(b >> (4 * i)) & 15];
  }
  return out;
}

template <typename T>
void put(std::string& out, const T& value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(T));
}

class Reader {
 public:
  explicit Reader(const std::string& data) : data_(data) {}
  template <typename T>
  bool get(T& value) {
    if (data_.size() - pos_ < sizeof(T)) return false;
    std::memcpy(&value, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  bool get_bytes(void* out, size_t n) {
    if (data_.size() - pos_ < n) return false;
    if (n) std::memcpy(out, data_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  size_t position() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }

 private:
  const std::string& data_;
  size_t pos_ = 0;
};

uint64_t checksum(const std::string& data, size_t size) {
  return murmur64a(reinterpret_cast<const unsigned char*>(data.data()), size, 0x6e61726661ULL);
}

}  // namespace

std::string content_hash(const void* data, size_t size) {
  const auto* bytes = static_cast<const unsigned char*>(data);
  return hex(murmur64a(bytes, size, 0x9e3779b97f4a7c15ULL),
             murmur64a(bytes, size, 0xd1b54a32d192ed03ULL));
}

std::string serialize_tokens(const TokenSequence& tokens, const std::string& key,
                             uint32_t format_version) {
  std::string out;
  const size_t floats =
      tokens.features.size() + tokens.static_features.size() + tokens.node_costs.size();
  out.reserve(64 + key.size() + 4 * floats + 8 * tokens.edges.size());
  out.append(kMagic, sizeof(kMagic));
  put(out, format_version);
  put(out, static_cast<uint32_t>(key.size()));
  out.append(key);
  put(out, static_cast<int32_t>(tokens.num_nodes));
  put(out, static_cast<int32_t>(tokens.feature_dim));
  put(out, static_cast<int64_t>(tokens.edges.size()));
  put(out, static_cast<int32_t>(tokens.static_features.size()));
  put(out, static_cast<int32_t>(tokens.node_costs.size()));
  put(out, tokens.missing_shapes);
  put(out, tokens.unknown_op_types);
  out.append(reinterpret_cast<const char*>(tokens.features.data()),
             tokens.features.size() * sizeof(float));
  for (const auto& [a, b] : tokens.edges) {
    put(out, a);
    put(out, b);
  }
  out.append(reinterpret_cast<const char*>(tokens.static_features.data()),
             tokens.static_features.size() * sizeof(float));
  out.append(reinterpret_cast<const char*>(tokens.node_costs.data()),
             tokens.node_costs.size() * sizeof(float));
  put(out, checksum(out, out.size()));
  return out;
}

bool deserialize_tokens(const std::string& data, const std::string& key, TokenSequence& out) {
  if (data.size() < sizeof(kMagic) + 8 || std::memcmp(data.data(), kMagic, sizeof(kMagic)) != 0)
    return false;
  uint64_t stored_checksum;
  std::memcpy(&stored_checksum, data.data() + data.size() - 8, 8);
  if (stored_checksum != checksum(data, data.size() - 8)) return false;

  Reader in(data);
  char magic[sizeof(kMagic)];
  uint32_t version = 0, key_size = 0;
  if (!in.get_bytes(magic, sizeof(magic)) || !in.get(version) || version != token_format_version())
    return false;
  if (!in.get(key_size) || key_size != key.size()) return false;
  std::string stored_key(key_size, '\0');
  if (!in.get_bytes(stored_key.data(), key_size) || stored_key != key) return false;
  int32_t n = 0, dim = 0, static_dim = 0, cost_values = 0, missing_shapes = 0, unknown_op_types = 0;
  int64_t edges = 0;
  if (!in.get(n) || !in.get(dim) || !in.get(edges) || !in.get(static_dim) || !in.get(cost_values) ||
      !in.get(missing_shapes) || !in.get(unknown_op_types))
    return false;
  if (n < 0 || dim < 0 || edges < 0 || static_dim < 0 || missing_shapes < 0 || unknown_op_types < 0)
    return false;
  if (cost_values != 0 && cost_values != n * kNodeCostDims) return false;
  const uint64_t expected = 4ull * static_cast<uint64_t>(n) * static_cast<uint64_t>(dim) +
                            8ull * static_cast<uint64_t>(edges) +
                            4ull * static_cast<uint64_t>(static_dim) +
                            4ull * static_cast<uint64_t>(cost_values) + 8;
  if (expected != in.remaining()) return false;

  out.num_nodes = n;
  out.feature_dim = dim;
  out.missing_shapes = missing_shapes;
  out.unknown_op_types = unknown_op_types;
  out.features.resize(static_cast<size_t>(n) * static_cast<size_t>(dim));
  in.get_bytes(out.features.data(), out.features.size() * sizeof(float));
  out.edges.resize(static_cast<size_t>(edges));
  for (auto& [a, b] : out.edges) {
    in.get(a);
    in.get(b);
    if (a < 0 || b <= a || b >= n) return false;
  }
  out.static_features.resize(static_cast<size_t>(static_dim));
  in.get_bytes(out.static_features.data(), out.static_features.size() * sizeof(float));
  out.node_costs.resize(static_cast<size_t>(cost_values));
  in.get_bytes(out.node_costs.data(), out.node_costs.size() * sizeof(float));
  return true;
}

TokenCache::TokenCache(const OnnxTokenizerOptions& options, std::string directory)
    : tokenizer_(options), directory_(std::move(directory)) {}

std::string TokenCache::key(const std::string& bytes, int64_t batch_size) const {
  std::ostringstream text;
  text << content_hash(bytes.data(), bytes.size()) << ";batch=" << batch_size << ";"
       << tokenizer_.options().key() << ";format=" << token_format_version();
  const std::string s = text.str();
  return content_hash(s.data(), s.size());
}

std::string TokenCache::file_for(const std::string& key) const {
  if (directory_.empty()) return "";
  return (fs::path(directory_) / (key + ".ntok")).string();
}

std::shared_ptr<const TokenSequence> TokenCache::get(const std::string& path, int64_t batch_size) {
  return get_bytes(read_file(path), path, batch_size);
}

std::shared_ptr<const TokenSequence> TokenCache::get_bytes(const std::string& bytes,
                                                           const std::string& source,
                                                           int64_t batch_size) {
  const std::string k = key(bytes, batch_size);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = entries_.find(k);
    if (it != entries_.end()) {
      ++stats_.memory_hits;
      return it->second;
    }
  }

  const std::string file = file_for(k);
  if (!file.empty()) {
    std::error_code ec;
    if (fs::exists(file, ec)) {
      auto tokens = std::make_shared<TokenSequence>();
      bool ok = false;
      try {
        ok = deserialize_tokens(read_file(file), k, *tokens);
      } catch (const std::exception&) {
        ok = false;
      }
      std::lock_guard<std::mutex> lock(mutex_);
      if (ok) {
        ++stats_.disk_hits;
        return entries_.emplace(k, std::move(tokens)).first->second;
      }
      ++stats_.disk_rejected;
      spdlog::debug("{}: token cache file {} is corrupt or outdated; rebuilding it", source, file);
    }
  }

  auto tokens = std::make_shared<const TokenSequence>(tokenizer_.tokenize(
      import_onnx_bytes(bytes, source, tokenizer_.options().import_options(batch_size))));
  if (!file.empty()) {
    try {
      std::error_code ec;
      fs::create_directories(directory_, ec);
      write_file_atomic(file, serialize_tokens(*tokens, k));
    } catch (const std::exception& e) {
      spdlog::warn("{}: cannot write token cache file ({}); continuing without it", source,
                   e.what());
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  ++stats_.computed;
  return entries_.emplace(k, std::move(tokens)).first->second;
}

TokenCacheStats TokenCache::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stats_;
}

size_t TokenCache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

void TokenCache::clear_memory() {
  std::lock_guard<std::mutex> lock(mutex_);
  entries_.clear();
}

}  // namespace narformer
