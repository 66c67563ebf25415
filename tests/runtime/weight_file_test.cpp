#include "narformer/runtime/weight_file.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

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

TEST(WeightFile, HalfPrecisionRoundsToNearestEvenAndHalvesTheFile) {
  EXPECT_EQ(round_to_half(1.0f), 1.0f);
  EXPECT_EQ(round_to_half(-2.5f), -2.5f);
  EXPECT_EQ(round_to_half(0.1f), 0.0999755859375f);  // the half nearest 0.1
  EXPECT_EQ(round_to_half(1.0f + 0x1p-11f), 1.0f);   // a tie goes to the even mantissa
  EXPECT_EQ(round_to_half(1.0f + 0x3p-11f), 1.0f + 0x1p-9f);
  EXPECT_EQ(round_to_half(65504.0f), 65504.0f);  // the largest half
  EXPECT_TRUE(std::isinf(round_to_half(70000.0f)));
  EXPECT_EQ(round_to_half(0x1p-24f), 0x1p-24f);  // the smallest subnormal half
  EXPECT_EQ(round_to_half(0x3p-25f), 0x1p-23f);  // 1.5 subnormal steps: a tie, to even
  EXPECT_EQ(round_to_half(1e-30f), 0.0f);
  EXPECT_TRUE(std::isnan(round_to_half(std::numeric_limits<float>::quiet_NaN())));

  TempDir dir;
  WeightFile w = example();
  w.arrays["big"] = {{1000}, std::vector<float>(1000, 0.1f)};
  write_weight_file(dir.path() + "/full.weights", w);
  write_weight_file(dir.path() + "/half.weights", w, WeightPrecision::kFloat16);
  EXPECT_LT(read_file(dir.path() + "/half.weights").size(),
            read_file(dir.path() + "/full.weights").size() * 6 / 10);
  const WeightFile back = read_weight_file(dir.path() + "/half.weights");
  EXPECT_EQ(back.at("a.bias", {3}, "f").values, (std::vector<float>{-1.5f, 0, 0}));
  EXPECT_EQ(back.at("big", {1000}, "f").values[999], 0.0999755859375f);
}

/// The bytes of a file in an older or newer format: one array "w" of two values.
std::string file_of_version(uint32_t version) {
  std::string out = "NFWEIGHT";
  auto put = [&](auto v) { out.append(reinterpret_cast<const char*>(&v), sizeof(v)); };
  put(version);
  put(uint32_t{0});  // no meta
  put(uint32_t{1});  // one array
  put(uint32_t{1});
  out += "w";
  put(uint32_t{1});  // rank 1
  put(int64_t{2});
  if (version >= 2) put(uint8_t{0});
  put(0.5f);
  put(-4.0f);
  return out;
}

TEST(WeightFile, ReadsVersionOneAndRefusesANewerFormatWithAClearMessage) {
  TempDir dir;
  const std::string path = dir.path() + "/m.weights";
  write_file_atomic(path, file_of_version(1));
  EXPECT_EQ(read_weight_file(path).at("w", {2}, path).values, (std::vector<float>{0.5f, -4.0f}));
  write_file_atomic(path, file_of_version(3));
  const std::string message = error_message<RunError>([&] { read_weight_file(path); });
  EXPECT_NE(message.find(path), std::string::npos);
  EXPECT_NE(message.find("format version 3"), std::string::npos) << message;
  EXPECT_NE(message.find("a newer narformer wrote it"), std::string::npos) << message;
}

}  // namespace
}  // namespace narformer
