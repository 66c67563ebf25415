#pragma once
// NAS-Bench-201 architecture strings (method.md §1.2).
//
//   |op~0|+|op~0|op~1|+|op~0|op~1|op~2|
//
// gives the ops of edges c0→c1, c0→c2, c1→c2, c0→c3, c1→c3, c2→c3. Each edge becomes a
// node; an input node is prepended and an output node appended: always 8 nodes with the
// same adjacency 0→1, 0→2, 0→4, 1→3, 1→5, 2→6, 3→6, 4→7, 5→7, 6→7.

#include <string>
#include <vector>

#include "narformer/cells/cell.h"

namespace narformer {

/// Parses an NB201 arch string. Throws DataError (quoting the string) when malformed:
/// wrong number of nodes or edges, unknown op, wrong `~k` source index.
Cell parse_nb201_arch(const std::string& arch);

/// The arch string of an NB201 cell (inverse of parse_nb201_arch).
std::string nb201_arch_string(const Cell& cell);

/// The same string for cells that compute the same function: the NAS-Bench-201 API's
/// CellStructure.to_unique_str(consider_zero=True) (skip_connect is the identity, `none` and
/// whatever a zero node feeds are zero, sums are unordered). 6,466 of the 15,625 cells differ;
/// isomorphic cells were trained separately in NAS-Bench-201, so their accuracies differ by noise.
std::string nb201_unique_string(const Cell& cell);

/// The cell with its dead edges set to `none`. An edge is live when its operation is not
/// `none`, its source node carries something from the input and its target node reaches the
/// output; a dead operation is still computed in NAS-Bench-201's networks (it costs latency)
/// but cannot change what the cell outputs, so its accuracy. 5,840 of the 15,625 cells change,
/// each still computing the same function. A cell whose output is always zero is returned as it is.
/// An accuracy predictor that reads pruned cells (data.tokenizer.prune_dead) no longer has to
/// learn that a dead convolution is worth nothing.
Cell nb201_prune_dead(const Cell& cell);

/// Every cell of the space (5 operations on 6 edges: 15,625 arch strings), the first edge's
/// operation varying slowest, operations in cell_op_names order.
std::vector<std::string> all_nb201_archs();

}  // namespace narformer
