#pragma once
// Network-graph tokenizer (method.md §2.4, §2.6, §2.7): Graph (from onnx/onnx_graph.h) ->
// TokenSequence. One row per node, in the graph's node order (the importer's topological
// order):
//
//   columns   0-31   op type: one-hot over 32 slots, index = op code − 1 (table below);
//                    all zeros ("other") for every type not in the table
//   columns  32-111  attributes: up to 8 attribute slots × E(value) (10 values each),
//                    operator-specific list, zero-padded
//   columns 112-151  output shape: E(s0), E(s1), E(s2), E(s3) (first 4 dims, zero-padded;
//                    a padded 0 encodes as E(0) = [0,1,0,1,...], not as zeros)
//   [optional]       self-position code E_embed,dp(i), i = row (off in the published config)
//
// with E = the `embed` embedder with 5 frequencies (trans in the published NNLQP config).
// Static (graph-level) features, 40 values: [E(b), E(FLOPs/1e9), E(params/1e9), E(mem/1e9)].
// Node costs (for the cost readout), raw, per node: the kNodeCostDims kinds of work of
// token_sequence.h (FLOPs by kind of operator, pooling windows, elements written, weights read,
// calls).
// Edges: the undirected version of the graph's edges, each once (i < j), sorted.
//
// Op codes (the `code` column of onnx/operators.h): 1 Conv, 2 Relu, 3 Add, 4 Sigmoid,
// 5 Reshape, 6 MaxPool, 7 Split, 8 GlobalAveragePool, 9 Gemm, 10 Transpose, 11 Upsample,
// 12 BatchNormalization, 13 Mul, 14 Concat, 15 Flatten, 16 AveragePool, 17 Cast, 18 MatMul
// (reference compat: never, the reference spelled it "Matmul"), 19 ReduceMean, 20 Pow, 21 Slice, 22
// Div, 23 Sub, 24 Sqrt, 25 Clip, 26 Softmax, 27 Tanh, 28 ConvTranspose. Encoded attributes (first
// element of each): Conv: kernel_shape, strides, pads, dilations, group, bias; ConvTranspose: the
// same + output_padding; MaxPool/AveragePool: kernel_shape, strides, pads; Gemm: bias; Transpose:
// perm (8 entries, frequency-major). bias = 1 when the operator has 3 inputs.
//
// Deterministic: the same graph gives byte-identical tokens. Never produces NaN: missing
// and scalar shapes encode as four padded zeros. Thread-safe (const).

#include <cstdint>
#include <string>
#include <string_view>

#include "narformer/graph/graph.h"
#include "narformer/onnx/compat.h"
#include "narformer/onnx/onnx_graph.h"
#include "narformer/tokenize/embedder.h"
#include "narformer/tokenize/token_sequence.h"

namespace narformer {

struct TokenizerConfig;

/// The one mapping from a config to tokens: training (LatencyTask), the token cache and
/// predict (RunInputs) all build their importer and tokenizer through from_config and
/// import_options, so that predict tokenizes exactly as training did.
struct OnnxTokenizerOptions {
  EmbedType embed = EmbedType::kTrans;         ///< embedder of attributes, shapes, statics
  int position_frequencies = 0;                ///< dp of the self-position code; 0 = off
  OnnxCompat compat = OnnxCompat::kCorrected;  ///< MatMul op code; import and costs too

  /// Canonical text of every setting that changes tokens, for cache keys.
  std::string key() const;

  /// From the `data.tokenizer` config section (embed, dp, compat).
  static OnnxTokenizerOptions from_config(const TokenizerConfig& config);

  /// How to import an ONNX file for these tokens at a given batch size (the compat mode
  /// decides the importer's behaviour too).
  OnnxImportOptions import_options(int64_t batch_size) const;
};

class OnnxTokenizer {
 public:
  static constexpr int kOpTypeDims = 32;
  static constexpr int kAttributeDims = 80;
  static constexpr int kShapeDims = 40;
  static constexpr int kStaticDims = 40;
  static constexpr int kFrequencies = 5;

  explicit OnnxTokenizer(const OnnxTokenizerOptions& options = {});

  const OnnxTokenizerOptions& options() const { return options_; }
  /// Values per node: 152, plus 2·dp with the position code.
  int feature_dim() const;
  int static_dim() const { return kStaticDims; }

  /// Op code of an ONNX op type (1-based, table above), 0 for "other".
  int op_code(std::string_view op_type) const;

  TokenSequence tokenize(const Graph& graph) const;

 private:
  /// E(v) into out[0..10): from a precomputed table for small non-negative integers (the
  /// values are the embedder's own, so identical), computed otherwise.
  void embed_scalar(float v, float* out) const;

  OnnxTokenizerOptions options_;
  SinusoidalEmbedder embedder_;
  SinusoidalEmbedder position_embedder_;
  const float* table_ = nullptr;  // E(i) for i in [0, kTableSize), shared per embed type
};

}  // namespace narformer
