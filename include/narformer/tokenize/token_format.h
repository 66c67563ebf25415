#pragma once
// The token format's version, derived from what this build produces instead of bumped by hand.
//
// Cached tokens (token_cache.h) are valid only for the code that made them: a changed cost
// formula, edge rule, op code, attribute encoding, folding rule or cache-file layout must make
// every cache file stale. A hand-kept version number relied on whoever changed a formula
// remembering to bump it. Here the version is a hash of the tokens of the built-in probe
// models (onnx/probe_models.h: every operator the importer treats in its own way, with known
// shapes) under every setting that changes tokens, and of their cache-file bytes: change what
// any operator produces, or how a file is laid out, and the version changes with it.

#include <cstdint>
#include <vector>

#include "narformer/tokenize/token_sequence.h"

namespace narformer {

/// 64-bit FNV-1a of every part of a token sequence: node count, feature width, import counts,
/// features, edges, static features, node costs. Equal digests: byte-identical tokens
/// (bench_tokenize --digest, scripts/refactor_check.sh).
uint64_t token_digest(const TokenSequence& tokens);

/// The probe models' tokens under this build: each probe in both compat modes, with both
/// embedders, at batch 1 and 3, and once with the self-position code; a fixed order.
std::vector<TokenSequence> probe_tokens();

/// The version `tokens` (probe_tokens() of some build) stand for: a hash of their digests and
/// of their serialized cache-file bytes. Never 0.
uint32_t format_version_of(const std::vector<TokenSequence>& tokens);

/// format_version_of(probe_tokens()), computed once per process that uses the token cache
/// (40-65 ms here, mostly ONNX shape inference of the 18 probe imports), combined with the
/// entries of operators added at run time (onnx/operators.h add_operator): the version the
/// token cache writes into its keys and files.
uint32_t token_format_version();

}  // namespace narformer
