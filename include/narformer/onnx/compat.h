#pragma once
// One switch between the reference's numbers and corrected ones for everything read from
// ONNX files (config key `compat: corrected | reference`).
//
//   reference  reproduces NAR-Former V2 / NNLQP feature extraction (method.md §2, Appendix C):
//              its FLOPs/params/memory formulas (method.md §6 items 14, 16, 17), MatMul
//              without an op code, ConstantOfShape weights kept as graph nodes.
//   corrected  (default) the same graph and features, but costs that count what the network
//              computes (see onnx/cost.h for every changed formula), MatMul gets the op code
//              the reference meant to give it, and weights stored as ConstantOfShape nodes
//              are treated like the initializers they stand for.
//
// Neither mode drops graphs: where the reference raised (unknown op, missing shape,
// ConvTranspose FLOPs, bilinear Upsample, 1-D/3-D convolutions, ...) both modes import.

#include <string>
#include <utility>
#include <vector>

namespace narformer {

enum class OnnxCompat { kCorrected, kReference };

/// Each mode with its spelling: "corrected", "reference" (data.tokenizer.compat's choices).
const std::vector<std::pair<OnnxCompat, std::string>>& onnx_compat_names();
/// "corrected" | "reference". Throws ConfigError otherwise.
OnnxCompat parse_onnx_compat(const std::string& name);
const char* to_string(OnnxCompat compat);

}  // namespace narformer
