// Atomic writes and the .npy bytes users load with NumPy.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "../test_util.h"
#include "narformer/core/atomic_file.h"
#include "narformer/core/error.h"
#include "narformer/core/npy.h"

namespace narformer {
namespace {

namespace fs = std::filesystem;

TEST(AtomicFile, WritesWholeFilesAndLeavesNothingBehindOnFailure) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/result.json";
  write_file_atomic(path, "first");
  write_file_atomic(path, "second, longer");
  EXPECT_EQ(read_file(path), "second, longer");

  // A writer that fails: the old file stays as it was and no temporary file is left.
  EXPECT_THROW(write_atomic_with(path,
                                 [](const std::string& tmp) {
                                   write_file_atomic(tmp, "half");
                                   throw std::runtime_error("interrupted");
                                 }),
               std::runtime_error);
  EXPECT_EQ(read_file(path), "second, longer");
  int files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1);

  append_line(path, "third");
  EXPECT_EQ(read_file(path), "second, longerthird\n");

  // Errors name the file.
  const std::string missing = dir.path() + "/no/such/folder/x.json";
  EXPECT_NE(testing::error_message<Error>([&] { write_file_atomic(missing, "x"); }).find(missing),
            std::string::npos);
  EXPECT_EQ(testing::error_message<DataError>([&] { read_file(dir.path() + "/absent"); }),
            dir.path() + "/absent: file not found");
}

// The layout numpy.lib.format reads: magic, version 1.0, little-endian header length, a
// Python dict padded with spaces to a 64-byte boundary and ended by '\n', then the data.
TEST(Npy, Float32ArraysInNumpysFormat) {
  const float values[6] = {1.5f, -2.0f, 0.0f, 3.25f, 1e-3f, 7.0f};
  const std::string bytes = npy_float32(values, {2, 3});
  ASSERT_GT(bytes.size(), 10u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  const size_t header_length = static_cast<unsigned char>(bytes[8]) |
                               (static_cast<size_t>(static_cast<unsigned char>(bytes[9])) << 8);
  const std::string header = bytes.substr(10, header_length);
  EXPECT_EQ((10 + header_length) % 64, 0u);
  EXPECT_EQ(header.back(), '\n');
  EXPECT_EQ(header.rfind("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 0), 0u)
      << header;
  ASSERT_EQ(bytes.size(), 10 + header_length + sizeof values);
  EXPECT_EQ(std::memcmp(bytes.data() + 10 + header_length, values, sizeof values), 0);

  const std::string vector = npy_float32(values, {4});
  EXPECT_NE(vector.find("'shape': (4, )"), std::string::npos);  // Python reads it as (4,)
  EXPECT_EQ(vector.size() % 64, 4 * sizeof(float) % 64);
}

}  // namespace
}  // namespace narformer
