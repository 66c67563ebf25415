#pragma once
// Checks shared by the LibTorch-free tests: a readout keeps its declaration
// (model/readouts.h) and its two implementations agree.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "narformer/data/batch.h"
#include "narformer/model/narformer_model.h"
#include "narformer/runtime/checkpoint.h"
#include "narformer/torch_free/lite_model.h"

namespace narformer::testing {

/// Random weights everywhere (a fresh model's zero-initialised and 1e-4 layers would hide
/// mistakes in the FFN and the cost correction); rates positive.
inline void randomize(NarFormerModel& model) {
  torch::NoGradGuard no_grad;
  for (auto& p : model->parameters()) p.copy_(torch::randn(p.sizes()) * 0.3);
  for (auto& b : model->buffers()) b.copy_(torch::rand(b.sizes()) + 0.1);
}

/// Chains with a skip edge, sinusoidal features, static features and node costs.
inline std::vector<TokenSequence> graphs(int64_t feature_dim, int64_t static_dim, bool costs) {
  std::vector<TokenSequence> out;
  for (int n : {1, 4, 11}) {
    TokenSequence t;
    t.num_nodes = n;
    t.feature_dim = static_cast<int>(feature_dim);
    for (int i = 0; i < n * feature_dim; ++i)
      t.features.push_back(std::sin(0.31f * static_cast<float>(i + 5 * n)));
    for (int i = 0; i + 1 < n; ++i) t.edges.emplace_back(i, i + 1);
    if (n > 3) t.edges.emplace_back(0, 3);
    for (int64_t s = 0; s < static_dim; ++s)
      t.static_features.push_back(0.1f * static_cast<float>(s + n));
    if (costs)
      for (int i = 0; i < n * kNodeCostDims; ++i)
        t.node_costs.push_back(0.01f * static_cast<float>((i * 7) % 23));
    out.push_back(t);
  }
  return out;
}

inline void expect_lite_equals_torch(const ModelOptions& options,
                                     const std::vector<TokenSequence>& items) {
  torch::manual_seed(11);
  NarFormerModel model(options);
  randomize(model);
  model->eval();
  const LiteModel lite(options, model_weights(model), "test weights");
  torch::NoGradGuard no_grad;
  for (const TokenSequence& t : items) {
    for (int64_t head = 0; head < options.num_heads; ++head) {
      PaddedBatch batch = collate({&t});
      if (options.num_heads > 1) batch.head_index = {head};
      const double expected =
          model->forward(to_tensors(std::move(batch), torch::kCPU))[0].item<double>();
      EXPECT_NEAR(lite.predict(t, head), expected, 1e-4 * std::abs(expected) + 1e-6)
          << t.num_nodes << " nodes, head " << head;
    }
    const torch::Tensor expected = model->embed(to_tensors(collate({&t}), torch::kCPU))[0];
    const std::vector<float> embedded = lite.embed(t);
    ASSERT_EQ(static_cast<int64_t>(embedded.size()), expected.size(0));
    for (int64_t k = 0; k < expected.size(0); ++k)
      EXPECT_NEAR(embedded[static_cast<size_t>(k)], expected[k].item<float>(),
                  1e-4 * (1 + std::abs(expected[k].item<float>())));
  }
}

inline ModelOptions small(const ReadoutSpec* readout) {
  ModelOptions o;
  o.input_dim = 12;
  o.hidden = 32;
  o.ffn_hidden = 64;
  o.ffn_groups = 4;
  o.blocks = 2;
  o.readout = readout;
  return o;
}

/// The arrays the readout and its head add to the model are the ones model/readouts.h
/// declares: same names, same shapes, nothing more or less.
inline void expect_declared_arrays(const ModelOptions& options) {
  NarFormerModel model(options);
  std::vector<ParameterShape> created;
  auto collect = [&](const std::string& name, const torch::Tensor& t) {
    if (name.rfind("encoder.", 0) != 0) created.push_back({name, t.sizes().vec()});
  };
  for (const auto& p : model->named_parameters(/*recurse=*/false)) collect(p.key(), p.value());
  for (const auto& child : model->named_children())
    for (const auto& p : child.value()->named_parameters())
      collect(child.key() + "." + p.key(), p.value());
  for (const auto& b : model->named_buffers(/*recurse=*/false)) collect(b.key(), b.value());
  std::vector<ParameterShape> declared = declared_parameters(*options.readout, options);
  auto by_name = [](const ParameterShape& a, const ParameterShape& b) { return a.name < b.name; };
  std::sort(created.begin(), created.end(), by_name);
  std::sort(declared.begin(), declared.end(), by_name);
  ASSERT_EQ(created.size(), declared.size()) << options.readout->name;
  for (size_t i = 0; i < declared.size(); ++i) {
    EXPECT_EQ(created[i].name, declared[i].name) << options.readout->name;
    EXPECT_EQ(created[i].shape, declared[i].shape)
        << options.readout->name << " " << declared[i].name;
  }
}

/// The whole contract for one readout: its declaration holds, and the LibTorch-free pass gives
/// the LibTorch numbers with two output heads (and static features or node costs, whichever
/// its head reads).
inline void expect_readout_keeps_its_contract(const ReadoutSpec& readout) {
  ModelOptions o = small(&readout);
  o.num_heads = 2;
  const bool costs = readout.head->needs_node_costs;
  o.static_dim = costs ? 0 : 5;
  expect_declared_arrays(o);
  expect_lite_equals_torch(o, graphs(o.input_dim, o.static_dim, costs));
}

}  // namespace narformer::testing
