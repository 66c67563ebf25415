// The pretrained registry: lookup order, listing, refusal of a newer format, content hashes,
// and the predictors shipped in pretrained/ (readable, and small enough to ship).
#include "narformer/runtime/pretrained.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "../test_util.h"
#include "narformer/core/atomic_file.h"
#include "narformer/core/error.h"

namespace narformer {
namespace {

using testing::error_message;
using testing::TempDir;

void write_manifest(const std::string& dir, const std::string& name, int64_t format_version) {
  std::filesystem::create_directories(dir);
  const nlohmann::json m = {{"name", name},
                            {"version", 3},
                            {"format_version", format_version},
                            {"narformer_version", "0.1.0"},
                            {"task", "accuracy"},
                            {"input", "nb201"},
                            {"platforms", nlohmann::json::array()},
                            {"description", "a test predictor"},
                            {"weights", {{"storage", "float16"}}},
                            {"metrics", {{"summary", "tau 0.5"}}}};
  write_file_atomic(dir + "/pretrained.json", m.dump());
}

/// Sets NARFORMER_PRETRAINED for the scope of the object.
class PretrainedPath {
 public:
  explicit PretrainedPath(const std::string& value) {
    ::setenv("NARFORMER_PRETRAINED", value.c_str(), 1);
  }
  ~PretrainedPath() { ::unsetenv("NARFORMER_PRETRAINED"); }
};

TEST(Pretrained, FindsNamesInTheEnvironmentsFoldersFirstAndListsThemOnce) {
  TempDir first, second;
  write_manifest(first.path() + "/alpha", "alpha", 1);
  write_manifest(second.path() + "/alpha", "alpha", 1);
  write_manifest(second.path() + "/beta", "beta", 1);
  std::filesystem::create_directories(second.path() + "/not_a_predictor");
  const PretrainedPath env(first.path() + ":" + second.path());

  EXPECT_EQ(pretrained_roots().at(0), first.path());
  EXPECT_EQ(find_pretrained("alpha"), first.path() + "/alpha");
  EXPECT_EQ(find_pretrained("beta"), second.path() + "/beta");
  const PretrainedInfo info = read_pretrained_info(second.path() + "/beta");
  EXPECT_EQ(info.version, 3);
  EXPECT_EQ(info.task, "accuracy");
  EXPECT_EQ(info.metrics, "tau 0.5");
  EXPECT_GT(info.size_bytes, 100);
  int alphas = 0;
  for (const PretrainedInfo& p : list_pretrained()) alphas += p.name == "alpha";
  EXPECT_EQ(alphas, 1);

  // What search and Python accept: a folder as given, else a name.
  EXPECT_EQ(run_or_pretrained(second.path()), second.path());
  EXPECT_EQ(run_or_pretrained("beta"), second.path() + "/beta");
  EXPECT_NE(error_message<RunError>([] { run_or_pretrained("runs/none"); }).find("no such run"),
            std::string::npos);

  const std::string unknown = error_message<ConfigError>([] { find_pretrained("gamma"); });
  EXPECT_NE(unknown.find("no pretrained predictor named 'gamma'"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("alpha, beta"), std::string::npos) << unknown;
}

TEST(Pretrained, RefusesANewerFormatAndMalformedManifestsNamingTheFile) {
  TempDir dir;
  write_manifest(dir.path() + "/future", "future", kPretrainedFormatVersion + 1);
  const std::string newer =
      error_message<RunError>([&] { read_pretrained_info(dir.path() + "/future"); });
  EXPECT_NE(newer.find(dir.path() + "/future/pretrained.json"), std::string::npos) << newer;
  EXPECT_NE(newer.find("a newer narformer packed it"), std::string::npos) << newer;

  write_file_atomic(dir.path() + "/future/pretrained.json", "{\"format_version\": 1}");
  EXPECT_NE(error_message<RunError>([&] {
              read_pretrained_info(dir.path() + "/future");
            }).find("malformed"),
            std::string::npos);
  EXPECT_NE(
      error_message<RunError>([&] { read_pretrained_info(dir.path()); }).find("no pretrained.json"),
      std::string::npos);
}

TEST(Pretrained, ContentHashIsFnv1a64) {
  testing::TempFile empty(""), a("a"), text("foobar");
  EXPECT_EQ(file_content_hash(empty.path()), "cbf29ce484222325");
  EXPECT_EQ(file_content_hash(a.path()), "af63dc4c8601ec8c");
  EXPECT_EQ(file_content_hash(text.path()), "85944171f73967e8");
  EXPECT_THROW(file_content_hash("/nonexistent/file"), DataError);
}

TEST(Pretrained, ShippedPredictorsReadAndStayUnderFortyMegabytes) {
  const std::string root = testing::source_path("pretrained");
  int64_t bytes = 0, count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(root)) {
    if (!entry.is_directory()) continue;
    const PretrainedInfo info = read_pretrained_info(entry.path().string());
    EXPECT_EQ(info.name, entry.path().filename().string());
    EXPECT_FALSE(info.metrics.empty()) << info.name << ": no figure to quote";
    EXPECT_FALSE(std::filesystem::exists(entry.path() / "best.pt")) << info.name;
    bytes += info.size_bytes;
    ++count;
  }
  EXPECT_GE(count, 1);
  EXPECT_LT(bytes, 40'000'000);
}

}  // namespace
}  // namespace narformer
