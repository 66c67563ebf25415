#include "narformer/model/init.h"

#include <cmath>

namespace narformer {

void init_linear_reference(torch::nn::Linear& linear) {
  torch::NoGradGuard no_grad;
  const double in = static_cast<double>(linear->weight.size(1));
  const double out = static_cast<double>(linear->weight.size(0));
  const double weight_bound = 1.0 / std::sqrt(in);
  linear->weight.uniform_(-weight_bound, weight_bound);
  if (linear->bias.defined()) {
    const double bias_bound = 1.0 / std::sqrt(out);
    linear->bias.uniform_(-bias_bound, bias_bound);
  }
}

}  // namespace narformer
