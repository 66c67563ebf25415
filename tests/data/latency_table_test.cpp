// gt.txt lines that cannot be trained on are errors naming the file, the line and the field.
#include <gtest/gtest.h>

#include "../test_util.h"
#include "narformer/core/error.h"
#include "narformer/data/latency_table.h"

namespace narformer {
namespace {

using testing::error_message;
using testing::TempFile;

std::string error_for(const std::string& line) {
  TempFile gt("1 onnx/a.onnx 1 2.5 resnet18 1\n" + line + "\n");
  const std::string m = error_message<DataError>([&] { read_latency_table(gt.path()); });
  EXPECT_NE(m.find(gt.path()), std::string::npos) << m;
  EXPECT_NE(m.find("line 2"), std::string::npos) << m;
  return m;
}

TEST(LatencyTable, ReadsLinesAndRejectsUnusableLabels) {
  TempFile gt("7 onnx/a.onnx 4 2.5 resnet18 cpu test\n");
  const LatencyTable table = read_latency_table(gt.path());
  ASSERT_EQ(table.records.size(), 1u);
  EXPECT_EQ(table.records[0].batch_size, 4);
  EXPECT_EQ(table.records[0].latency_ms, 2.5);
  EXPECT_EQ(table.records[0].stage, "test");

  EXPECT_NE(error_for("2 onnx/b.onnx 1 nan resnet18 1").find("is not a number"), std::string::npos);
  EXPECT_NE(error_for("2 onnx/b.onnx 1 inf resnet18 1").find("is infinite"), std::string::npos);
  EXPECT_NE(error_for("2 onnx/b.onnx 1 -3 resnet18 1").find("must be positive"), std::string::npos);
  EXPECT_NE(error_for("2 onnx/b.onnx 0 3 resnet18 1").find("not a positive integer"),
            std::string::npos);
}

}  // namespace
}  // namespace narformer
