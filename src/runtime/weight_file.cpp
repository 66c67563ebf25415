#include "narformer/runtime/weight_file.h"

#include <cstring>
#include <sstream>

#include "narformer/core/atomic_file.h"
#include "narformer/core/error.h"

namespace narformer {

namespace {

constexpr char kMagic[8] = {'N', 'F', 'W', 'E', 'I', 'G', 'H', 'T'};
constexpr uint32_t kVersion = 2;
constexpr uint8_t kStoredFloat32 = 0;
constexpr uint8_t kStoredFloat16 = 1;

uint32_t bits_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof(u));
  return u;
}

float float_of(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof(f));
  return f;
}

// IEEE binary16 conversions without compiler extensions (_Float16 is not in every compiler a
// CUDA build may use): F. Giesen's branch-light forms, round to nearest even, NaN and infinity
// kept, overflow to infinity, subnormals exact.
uint16_t to_half_bits(float value) {
  uint32_t x = bits_of(value);
  const uint32_t sign = x & 0x80000000u;
  x ^= sign;
  uint32_t out;
  if (x >= (127u + 16u) << 23) {  // too large for a half, infinity or NaN
    out = x > 255u << 23 ? 0x7e00u : 0x7c00u;
  } else if (x < 113u << 23) {  // a half subnormal (or zero): let the FPU round
    const uint32_t magic = ((127u - 15u) + (23u - 10u) + 1u) << 23;
    out = bits_of(float_of(x) + float_of(magic)) - magic;
  } else {
    const uint32_t odd = (x >> 13) & 1u;
    x += ((15u - 127u) << 23) + 0xfffu + odd;
    out = x >> 13;
  }
  return static_cast<uint16_t>(out | (sign >> 16));
}

float from_half_bits(uint16_t half) {
  const uint32_t shifted_exponent = 0x7c00u << 13;
  uint32_t out = (static_cast<uint32_t>(half) & 0x7fffu) << 13;
  const uint32_t exponent = shifted_exponent & out;
  out += (127u - 15u) << 23;
  if (exponent == shifted_exponent) {
    out += (128u - 16u) << 23;  // infinity or NaN
  } else if (exponent == 0) {   // zero or subnormal: renormalise through the FPU
    out += 1u << 23;
    out = bits_of(float_of(out) - float_of(113u << 23));
  }
  return float_of(out | (static_cast<uint32_t>(half) & 0x8000u) << 16);
}

template <typename T>
void put(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(T));
}

/// Bounds-checked reader over the file's bytes.
class Reader {
 public:
  Reader(const std::string& bytes, const std::string& path) : bytes_(bytes), path_(path) {}

  void get_bytes(void* out, size_t n) {
    if (n > bytes_.size() - offset_) fail("truncated");
    std::memcpy(out, bytes_.data() + offset_, n);
    offset_ += n;
  }
  template <typename T>
  T get() {
    T value;
    get_bytes(&value, sizeof(T));
    return value;
  }
  std::string get_string(size_t limit) {
    const auto n = get<uint32_t>();
    if (n > limit) fail("corrupt (a name of " + std::to_string(n) + " bytes)");
    std::string s(n, '\0');
    get_bytes(s.data(), n);
    return s;
  }
  bool at_end() const { return offset_ == bytes_.size(); }
  [[noreturn]] void fail(const std::string& what) const {
    throw RunError(with_file(path_, "weight file is " + what));
  }

 private:
  const std::string& bytes_;
  const std::string& path_;
  size_t offset_ = 0;
};

std::string shape_text(const std::vector<int64_t>& shape) {
  std::ostringstream s;
  s << '[';
  for (size_t i = 0; i < shape.size(); ++i) s << (i ? ", " : "") << shape[i];
  s << ']';
  return s.str();
}

}  // namespace

const NamedArray& WeightFile::at(const std::string& name, const std::vector<int64_t>& shape,
                                 const std::string& source) const {
  const auto it = arrays.find(name);
  if (it == arrays.end())
    throw RunError(with_file(source, "no weights named '" + name + "' (a model of another kind?)"));
  if (it->second.shape != shape)
    throw RunError(with_file(source, "'" + name + "' has shape " + shape_text(it->second.shape) +
                                         ", the model needs " + shape_text(shape)));
  return it->second;
}

