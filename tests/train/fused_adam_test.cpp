#include "narformer/train/fused_adam.h"

#include <gtest/gtest.h>

#include "narformer/model/dropout.h"

namespace narformer {
namespace {

/// A small regression problem; returns the loss for the current parameters.
torch::Tensor loss_of(const std::vector<torch::Tensor>& params, const torch::Tensor& x,
                      const torch::Tensor& y) {
  return (torch::tanh(x.matmul(params[0]) + params[1]).matmul(params[2]) - y).pow(2).mean();
}

/// 25 clipped steps of FusedAdam against LibTorch's Adam + clip_grad_norm_, with parameters of
/// `options`: float32 on the CPU takes the fused loop, anything else the multi-tensor kernels.
void expect_matches_libtorch_adam(const torch::TensorOptions& options) {
  torch::manual_seed(0);
  const torch::Tensor x = torch::randn({64, 40}).to(options), y = torch::randn({64, 3}).to(options);
  std::vector<torch::Tensor> ours = {torch::randn({40, 70}).to(options),
                                     torch::randn({70}).to(options),
                                     torch::randn({70, 3}).to(options)};
  std::vector<torch::Tensor> theirs;
  for (auto& p : ours) {
    p.set_requires_grad(true);
    theirs.push_back(p.detach().clone().set_requires_grad(true));
  }
  FusedAdam fused(ours);
  torch::optim::Adam reference(theirs, torch::optim::AdamOptions(0.01));
  for (int step = 0; step < 25; ++step) {
    const double lr = 0.01 * (step + 1) / 25.0;  // a changing learning rate, as the schedule does
    fused.zero_grad();
    loss_of(ours, x, y).backward();
    const double norm = fused.gradient_norm();
    fused.step(lr, clip_coefficient(norm, 0.5));

    reference.zero_grad();
    loss_of(theirs, x, y).backward();
    const double reference_norm = torch::nn::utils::clip_grad_norm_(theirs, 0.5);
    EXPECT_NEAR(norm, reference_norm, 1e-4 * reference_norm);
    static_cast<torch::optim::AdamOptions&>(reference.param_groups()[0].options()).lr(lr);
    reference.step();
  }
  for (size_t k = 0; k < ours.size(); ++k) {
    const double difference = (ours[k] - theirs[k]).abs().max().item<double>();
    EXPECT_LT(difference, 1e-5) << "parameter " << k;
  }
  EXPECT_EQ(fused.steps(), 25);
}

TEST(FusedAdam, MatchesLibTorchAdamWithClipping) {
  expect_matches_libtorch_adam(torch::TensorOptions(torch::kFloat32));
  EXPECT_DOUBLE_EQ(clip_coefficient(10.0, 0), 1.0);
  EXPECT_DOUBLE_EQ(clip_coefficient(0.25, 0.5), 1.0);
}

TEST(FusedAdam, MultiTensorPathMatchesLibTorchAdam) {
  expect_matches_libtorch_adam(torch::TensorOptions(torch::kFloat64));
  if (torch::cuda::is_available()) expect_matches_libtorch_adam(torch::TensorOptions(torch::kCUDA));
}

TEST(FastDropout, SeededScaledAndThreadIndependent) {
  const torch::Tensor x = torch::ones({300, 1000});
  torch::manual_seed(11);
  const torch::Tensor a = fast_dropout(x, 0.2, true);
  torch::manual_seed(11);
  const int threads = at::get_num_threads();
  at::set_num_threads(1);
  const torch::Tensor b = fast_dropout(x, 0.2, true);
  at::set_num_threads(threads);
  EXPECT_TRUE(torch::equal(a, b));  // same seed, other thread count: same mask
  const double kept = (a > 0).to(torch::kFloat64).mean().item<double>();
  EXPECT_NEAR(kept, 0.8, 0.005);  // 300,000 draws
  EXPECT_FLOAT_EQ(a.max().item<float>(), 1.25f);
  EXPECT_TRUE(torch::equal(fast_dropout(x, 0.2, false), x));
  const torch::Tensor c = fast_dropout(x, 0.2, true);  // the generator moved on
  EXPECT_FALSE(torch::equal(a, c));
}

}  // namespace
}  // namespace narformer
