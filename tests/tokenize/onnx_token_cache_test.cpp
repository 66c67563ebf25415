// The token cache: keyed by content + batch + settings, memory and disk, corrupt files rebuilt.
#include "narformer/tokenize/token_cache.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../test_util.h"
#include "narformer/core/atomic_file.h"
#include "narformer/core/error.h"
#include "narformer/onnx/onnx_graph.h"

namespace narformer {
namespace {

namespace fs = std::filesystem;
using testing::error_message;
using testing::source_path;
using testing::TempDir;

const char* kSqueezenet = "tests/fixtures/onnx/derived_noweight/light_squeezenet_noweight.onnx";

void expect_same(const TokenSequence& a, const TokenSequence& b) {
  EXPECT_EQ(a.num_nodes, b.num_nodes);
  EXPECT_EQ(a.feature_dim, b.feature_dim);
  EXPECT_EQ(a.features, b.features);
  EXPECT_EQ(a.edges, b.edges);
  EXPECT_EQ(a.static_features, b.static_features);
  EXPECT_EQ(a.node_costs, b.node_costs);
  EXPECT_FALSE(a.node_costs.empty());
}

TEST(TokenCache, KeyDependsOnContentBatchAndEverySetting) {
  const std::string bytes = read_file(source_path(kSqueezenet));
  const TokenCache base;
  const std::string key = base.key(bytes, 1);
  EXPECT_EQ(key.size(), 32u);
  EXPECT_EQ(key, TokenCache().key(bytes, 1));  // stable
  EXPECT_NE(key, base.key(bytes, 2));
  std::string changed = bytes;
  changed[changed.size() / 2] ^= 1;
  EXPECT_NE(key, base.key(changed, 1));
  OnnxTokenizerOptions nerf;
  nerf.embed = EmbedType::kNerf;
  EXPECT_NE(key, TokenCache(nerf).key(bytes, 1));
  OnnxTokenizerOptions position;
  position.position_frequencies = 8;
  EXPECT_NE(key, TokenCache(position).key(bytes, 1));
  OnnxTokenizerOptions reference;
  reference.compat = OnnxCompat::kReference;
  EXPECT_NE(key, TokenCache(reference).key(bytes, 1));
  EXPECT_NE(content_hash("a", 1), content_hash("b", 1));
  EXPECT_EQ(content_hash("", 0).size(), 32u);
}

TEST(TokenCache, MemoryCacheReturnsTheSameTokens) {
  TokenCache cache;
  const auto a = cache.get(source_path(kSqueezenet), 1);
  const auto b = cache.get(source_path(kSqueezenet), 1);
  EXPECT_EQ(a.get(), b.get());
  EXPECT_EQ(cache.stats().computed, 1);
  EXPECT_EQ(cache.stats().memory_hits, 1);
  const auto c = cache.get(source_path(kSqueezenet), 2);
  EXPECT_NE(a.get(), c.get());
  EXPECT_EQ(cache.size(), 2u);
  expect_same(*a, OnnxTokenizer().tokenize(import_onnx(source_path(kSqueezenet))));
}

TEST(TokenCache, DiskCacheRoundTripsAndSurvivesCorruption) {
  TempDir dir;
  const std::string path = source_path(kSqueezenet);
  std::string key;
  {
    TokenCache writer({}, dir.path());
    const auto tokens = writer.get(path, 1);
    key = writer.key(read_file(path), 1);
    EXPECT_TRUE(fs::exists(writer.file_for(key)));
    EXPECT_EQ(writer.stats().computed, 1);
  }
  TokenCache reader({}, dir.path());
  const auto from_disk = reader.get(path, 1);
  EXPECT_EQ(reader.stats().disk_hits, 1);
  EXPECT_EQ(reader.stats().computed, 0);
  expect_same(*from_disk, OnnxTokenizer().tokenize(import_onnx(path)));

  // Truncated, bit-flipped and garbage cache files are rebuilt, not fatal.
  const std::string file = reader.file_for(key);
  const std::string good = read_file(file);
  for (const std::string& bad :
       {good.substr(0, good.size() / 2), std::string("garbage"), std::string(), [&] {
          std::string s = good;
          s[s.size() / 3] ^= 0x10;
          return s;
        }()}) {
    write_file_atomic(file, bad);
    TokenCache fresh({}, dir.path());
    const auto rebuilt = fresh.get(path, 1);
    EXPECT_EQ(fresh.stats().disk_rejected, 1);
    EXPECT_EQ(fresh.stats().computed, 1);
    expect_same(*rebuilt, *from_disk);
    EXPECT_EQ(read_file(file), good);  // rewritten
  }
}

TEST(TokenCache, SerializationRejectsAnotherKey) {
  const TokenSequence tokens = OnnxTokenizer().tokenize(import_onnx(source_path(kSqueezenet)));
  const std::string data = serialize_tokens(tokens, "abc");
  TokenSequence out;
  EXPECT_TRUE(deserialize_tokens(data, "abc", out));
  expect_same(out, tokens);
  EXPECT_FALSE(deserialize_tokens(data, "abd", out));
}

TEST(TokenCache, BadModelFilesStillThrowDataError) {
  TempDir dir;
  TokenCache cache({}, dir.path());
  const std::string path = (fs::path(dir.path()) / "bad.onnx").string();
  std::ofstream(path) << "not a model";
  const std::string message = error_message<DataError>([&] { cache.get(path, 1); });
  EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << message;
}

}  // namespace
}  // namespace narformer
