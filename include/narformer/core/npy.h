#pragma once
// NumPy .npy (format 1.0) bytes for a float32 C-order array, so Python users can np.load our
// token matrices and embeddings.

#include <cstdint>
#include <string>
#include <vector>

namespace narformer {

std::string npy_float32(const float* data, const std::vector<int64_t>& shape);

}  // namespace narformer
