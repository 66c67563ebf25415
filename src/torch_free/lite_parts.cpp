#include "narformer/torch_free/lite_parts.h"

#include <map>

#include "blas_ops.h"
#include "lite_builtin_parts.h"
#include "narformer/core/error.h"

namespace narformer {

LiteLinear LiteLinear::read(const WeightFile& weights, const std::string& name, int64_t in,
                            int64_t out, const std::string& source, bool bias) {
  LiteLinear l;
  l.in = in;
  l.out = out;
  l.weight = weights.at(name + ".weight", {out, in}, source).values.data();
  if (bias) l.bias = weights.at(name + ".bias", {out}, source).values.data();
  return l;
}

void LiteLinear::apply(const float* x, int64_t rows, float* y) const {
  lite::apply(x, rows, in, in, out, weight, bias, y, out);
}

std::vector<float> LiteLinear::operator()(const std::vector<float>& x) const {
  std::vector<float> y(static_cast<size_t>(out));
  apply(x.data(), 1, y.data());
  return y;
}

namespace {

/// Readout name -> builder of the built-ins (those added at run time: added_lite_readout).
const std::map<std::string, MakeLiteReadout>& builtin_readouts() {
  static const std::map<std::string, MakeLiteReadout> builders = {
      {"fusion", lite::make_fusion_readout},
      {"mean", lite::make_mean_readout},
      {"sum", lite::make_sum_readout},
      {"cost", lite::make_sum_readout},  // pools as sum; its head prices the nodes
  };
  return builders;
}

}  // namespace

std::unique_ptr<LiteReadout> make_lite_readout(const ReadoutSpec& readout,
                                               const WeightFile& weights,
                                               const ModelOptions& options,
                                               const std::string& source) {
  const auto builtin = builtin_readouts().find(readout.name);
  if (builtin != builtin_readouts().end()) return builtin->second(weights, options, source);
  if (const MakeLiteReadout* added = added_lite_readout(readout.name))
    return (*added)(weights, options, source);
  throw RunError(with_file(
      source, "readout '" + readout.name + "' has no LibTorch-free implementation registered"));
}

std::unique_ptr<LiteHead> make_lite_head(const HeadSpec& head, const WeightFile& weights,
                                         const ModelOptions& options, const std::string& source) {
  if (&head == &graph_mlp_head()) return lite::make_graph_mlp_head(weights, options, source);
  if (&head == &node_cost_head()) return lite::make_node_cost_head(weights, options, source);
  throw RunError(
      with_file(source, "head '" + head.name + "' has no LibTorch-free implementation registered"));
}

}  // namespace narformer
