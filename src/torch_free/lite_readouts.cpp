// The built-in readouts for one graph (model/readouts.h declares them).
#include <algorithm>

#include "blas_ops.h"
#include "lite_builtin_parts.h"

namespace narformer::lite {

namespace {

std::vector<float> node_sum(const std::vector<float>& x, int64_t nodes, int64_t hidden) {
  std::vector<float> s(static_cast<size_t>(hidden), 0.0f);
  for (int64_t i = 0; i < nodes; ++i)
    for (int64_t k = 0; k < hidden; ++k)
      s[static_cast<size_t>(k)] += x[static_cast<size_t>(i * hidden + k)];
  return s;
}

/// The last block's node vectors, summed or averaged.
class LastBlockReadout : public LiteReadout {
 public:
  LastBlockReadout(int64_t hidden, bool mean) : hidden_(hidden), mean_(mean) {}
  std::vector<float> pool(const std::vector<std::vector<float>>& layers,
                          int64_t nodes) const override {
    std::vector<float> g = node_sum(layers.back(), nodes, hidden_);
    if (mean_)
      for (float& v : g) v /= static_cast<float>(nodes);
    return g;
  }

 private:
  int64_t hidden_;
  bool mean_;
};

/// Per-block node means, weighted by σ(MLP(all means)) (method.md §3.6).
class FusionReadout : public LiteReadout {
 public:
  FusionReadout(const WeightFile& weights, const ModelOptions& o, const std::string& source)
      : hidden_(o.hidden),
        blocks_(o.blocks),
        fuse_hidden_(LiteLinear::read(weights, "fuse_hidden", o.blocks * o.hidden,
                                      o.blocks * o.hidden / 4, source)),
        fuse_out_(
            LiteLinear::read(weights, "fuse_out", o.blocks * o.hidden / 4, o.blocks, source)) {}

  std::vector<float> pool(const std::vector<std::vector<float>>& layers,
                          int64_t nodes) const override {
    std::vector<float> means;  // blocks x hidden, flattened as the model's stack
    for (const auto& x : layers) {
      std::vector<float> m = node_sum(x, nodes, hidden_);
      for (float& v : m) v /= static_cast<float>(nodes);
      means.insert(means.end(), m.begin(), m.end());
    }
    std::vector<float> hidden = fuse_hidden_(means);
    for (float& v : hidden) v = std::max(v, 0.0f);
    const std::vector<float> weights = fuse_out_(hidden);
    std::vector<float> g(static_cast<size_t>(hidden_), 0.0f);
    for (int64_t l = 0; l < blocks_; ++l)
      for (int64_t k = 0; k < hidden_; ++k)
        g[static_cast<size_t>(k)] +=
            means[static_cast<size_t>(l * hidden_ + k)] * sigmoid(weights[static_cast<size_t>(l)]);
    return g;
  }

 private:
  int64_t hidden_, blocks_;
  LiteLinear fuse_hidden_, fuse_out_;
};

}  // namespace

std::unique_ptr<LiteReadout> make_fusion_readout(const WeightFile& weights,
                                                 const ModelOptions& options,
                                                 const std::string& source) {
  return std::make_unique<FusionReadout>(weights, options, source);
}

std::unique_ptr<LiteReadout> make_mean_readout(const WeightFile&, const ModelOptions& options,
                                               const std::string&) {
  return std::make_unique<LastBlockReadout>(options.hidden, /*mean=*/true);
}

std::unique_ptr<LiteReadout> make_sum_readout(const WeightFile&, const ModelOptions& options,
                                              const std::string&) {
  return std::make_unique<LastBlockReadout>(options.hidden, /*mean=*/false);
}

}  // namespace narformer::lite
