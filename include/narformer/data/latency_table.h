#pragma once
// NNLQP latency files (method.md §5.1): one sample per line, single-space separated,
//
//   <id> <onnx path> <batch size> <latency ms> <model type> <platform id> [<stage>]
//
// e.g. `00001 onnx/nnmeter_alexnet/nnmeter_alexnet_transform_0000.onnx 1 2.06137 alexnet 1 train`.
// ONNX paths are relative to the dataset root (by default the folder of the file), exactly as
// the NNLQP release is laid out, so a user with that tarball points data.path at its gt.txt.

#include <cstdint>
#include <string>
#include <vector>

namespace narformer {

struct LatencyRecord {
  std::string id;
  std::string onnx_path;  ///< resolved against the dataset root
  int64_t batch_size = 1;
  double latency_ms = 0;
  std::string family;    ///< model type, e.g. resnet18
  std::string platform;  ///< platform id as written in the file
  std::string stage;     ///< train | test, or "" when the file has no stage column
  int64_t line = 0;      ///< 1-based line in the file, for messages
};

struct LatencyTable {
  std::string source;
  std::vector<LatencyRecord> records;
};

/// Reads a gt.txt / gt_stage.txt file. `onnx_root` empty = the file's folder. Throws
/// DataError naming the file and line for a missing file, a line with a wrong field count,
/// a non-integer batch size, or a latency that is not a positive number (NaN included).
/// Whether the ONNX files exist is not checked here (the task counts missing ones).
LatencyTable read_latency_table(const std::string& path, const std::string& onnx_root = "");

}  // namespace narformer
