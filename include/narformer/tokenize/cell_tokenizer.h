#pragma once
// Cell tokenizer (method.md §1.4): node i with op id o_i becomes [OPCODE(o_i), POS(i)].
//   OPCODE: pe     -> E_embed,dx(o_i)      (2·dx values)
//           onehot -> one-hot of o_i in dx (dx values)
//   POS:    E_embed,dp(i)                  (2·dp values; absent when dp = 0)
// Published NB201 setting: nerf, pe, dx = dp = 32 -> 128 values per node.

#include <string>

#include "narformer/graph/graph.h"
#include "narformer/tokenize/embedder.h"
#include "narformer/tokenize/token_sequence.h"

namespace narformer {

struct TokenizerConfig;

struct CellTokenizerOptions {
  EmbedType embed = EmbedType::kNerf;
  OpCode opcode = OpCode::kPositional;
  int dx = 32;
  int dp = 32;

  /// From the `data.tokenizer` config section.
  static CellTokenizerOptions from_config(const TokenizerConfig& config);
};

class CellTokenizer {
 public:
  explicit CellTokenizer(const CellTokenizerOptions& options);

  /// Values per node.
  int feature_dim() const;

  /// Tokenizes a cell graph: every node must carry an op_id (see cells/cell.h). Throws
  /// DataError when an op id does not fit a one-hot code of length dx.
  TokenSequence tokenize(const Graph& graph) const;

 private:
  CellTokenizerOptions options_;
  SinusoidalEmbedder op_embedder_;
  SinusoidalEmbedder position_embedder_;
};

}  // namespace narformer
