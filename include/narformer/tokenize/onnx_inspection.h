#pragma once
// What narformer reads from one ONNX file, as `narformer inspect` and the Python module's
// narformer.inspect() report it: the model's header, the graph with its costs and op histogram,
// the tokens, and how long each step took.
//
//   OnnxInspection seen = inspect_onnx("resnet18.onnx", OnnxTokenizerOptions{}, 1);
//   std::puts(seen.to_json().dump().c_str());

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "narformer/graph/graph.h"
#include "narformer/tokenize/onnx_tokenizer.h"
#include "narformer/tokenize/token_sequence.h"

namespace narformer {

struct OnnxInspection {
  std::string source;  ///< the file, or the name given to bytes
  int64_t ir_version = 0;
  int64_t opset = 0;
  OnnxCompat compat = OnnxCompat::kCorrected;
  Graph graph;
  TokenSequence tokens;
  int other_code_nodes = 0;  ///< nodes the tokenizer gives the catch-all op code
  std::map<std::string, int> op_histogram;
  struct Milliseconds {
    double load = 0, shape_inference = 0, graph = 0, tokenize = 0;
  } time;

  /// Every field but the graph and the tokens themselves (their sizes instead), with the key
  /// names of `narformer inspect --json`.
  nlohmann::json to_json() const;
};

/// Reads `path` as a run tokenizing with `options` reads it at `batch_size`. Throws DataError
/// naming the file for one that cannot be read.
OnnxInspection inspect_onnx(const std::string& path, const OnnxTokenizerOptions& options,
                            int64_t batch_size = 1);
/// The same for a serialized model in memory; `source` names it in messages.
OnnxInspection inspect_onnx_bytes(const std::string& bytes, const std::string& source,
                                  const OnnxTokenizerOptions& options, int64_t batch_size = 1);

}  // namespace narformer
