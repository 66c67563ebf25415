#pragma once
// The reference's initialisation quirks (method.md §3.7).

#include <torch/torch.h>

namespace narformer {

/// Weight U(±1/sqrt(in)) (PyTorch default) but bias U(±1/sqrt(out)): the reference passes the
/// bias length as "size" to its uniform initialiser. Used for every Linear outside the
/// attention layers.
void init_linear_reference(torch::nn::Linear& linear);

}  // namespace narformer
