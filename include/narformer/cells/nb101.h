#pragma once
// NAS-Bench-101 cells as stored by the NB101 API (method.md §1.3): 2..7 vertices, pruned
// upper-triangular adjacency, ops `input`, `conv1x1-bn-relu`, `conv3x3-bn-relu`,
// `maxpool3x3`, `output`.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "narformer/cells/cell.h"

namespace narformer {

constexpr int kNb101MaxVertices = 7;
constexpr int kNb101MaxEdges = 9;

/// Builds and validates an NB101 cell. Throws DataError naming the problem: vertex count
/// outside 2..7, non-square or non-0/1 matrix, an edge on or below the diagonal, more than
/// 9 edges, first op not `input` / last not `output` / `input`/`output` elsewhere, unknown
/// op, or a vertex that lies on no input→output path (NB101 cells are pruned).
Cell make_nb101_cell(const std::vector<std::vector<int>>& adjacency,
                     const std::vector<std::string>& ops);

/// Same from the compact CSV form: n² characters '0'/'1' row-major, ops joined by '|'.
Cell parse_nb101_cell(const std::string& adjacency_rowmajor, const std::string& ops_joined);

/// The compact form "ADJACENCY OPS" (inverse of parse_nb101_cell; what predict --arch reads).
std::string nb101_arch_string(const Cell& cell);

/// What the NB101 API makes of an unpruned spec (n x n upper-triangular adjacency, op ids):
/// the vertices on no input→output path dropped. Empty when the input does not reach the
/// output or more than 9 edges remain (not a cell of the space).
std::optional<Cell> prune_nb101(int n, const std::vector<uint8_t>& adjacency,
                                const std::vector<int>& ops);

/// A value that isomorphic cells share (the same network with vertices numbered otherwise):
/// NB101's iterated hash of each vertex's degrees, op and neighbours' hashes, with 64-bit
/// FNV-1a in place of MD5, so it does not equal the benchmark's module_hash column.
uint64_t nb101_fingerprint(const Cell& cell);

}  // namespace narformer
