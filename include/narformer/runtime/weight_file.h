#pragma once
// A model's weights as named float32 arrays in one small binary file (`best.weights` beside
// `best.pt` in a run folder), readable without LibTorch: the torch-free forward pass
// (torch_free/lite_model.h) loads it in a few milliseconds, where loading LibTorch alone takes
// ~0.4 s. Layout (little-endian): "NFWEIGHT", u32 version, u32 meta length, meta text, u32
// array count, then per array: u32 name length, name, u32 rank, i64 dims, and since version 2
// a u8 storage type (0 = f32, 1 = IEEE half), then the values. Version 1 files (f32 only) still
// read; a file of a newer version is refused with a message that says so.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace narformer {

struct NamedArray {
  std::vector<int64_t> shape;
  std::vector<float> values;  ///< row-major, product of shape elements
};

struct WeightFile {
  std::string meta;  ///< free text, e.g. the model options it fits
  std::map<std::string, NamedArray>
      arrays;  ///< by parameter/buffer name, e.g. "encoder.block0.norm.weight"

  /// The array `name` with exactly `shape`; throws RunError naming `source` otherwise.
  const NamedArray& at(const std::string& name, const std::vector<int64_t>& shape,
                       const std::string& source) const;
};

/// Where the weights of checkpoint `checkpoint_path` live: "best.pt" -> "best.weights".
std::string weights_path_for(const std::string& checkpoint_path);

/// How the values are stored: half precision halves a file (shipped predictors, pretrained/);
/// reading always gives float32.
enum class WeightPrecision { kFloat32, kFloat16 };

/// Writes atomically. Throws Error when the file cannot be written.
void write_weight_file(const std::string& path, const WeightFile& weights,
                       WeightPrecision precision = WeightPrecision::kFloat32);

/// `value` rounded to the nearest IEEE half (ties to even) and back: what a kFloat16 file keeps.
float round_to_half(float value);

/// Reads `path`. Throws RunError naming the file when it is missing, truncated or corrupt.
WeightFile read_weight_file(const std::string& path);

}  // namespace narformer
