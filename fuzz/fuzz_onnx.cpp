// libFuzzer target: arbitrary bytes through the ONNX loader, shape inference, graph builder
// and tokenizer. The contract under test: every input either tokenizes or throws
// narformer::Error (a DataError naming the source); anything else (a crash, a sanitizer
// report, another exception type, a NaN token) is a bug. Built and run by scripts/fuzz_onnx.sh.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <spdlog/spdlog.h>

#include "narformer/core/error.h"
#include "narformer/onnx/onnx_graph.h"
#include "narformer/tokenize/onnx_tokenizer.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const narformer::OnnxTokenizer corrected;
  static const narformer::OnnxTokenizer reference([] {
    narformer::OnnxTokenizerOptions o;
    o.compat = narformer::OnnxCompat::kReference;
    o.position_frequencies = 4;
    return o;
  }());
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  // The first byte picks batch size and compat, so both paths get fuzzed.
  narformer::OnnxImportOptions options;
  options.batch_size = size > 0 ? 1 + (data[0] & 3) : 1;
  options.compat = size > 0 && (data[0] & 4) ? narformer::OnnxCompat::kReference
                                             : narformer::OnnxCompat::kCorrected;
  try {
    const narformer::Graph graph = narformer::import_onnx_bytes(bytes, "fuzz.onnx", options);
    const auto& tokenizer =
        options.compat == narformer::OnnxCompat::kReference ? reference : corrected;
    const narformer::TokenSequence tokens = tokenizer.tokenize(graph);
    if (tokens.features.size() !=
        static_cast<size_t>(tokens.num_nodes) * static_cast<size_t>(tokens.feature_dim))
      std::abort();
    for (float v : tokens.features)
      if (std::isnan(v)) std::abort();
    for (float v : tokens.static_features)
      if (std::isnan(v)) std::abort();
    for (const auto& [a, b] : tokens.edges)
      if (a < 0 || b <= a || b >= tokens.num_nodes) std::abort();
  } catch (const narformer::Error& e) {
    if (std::string(e.what()).rfind("fuzz.onnx: ", 0) != 0) std::abort();  // errors name the file
  }
  return 0;
}
