#include "narformer/data/latency_table.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "narformer/core/atomic_file.h"
#include "narformer/core/error.h"

namespace narformer {

namespace fs = std::filesystem;

LatencyTable read_latency_table(const std::string& path, const std::string& onnx_root) {
  const std::string text = read_file(path);
  const fs::path root = onnx_root.empty() ? fs::path(path).parent_path() : fs::path(onnx_root);
  LatencyTable table;
  table.source = path;
  std::istringstream lines(text);
  std::string line;
  int64_t number = 0;
  while (std::getline(lines, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::istringstream fields(line);
    std::vector<std::string> f;
    for (std::string field; fields >> field;) f.push_back(field);
    auto fail = [&](const std::string& why) {
      throw DataError(with_file(path, "line " + std::to_string(number) + ": " + why));
    };
    if (f.size() != 6 && f.size() != 7)
      fail(
          "expected 6 or 7 fields (id onnx_path batch_size latency_ms model_type platform_id "
          "[stage]), found " +
          std::to_string(f.size()));
    LatencyRecord r;
    r.line = number;
    r.id = f[0];
    r.onnx_path = (root / f[1]).lexically_normal().string();
    char* end = nullptr;
    errno = 0;
    r.batch_size = std::strtoll(f[2].c_str(), &end, 10);
    if (*end != '\0' || errno != 0 || r.batch_size < 1)
      fail("batch size '" + f[2] + "' is not a positive integer");
    errno = 0;
    r.latency_ms = std::strtod(f[3].c_str(), &end);
    if (*end != '\0' || errno != 0 || std::isnan(r.latency_ms))
      fail("latency '" + f[3] + "' is not a number");
    if (std::isinf(r.latency_ms)) fail("latency '" + f[3] + "' is infinite");
    if (!(r.latency_ms > 0)) fail("latency " + f[3] + " must be positive (relative-error loss)");
    r.family = f[4];
    r.platform = f[5];
    if (f.size() == 7) {
      r.stage = f[6];
      if (r.stage != "train" && r.stage != "test")
        fail("stage '" + r.stage + "' is neither train nor test");
    }
    table.records.push_back(std::move(r));
  }
  if (table.records.empty()) throw DataError(with_file(path, "no latency lines"));
  return table;
}

}  // namespace narformer
