#include "narformer/tokenize/cell_tokenizer.h"

#include <algorithm>

#include "narformer/config/config.h"
#include "narformer/core/error.h"

namespace narformer {

CellTokenizerOptions CellTokenizerOptions::from_config(const TokenizerConfig& config) {
  CellTokenizerOptions options;
  options.embed = config.embed;
  options.opcode = config.opcode;
  options.dx = static_cast<int>(config.dx);
  options.dp = static_cast<int>(config.dp);
  return options;
}

CellTokenizer::CellTokenizer(const CellTokenizerOptions& options)
    : options_(options),
      op_embedder_(options.embed, std::max(1, options.dx)),
      position_embedder_(options.embed, std::max(1, options.dp)) {}

int CellTokenizer::feature_dim() const {
  const int op_part = options_.opcode == OpCode::kPositional ? 2 * options_.dx : options_.dx;
  return op_part + 2 * options_.dp;
}

TokenSequence CellTokenizer::tokenize(const Graph& graph) const {
  TokenSequence tokens;
  tokens.num_nodes = graph.num_nodes();
  tokens.feature_dim = feature_dim();
  tokens.features.assign(static_cast<size_t>(tokens.num_nodes) * tokens.feature_dim, 0.0f);
  const int op_part = options_.opcode == OpCode::kPositional ? 2 * options_.dx : options_.dx;

  for (int i = 0; i < tokens.num_nodes; ++i) {
    float* row = tokens.features.data() + static_cast<size_t>(i) * tokens.feature_dim;
    const int op = graph.node(i).op_id;
    if (op < 0)
      throw DataError(
          with_file(graph.source(), "node " + std::to_string(i) + " has no cell op id"));
    if (options_.opcode == OpCode::kPositional) {
      op_embedder_.embed(static_cast<float>(op), row);
    } else {
      if (op >= options_.dx)
        throw DataError(with_file(
            graph.source(),
            "op id " + std::to_string(op) +
                " does not fit a one-hot code of length dx = " + std::to_string(options_.dx)));
      row[op] = 1.0f;
    }
    if (options_.dp > 0) position_embedder_.embed(static_cast<float>(i), row + op_part);
  }

  for (const auto& [from, to] : graph.edges()) {
    if (from == to) continue;
    tokens.edges.emplace_back(std::min(from, to), std::max(from, to));
  }
  std::sort(tokens.edges.begin(), tokens.edges.end());
  tokens.edges.erase(std::unique(tokens.edges.begin(), tokens.edges.end()), tokens.edges.end());
  return tokens;
}

}  // namespace narformer
