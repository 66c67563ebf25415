#pragma once
// Shipped predictors: trained runs packed into `pretrained/<name>/` so that `narformer predict
// --pretrained NAME` answers right after set-up, without training. A pretrained folder is a run
// folder (runtime/run_folder.h: config.yaml, model.json, best.weights or a baseline's files,
// prior.json) reduced to what prediction reads, plus `pretrained.json`:
//
//   name, version           the predictor and its own version (a retrained one counts up)
//   format_version          the layout of this folder; a newer one than this build reads is
//                           refused with a message saying so (weight files carry their own)
//   narformer_version       the narformer that trained and packed it
//   task, input, platforms  "latency" (ms) or "accuracy" (fraction); "onnx" or a cell space;
//                           the heads `predict --platform` chooses from
//   description             one paragraph for `narformer pretrained list`
//   data                    what it was trained on: paths, content hashes (FNV-1a 64), lines
//   machine                 the device the labels were measured on (latency), as the dataset
//                           records it, and the CPU that trained and packed it
//   metrics                 out-of-sample figures and the protocol they follow
//   weights                 "float16" or "float32", and the largest relative change of a
//                           prediction that half precision made on the check inputs
//
// Where names are looked up, first match wins: the folders in $NARFORMER_PRETRAINED
// (':'-separated), the source tree's pretrained/ (a build tree), then the installed
// <prefix>/share/narformer/pretrained. LibTorch-free.

#include <cstdint>
#include <string>
#include <vector>

namespace narformer {

/// The newest pretrained.json layout this build reads.
constexpr int kPretrainedFormatVersion = 1;

struct PretrainedInfo {
  std::string name;
  int64_t version = 1;
  int64_t format_version = kPretrainedFormatVersion;
  std::string narformer_version;
  std::string task;   ///< latency | accuracy
  std::string input;  ///< onnx | nb201 | nb101
  std::vector<std::string> platforms;
  std::string description;
  std::string weights;        ///< float16 | float32 | baseline
  std::string metrics;        ///< one line: the headline figure and its protocol
  std::string dir;            ///< the folder it was read from
  int64_t size_bytes = 0;     ///< of the whole folder
  std::string manifest_json;  ///< pretrained.json as written, for --json listings
};

/// This build's version (CMake's project version), recorded in the manifests it packs.
std::string narformer_version();

/// The folders searched for pretrained predictors, in order (those that exist).
std::vector<std::string> pretrained_roots();

/// Reads `dir`/pretrained.json. Throws RunError naming the file when it is missing, malformed,
/// or of a newer format_version than this build reads.
PretrainedInfo read_pretrained_info(const std::string& dir);

/// Every predictor under pretrained_roots(), sorted by name; a name found twice is listed once
/// (the first root wins). A folder with an unreadable manifest throws (it names the file).
std::vector<PretrainedInfo> list_pretrained();

/// The folder of predictor `name`, checked with read_pretrained_info. Throws ConfigError
/// listing the names there are when none is called `name`.
std::string find_pretrained(const std::string& name);

/// `run_or_name` itself when it is a folder, else, when it names no path (no '/'), the folder
/// of the pretrained predictor of that name (find_pretrained): what `search --accuracy-run`
/// and Python's Predictor accept. Throws RunError for a missing path, ConfigError for an
/// unknown name.
std::string run_or_pretrained(const std::string& run_or_name);

/// FNV-1a 64 of a file's bytes as 16 hex digits: the content hash a manifest records for its
/// training data. Throws DataError naming the file when it cannot be read.
std::string file_content_hash(const std::string& path);

}  // namespace narformer
