#pragma once
// Tokenize each ONNX file once: an in-memory map plus optional binary cache files.
//
//   TokenCache cache(OnnxTokenizerOptions{}, "runs/.token_cache");
//   auto tokens = cache.get("model.onnx", /*batch_size=*/1);   // shared, immutable
//
// The key is a hash of (file bytes, batch size, every tokenizer setting, token format
// version). The format version is derived from what this build's importer and tokenizer
// produce (token_format.h), so a changed formula or layout makes old files stale by itself. The
// reference keys its cache by sample id only and silently reuses stale features after a settings
// change (method.md §2.8, §6 item 22); here any change of the file's content or of a setting gives
// a new key. Cache files are written atomically; a cache file that is truncated, corrupt or of
// another format version is ignored, recomputed and rewritten (logged at debug level), never fatal.
// Thread-safe.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "narformer/tokenize/onnx_tokenizer.h"
#include "narformer/tokenize/token_format.h"
#include "narformer/tokenize/token_sequence.h"

namespace narformer {

struct TokenCacheStats {
  int64_t memory_hits = 0;
  int64_t disk_hits = 0;
  int64_t computed = 0;
  int64_t disk_rejected = 0;  ///< unreadable or corrupt cache files that were rebuilt
};

class TokenCache {
 public:
  /// `directory` empty: memory only. Otherwise cache files `<directory>/<key>.ntok`; the
  /// folder is created on first write.
  explicit TokenCache(const OnnxTokenizerOptions& options = {}, std::string directory = {});

  /// Tokens of the ONNX file at `path` at `batch_size`. Throws DataError like import_onnx.
  std::shared_ptr<const TokenSequence> get(const std::string& path, int64_t batch_size);
  /// The same for a serialized model in memory; `source` names it in messages.
  std::shared_ptr<const TokenSequence> get_bytes(const std::string& bytes,
                                                 const std::string& source, int64_t batch_size);

  /// Cache key of a model's bytes at `batch_size` under this cache's settings (32 hex digits).
  std::string key(const std::string& bytes, int64_t batch_size) const;
  /// Path of the cache file for `key` ("" without a directory).
  std::string file_for(const std::string& key) const;

  const OnnxTokenizer& tokenizer() const { return tokenizer_; }
  TokenCacheStats stats() const;
  size_t size() const;
  void clear_memory();

 private:
  OnnxTokenizer tokenizer_;
  std::string directory_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<const TokenSequence>> entries_;
  TokenCacheStats stats_;
};

/// 128-bit hash of bytes as 32 hex digits (two seeded 64-bit MurmurHash64A passes). Not
/// cryptographic; collisions among a dataset's files are negligible.
std::string content_hash(const void* data, size_t size);

/// The cache file format: magic, format version, key, sizes, data, checksum (little endian).
std::string serialize_tokens(const TokenSequence& tokens, const std::string& key,
                             uint32_t format_version = token_format_version());
/// False (and `out` unspecified) for anything that is not a complete, intact file for `key`.
bool deserialize_tokens(const std::string& data, const std::string& key, TokenSequence& out);

}  // namespace narformer
