#pragma once
// The LibTorch side of the readouts and heads that model/readouts.h declares: what each one
// computes, and the registry from a declaration to its implementation. A part creates its
// arrays on the model itself (register_module / register_buffer), under exactly the names and
// shapes its declaration lists, so checkpoints and weight files stay flat ("head1.weight").

#include <functional>
#include <memory>
#include <vector>

#include <torch/torch.h>

#include "narformer/model/cost_prior.h"
#include "narformer/model/options.h"
#include "narformer/model/tensors.h"

namespace narformer {

/// Node vectors -> one graph vector.
class ReadoutModule {
 public:
  virtual ~ReadoutModule() = default;
  /// `layers`: every block's node vectors, (B, N, hidden) each; `mask`: (B, N), 1 for real
  /// nodes (padded rows are not zero after a block: a readout must leave them out).
  /// Returns (B, hidden).
  virtual torch::Tensor pool(const std::vector<torch::Tensor>& layers,
                             const torch::Tensor& mask) = 0;
};

/// Graph vector -> prediction.
class HeadModule {
 public:
  virtual ~HeadModule() = default;
  /// The graph representation (what embed() returns) from the pooled vector.
  virtual torch::Tensor represent(const torch::Tensor& pooled, const BatchTensors& batch,
                                  bool training) = 0;
  /// Positive predictions (B) from head batch.head_index (head 0 when undefined); `nodes` are
  /// the last block's node vectors.
  virtual torch::Tensor predict(const torch::Tensor& representation, const torch::Tensor& nodes,
                                const BatchTensors& batch, bool training) = 0;
};

/// The node-cost head (model/readouts.h, node_cost_head): the linear cost model it starts
/// from is fitted on the training set (model/cost_prior.h) and kept in a buffer, so a loaded
/// model needs no data.
class NodeCostHead : public HeadModule {
 public:
  virtual void set_rates(const std::vector<CostRates>& rates) = 0;
  virtual std::vector<CostRates> rates() const = 0;
};

/// Builders: create the part's arrays on `model` and return the part.
using MakeReadoutModule =
    std::function<std::unique_ptr<ReadoutModule>(torch::nn::Module& model, const ModelOptions&)>;
using MakeHeadModule =
    std::function<std::unique_ptr<HeadModule>(torch::nn::Module& model, const ModelOptions&)>;

/// The implementation registered for a declaration; RunError when there is none.
std::unique_ptr<ReadoutModule> make_readout_module(const ReadoutSpec& readout,
                                                   torch::nn::Module& model,
                                                   const ModelOptions& options);
std::unique_ptr<HeadModule> make_head_module(const HeadSpec& head, torch::nn::Module& model,
                                             const ModelOptions& options);

/// Adds a readout of one's own: its declaration and both implementations, in one call (the
/// LibTorch-free one is kept for the lite layer, when it is built). Returns the declaration
/// that ModelOptions::readout points at; config files name it by spec.name from then on.
const ReadoutSpec& register_readout(ReadoutSpec spec, MakeReadoutModule torch_part,
                                    MakeLiteReadout lite_part);

}  // namespace narformer
