#include "narformer/runtime/weight_file.h"

#include <gtest/gtest.h>

#include "../test_util.h"
#include "narformer/core/atomic_file.h"
#include "narformer/core/error.h"

namespace narformer {
namespace {

using testing::error_message;
using testing::TempDir;

WeightFile example() {
  WeightFile w;
  w.meta = "hidden=2";
  w.arrays["a.weight"] = {{2, 3}, {1, 2, 3, 4, 5, 6}};
  w.arrays["a.bias"] = {{3}, {-1.5f, 0, 1e-30f}};
  w.arrays["scalar"] = {{}, {7}};
  return w;
}

TEST(WeightFile, RoundTripsNamesShapesAndValues) {
  TempDir dir;
  write_weight_file(dir.path() + "/m.weights", example());
  const WeightFile back = read_weight_file(dir.path() + "/m.weights");
  EXPECT_EQ(back.meta, "hidden=2");
  ASSERT_EQ(back.arrays.size(), 3u);
  EXPECT_EQ(back.at("a.weight", {2, 3}, "f").values, (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(back.at("a.bias", {3}, "f").values, (std::vector<float>{-1.5f, 0, 1e-30f}));
  EXPECT_EQ(back.at("scalar", {}, "f").values, (std::vector<float>{7}));
  EXPECT_NE(error_message<RunError>([&] {
              back.at("a.weight", {3, 2}, "m.weights");
            }).find("has shape [2, 3]"),
            std::string::npos);
  EXPECT_NE(
      error_message<RunError>([&] { back.at("b", {1}, "m.weights"); }).find("no weights named 'b'"),
      std::string::npos);
  EXPECT_EQ(weights_path_for("runs/x/best.pt"), "runs/x/best.weights");
  EXPECT_EQ(weights_path_for("model"), "model.weights");
}

TEST(WeightFile, TruncatedCorruptAndMissingFilesNameTheFile) {
  TempDir dir;
  const std::string path = dir.path() + "/m.weights";
  write_weight_file(path, example());
  const std::string bytes = read_file(path);
  for (size_t cut : {size_t{0}, size_t{5}, size_t{20}, bytes.size() - 1}) {
    write_file_atomic(path, bytes.substr(0, cut));
    const std::string message = error_message<RunError>([&] { read_weight_file(path); });
    EXPECT_NE(message.find(path), std::string::npos) << cut;
    EXPECT_NE(message.find("truncated"), std::string::npos) << message;
  }
  write_file_atomic(path, "NOTAFILE" + bytes.substr(8));
  EXPECT_NE(
      error_message<RunError>([&] { read_weight_file(path); }).find("not a narformer weight file"),
      std::string::npos);
  write_file_atomic(path, bytes + "x");
  EXPECT_NE(error_message<RunError>([&] { read_weight_file(path); }).find("bytes after"),
            std::string::npos);
  EXPECT_NE(error_message<RunError>([&] {
              read_weight_file(dir.path() + "/none.weights");
            }).find("none.weights"),
            std::string::npos);
}

}  // namespace
}  // namespace narformer