std::string weights_path_for(const std::string& checkpoint_path) {
  const std::string suffix = ".pt";
  const bool pt =
      checkpoint_path.size() > suffix.size() &&
      checkpoint_path.compare(checkpoint_path.size() - suffix.size(), suffix.size(), suffix) == 0;
  return (pt ? checkpoint_path.substr(0, checkpoint_path.size() - suffix.size())
             : checkpoint_path) +
         ".weights";
}

float round_to_half(float value) {
  return from_half_bits(to_half_bits(value));
}

void write_weight_file(const std::string& path, const WeightFile& weights,
                       WeightPrecision precision) {
  std::string out(kMagic, sizeof(kMagic));
  put(out, kVersion);
  put(out, static_cast<uint32_t>(weights.meta.size()));
  out += weights.meta;
  put(out, static_cast<uint32_t>(weights.arrays.size()));
  for (const auto& [name, array] : weights.arrays) {
    put(out, static_cast<uint32_t>(name.size()));
    out += name;
    put(out, static_cast<uint32_t>(array.shape.size()));
    for (int64_t d : array.shape) put(out, d);
    if (precision == WeightPrecision::kFloat16) {
      put(out, kStoredFloat16);
      for (float v : array.values) put(out, to_half_bits(v));
    } else {
      put(out, kStoredFloat32);
      out.append(reinterpret_cast<const char*>(array.values.data()),
                 array.values.size() * sizeof(float));
    }
  }
  write_file_atomic(path, out);
}

WeightFile read_weight_file(const std::string& path) {
  std::string bytes;
  try {
    bytes = read_file(path);
  } catch (const DataError& e) {
    throw RunError(e.what());
  }
  Reader in(bytes, path);
  char magic[sizeof(kMagic)];
  in.get_bytes(magic, sizeof(magic));
  if (std::memcmp(magic, kMagic, sizeof(kMagic)) != 0) in.fail("not a narformer weight file");
  const auto version = in.get<uint32_t>();
  if (version < 1 || version > kVersion)
    in.fail("of format version " + std::to_string(version) + " (this build of narformer reads " +
            "versions 1 to " + std::to_string(kVersion) + ": a newer narformer wrote it)");
  WeightFile weights;
  weights.meta = in.get_string(1 << 20);
  const auto count = in.get<uint32_t>();
  for (uint32_t a = 0; a < count; ++a) {
    const std::string name = in.get_string(4096);
    NamedArray array;
    const auto rank = in.get<uint32_t>();
    if (rank > 8) in.fail("corrupt ('" + name + "' of rank " + std::to_string(rank) + ")");
    int64_t elements = 1;
    for (uint32_t r = 0; r < rank; ++r) {
      const auto d = in.get<int64_t>();
      if (d < 0 || d > (int64_t{1} << 32))
        in.fail("corrupt ('" + name + "' has a dimension of " + std::to_string(d) + ")");
      array.shape.push_back(d);
      elements *= d;
      if (elements > (int64_t{1} << 32)) in.fail("corrupt ('" + name + "' is too large)");
    }
    array.values.resize(static_cast<size_t>(elements));
    const uint8_t stored = version >= 2 ? in.get<uint8_t>() : kStoredFloat32;
    if (stored == kStoredFloat32) {
      in.get_bytes(array.values.data(), array.values.size() * sizeof(float));
    } else if (stored == kStoredFloat16) {
      std::vector<uint16_t> halves(array.values.size());
      in.get_bytes(halves.data(), halves.size() * sizeof(uint16_t));
      for (size_t i = 0; i < halves.size(); ++i) array.values[i] = from_half_bits(halves[i]);
    } else {
      in.fail("corrupt ('" + name + "' has storage type " + std::to_string(stored) + ")");
    }
    weights.arrays.emplace(name, std::move(array));
  }
  if (!in.at_end()) in.fail("corrupt (bytes after the last array)");
  return weights;
}

}  // namespace narformer
