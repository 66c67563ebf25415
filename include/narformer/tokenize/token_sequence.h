#pragma once
// What a tokenizer produces and the model consumes: one feature row per node, the
// undirected edges, and graph-level (static) features. Plain floats; no LibTorch.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace narformer {

/// Per-node work for the cost readout (model/readouts.h, cost_readout), one column per kind
/// of work a runtime prices differently. A node's FLOPs go to the column of its operator
/// (other operators' FLOPs are priced through the memory they move), and a node counts once
/// as a library call or as another operator. Why the split: on a CPU a depthwise FLOP costs
/// several dense FLOPs, a batch-1 Gemm is bound by reading its weights, and a pooling window
/// element costs ~200 convolution FLOPs; one GFLOP column let whichever family dominated the
/// training data set the price of all of them (leave-one-family-out, README).
enum NodeCost : int {
  kSpatialConvGflop = 0,  ///< Conv/ConvTranspose, group 1, kernel larger than 1x1
  kPointwiseConvGflop,    ///< Conv/ConvTranspose, group 1, 1x1 kernel
  kGroupedConvGflop,      ///< Conv/ConvTranspose with group > 1 (depthwise included)
  kMatMulGflop,           ///< Gemm, MatMul
  kPoolWindowGiga,        ///< MaxPool/AveragePool/LpPool: output elements x kernel area, 1e9
  kOutputMelem,           ///< elements written (all outputs), millions
  kConstantMelem,         ///< constant inputs (weights) read, millions
  kLibraryCall,           ///< 1 for a convolution or matrix multiply (a BLAS/oneDNN call)
  kOtherOperator,         ///< 1 for every other node
  kNodeCostDims
};

struct TokenSequence {
  int num_nodes = 0;
  int feature_dim = 0;
  std::vector<float> features;                     ///< num_nodes × feature_dim, row-major
  std::vector<std::pair<int32_t, int32_t>> edges;  ///< undirected, each once, first < second
  std::vector<float> static_features;              ///< graph-level features; empty for cells
  std::vector<float> node_costs;                   ///< num_nodes × kNodeCostDims; empty for cells
  /// What the importer could not read (ONNX; 0 for cells): nodes whose output shape could not
  /// be inferred, and operator types it does not know. Such graphs still train; tasks count
  /// them in the log and in test_metrics.json.
  int32_t missing_shapes = 0;
  int32_t unknown_op_types = 0;
  /// model.prior (cells): a prediction of this item by a fitted linear model; the network then
  /// predicts a multiplicative correction of it (model/options.h). 0 = no prior.
  float prior = 0;

  const float* row(int node) const {
    return features.data() + static_cast<size_t>(node) * feature_dim;
  }
  float at(int node, int column) const { return row(node)[column]; }
};

/// Token sequences are shared, immutable once built: datasets, caches and batches hold the
/// same one instead of copies (20,000 NNLQP graphs are ~1.7 GB of features).
using TokenPtr = std::shared_ptr<const TokenSequence>;

}  // namespace narformer
