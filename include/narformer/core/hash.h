#pragma once
// A short, stable fingerprint of bytes: FNV-1a, 64 bits, as 16 hex digits. Not for security;
// for "is this the same data / config" checks that must agree across machines and builds.

#include <string>
#include <string_view>

namespace narformer {

std::string fnv1a64_hex(std::string_view bytes);

}  // namespace narformer
