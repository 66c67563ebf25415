#include "narformer/train/fused_adam.h"

#include <cmath>

#include <ATen/Parallel.h>

#include "narformer/core/error.h"

namespace narformer {

namespace {
constexpr int64_t kGrain = 1 << 15;  // elements per parallel chunk
}

FusedAdam::FusedAdam(std::vector<torch::Tensor> parameters, AdamSettings settings)
    : parameters_(std::move(parameters)), settings_(settings) {
  for (const auto& p : parameters_) {
    exp_avg_.push_back(torch::zeros_like(p, torch::MemoryFormat::Contiguous));
    exp_avg_sq_.push_back(torch::zeros_like(p, torch::MemoryFormat::Contiguous));
  }
}

void FusedAdam::zero_grad() {
  for (auto& p : parameters_) p.mutable_grad() = torch::Tensor();
}

double FusedAdam::gradient_norm() const {
  double sum_of_squares = 0;
  // Other tensors (a GPU's) add up on their device: one synchronisation for all, not one each.
  torch::Tensor device_sum;
  for (const auto& p : parameters_) {
    const torch::Tensor& g = p.grad();
    if (!g.defined()) continue;
    if (g.is_cpu() && g.scalar_type() == torch::kFloat32 && g.is_contiguous()) {
      const float* data = g.data_ptr<float>();
      sum_of_squares += at::parallel_reduce(
          0, g.numel(), kGrain, 0.0,
          [&](int64_t begin, int64_t end, double partial) {
            // Eight independent float lanes vectorize; the chunk sum is taken in double.
            float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            int64_t i = begin;
            for (; i + 8 <= end; i += 8)
              for (int j = 0; j < 8; ++j) lanes[j] += data[i + j] * data[i + j];
            for (; i < end; ++i) partial += static_cast<double>(data[i]) * data[i];
            for (float lane : lanes) partial += lane;
            return partial;
          },
          std::plus<double>());
    } else {
      const torch::Tensor squares = g.to(torch::kFloat64).pow(2).sum();
      device_sum = device_sum.defined() ? device_sum + squares : squares;
    }
  }
  if (device_sum.defined()) sum_of_squares += device_sum.item<double>();
  return std::sqrt(sum_of_squares);
}

double clip_coefficient(double norm, double max_norm) {
  if (max_norm <= 0) return 1.0;
  return std::min(1.0, max_norm / (norm + 1e-6));
}

void FusedAdam::step(double lr, double gradient_scale) {
  ++step_;
  const double beta1 = settings_.beta1, beta2 = settings_.beta2, eps = settings_.eps;
  const double bias_correction1 = 1 - std::pow(beta1, static_cast<double>(step_));
  const double bias_correction2 = 1 - std::pow(beta2, static_cast<double>(step_));
  const double step_size = lr / bias_correction1;
  const double inv_sqrt_bc2 = 1 / std::sqrt(bias_correction2);

  torch::NoGradGuard no_grad;
  // Parameters off the fast CPU path (a GPU's) are updated together by multi-tensor kernels:
  // a handful of launches per step instead of six per parameter.
  std::vector<torch::Tensor> ps, gs, ms, vs;
  for (size_t k = 0; k < parameters_.size(); ++k) {
    torch::Tensor& p = parameters_[k];
    const torch::Tensor& g = p.grad();
    if (!g.defined()) continue;
    torch::Tensor& m = exp_avg_[k];
    torch::Tensor& v = exp_avg_sq_[k];
    const bool fast =
        p.is_cpu() && p.scalar_type() == torch::kFloat32 && p.is_contiguous() && g.is_contiguous();
    if (fast) {
      float* pd = p.data_ptr<float>();
      const float* gd = g.data_ptr<float>();
      float* md = m.data_ptr<float>();
      float* vd = v.data_ptr<float>();
      const float b1 = static_cast<float>(beta1), b2 = static_cast<float>(beta2);
      const float one_minus_b1 = static_cast<float>(1 - beta1),
                  one_minus_b2 = static_cast<float>(1 - beta2);
      const float scale = static_cast<float>(gradient_scale), lr_t = static_cast<float>(step_size);
      const float bc2 = static_cast<float>(inv_sqrt_bc2), eps_f = static_cast<float>(eps);
      at::parallel_for(0, p.numel(), kGrain, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
          const float grad = gd[i] * scale;
          const float mi = b1 * md[i] + one_minus_b1 * grad;
          const float vi = b2 * vd[i] + one_minus_b2 * grad * grad;
          md[i] = mi;
          vd[i] = vi;
          pd[i] -= lr_t * mi / (std::sqrt(vi) * bc2 + eps_f);
        }
      });
    } else {
      ps.push_back(p);
      gs.push_back(g);
      ms.push_back(m);
      vs.push_back(v);
    }
  }
  if (ps.empty()) return;
  // The same arithmetic as the loop above: m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2,
  // p -= step_size * m / (sqrt(v) / sqrt(bc2) + eps).
  if (gradient_scale != 1.0) gs = at::_foreach_mul(gs, at::Scalar(gradient_scale));
  at::_foreach_mul_(ms, at::Scalar(beta1));
  at::_foreach_add_(ms, gs, at::Scalar(1 - beta1));
  at::_foreach_mul_(vs, at::Scalar(beta2));
  at::_foreach_addcmul_(vs, gs, gs, at::Scalar(1 - beta2));
  std::vector<torch::Tensor> denominators = at::_foreach_sqrt(vs);
  at::_foreach_mul_(denominators, at::Scalar(inv_sqrt_bc2));
  at::_foreach_add_(denominators, at::Scalar(eps));
  at::_foreach_addcdiv_(ps, ms, denominators, at::Scalar(-step_size));
}

void FusedAdam::save(torch::serialize::OutputArchive& archive) const {
  archive.write("step", torch::IValue(step_));
  archive.write("count", torch::IValue(static_cast<int64_t>(parameters_.size())));
  for (size_t k = 0; k < parameters_.size(); ++k) {
    archive.write("exp_avg." + std::to_string(k), exp_avg_[k]);
    archive.write("exp_avg_sq." + std::to_string(k), exp_avg_sq_[k]);
  }
}

void FusedAdam::load(torch::serialize::InputArchive& archive) {
  torch::IValue value;
  archive.read("count", value);
  if (value.toInt() != static_cast<int64_t>(parameters_.size()))
    throw RunError("optimiser state holds " + std::to_string(value.toInt()) +
                   " parameters, the model has " + std::to_string(parameters_.size()));
  archive.read("step", value);
  step_ = value.toInt();
  torch::NoGradGuard no_grad;
  for (size_t k = 0; k < parameters_.size(); ++k) {
    torch::Tensor m, v;
    archive.read("exp_avg." + std::to_string(k), m);
    archive.read("exp_avg_sq." + std::to_string(k), v);
    if (!m.sizes().equals(parameters_[k].sizes()) || !v.sizes().equals(parameters_[k].sizes()))
      throw RunError("optimiser state of parameter " + std::to_string(k) + " has the wrong shape");
    exp_avg_[k].copy_(m);
    exp_avg_sq_[k].copy_(v);
  }
}

}  // namespace narformer
