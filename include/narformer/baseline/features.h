#pragma once
// Flat feature vectors for the baseline predictors (baseline/baseline_model.h): one row of
// numbers per network, the inputs of a linear model, an MLP or gradient-boosted trees.
//
//   FeatureSet::kEncoding  what a linear model reads:
//     NB201 cells  the (edge, operation) one-hot: 6 edges x 5 operations = 30
//     NB101 cells  the (position, operation) one-hot of the 5 inner vertices x 3 operations
//                  = 15, and the upper-triangular adjacency padded to 7 vertices (the output
//                  vertex moved to the last index) = 21
//     ONNX graphs  the graph's total work of each kind (tokenize/token_sequence.h NodeCost:
//                  GFLOP of spatial / pointwise / grouped convolution and of matrix
//                  multiplies, pooling windows, elements written, weights read, library
//                  calls, other operators) = 9
//   FeatureSet::kGraph     what the MLP and the trees read (GRAF-style, Kadlecova et al. 2024):
//     cells        the encoding above, operation counts, the path encoding (one count per
//                  sequence of operations along an input-to-output path: NB201 5+25+125 =
//                  155, NB101 1+3+...+243 = 364), the number of input-to-output paths and
//                  their shortest and longest length, counting only paths that carry data
//                  (NB201: no `none` on them)
//     ONNX graphs  the 9 work totals, the count of nodes of each of the 32 op codes
//                  (onnx_tokenizer.h) and of other operators, nodes, edges, depth (nodes on
//                  the longest path), the largest fan-in and fan-out
//
// ONNX features are read from the tokens (node costs, the op-type one-hot, the edges), so
// they follow the run's tokenizer settings and the token cache. All values are non-negative.
// No LibTorch.

#include <string>
#include <vector>

#include "narformer/cells/cell.h"
#include "narformer/tokenize/token_sequence.h"

namespace narformer {

enum class FeatureSet { kEncoding, kGraph };

/// "encoding" | "graph"; throws ConfigError otherwise.
FeatureSet parse_feature_set(const std::string& name);
std::string to_string(FeatureSet set);

/// Names of the columns, in order (for model.json and for reading feature importances).
std::vector<std::string> cell_feature_names(CellSpace space, FeatureSet set);
std::vector<std::string> onnx_feature_names(FeatureSet set);

/// The row of one cell. Throws DataError for a cell larger than its space allows.
std::vector<float> cell_features(const Cell& cell, FeatureSet set);
/// The row of one ONNX graph's tokens. Throws DataError for tokens without node costs (cells).
std::vector<float> onnx_features(const TokenSequence& tokens, FeatureSet set);

}  // namespace narformer
