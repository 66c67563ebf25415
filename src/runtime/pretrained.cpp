#include "narformer/runtime/pretrained.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "narformer/core/atomic_file.h"
#include "narformer/core/error.h"
#include "narformer/core/hash.h"

// Set by CMake: the source tree's pretrained/ (a build tree finds it there) and where `cmake
// --install` puts it.
#ifndef NARFORMER_SOURCE_PRETRAINED_DIR
#define NARFORMER_SOURCE_PRETRAINED_DIR ""
#endif
#ifndef NARFORMER_INSTALL_PRETRAINED_DIR
#define NARFORMER_INSTALL_PRETRAINED_DIR ""
#endif
#ifndef NARFORMER_VERSION_STRING
#define NARFORMER_VERSION_STRING "unknown"
#endif

namespace narformer {

namespace fs = std::filesystem;

namespace {

constexpr char kManifest[] = "pretrained.json";

int64_t folder_size(const fs::path& dir) {
  int64_t bytes = 0;
  std::error_code error;
  for (const auto& entry : fs::recursive_directory_iterator(dir, error))
    if (entry.is_regular_file(error)) bytes += static_cast<int64_t>(entry.file_size(error));
  return bytes;
}

}  // namespace

std::string narformer_version() {
  return NARFORMER_VERSION_STRING;
}

std::vector<std::string> pretrained_roots() {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("NARFORMER_PRETRAINED")) {
    std::stringstream list(env);
    for (std::string dir; std::getline(list, dir, ':');)
      if (!dir.empty()) candidates.push_back(dir);
  }
  candidates.push_back(NARFORMER_SOURCE_PRETRAINED_DIR);
  candidates.push_back(NARFORMER_INSTALL_PRETRAINED_DIR);
  std::vector<std::string> roots;
  std::error_code error;
  for (const std::string& dir : candidates)
    if (!dir.empty() && fs::is_directory(dir, error) &&
        std::find(roots.begin(), roots.end(), dir) == roots.end())
      roots.push_back(dir);
  return roots;
}

PretrainedInfo read_pretrained_info(const std::string& dir) {
  const std::string path = (fs::path(dir) / kManifest).string();
  if (!fs::exists(path))
    throw RunError(with_file(dir, "not a pretrained predictor (no pretrained.json)"));
  PretrainedInfo info;
  try {
    const nlohmann::json m = nlohmann::json::parse(read_file(path));
    info.format_version = m.at("format_version").get<int64_t>();
    if (info.format_version > kPretrainedFormatVersion)
      throw RunError(with_file(
          path, "pretrained format version " + std::to_string(info.format_version) +
                    " (this build of narformer, " + narformer_version() + ", reads up to " +
                    std::to_string(kPretrainedFormatVersion) +
                    "): a newer narformer packed it; update narformer or use an older predictor"));
    info.name = m.at("name").get<std::string>();
    info.version = m.at("version").get<int64_t>();
    info.narformer_version = m.at("narformer_version").get<std::string>();
    info.task = m.at("task").get<std::string>();
    info.input = m.at("input").get<std::string>();
    info.platforms = m.at("platforms").get<std::vector<std::string>>();
    info.description = m.value("description", "");
    info.weights = m.at("weights").at("storage").get<std::string>();
    info.metrics = m.at("metrics").value("summary", "");
    info.manifest_json = m.dump();
  } catch (const nlohmann::json::exception& e) {
    throw RunError(with_file(path, std::string("malformed: ") + e.what()));
  }
  info.dir = dir;
  info.size_bytes = folder_size(dir);
  return info;
}

std::vector<PretrainedInfo> list_pretrained() {
  std::vector<PretrainedInfo> out;
  std::set<std::string> seen;
  for (const std::string& root : pretrained_roots()) {
    std::vector<fs::path> dirs;
    for (const auto& entry : fs::directory_iterator(root))
      if (entry.is_directory() && fs::exists(entry.path() / kManifest))
        dirs.push_back(entry.path());
    std::sort(dirs.begin(), dirs.end());
    for (const fs::path& dir : dirs)
      if (seen.insert(dir.filename().string()).second)
        out.push_back(read_pretrained_info(dir.string()));
  }
  std::sort(out.begin(), out.end(),
            [](const PretrainedInfo& a, const PretrainedInfo& b) { return a.name < b.name; });
  return out;
}

std::string find_pretrained(const std::string& name) {
  for (const std::string& root : pretrained_roots()) {
    const fs::path dir = fs::path(root) / name;
    if (fs::exists(dir / kManifest)) return read_pretrained_info(dir.string()).dir;
  }
  std::string known;
  for (const PretrainedInfo& info : list_pretrained())
    known += (known.empty() ? "" : ", ") + info.name;
  std::string searched;
  for (const std::string& root : pretrained_roots())
    searched += (searched.empty() ? "" : ", ") + root;
  throw ConfigError("no pretrained predictor named '" + name + "' (" +
                    (known.empty() ? "none found" : "there are: " + known) + "; searched " +
                    (searched.empty() ? "no folder: set NARFORMER_PRETRAINED" : searched) + ")");
}

std::string run_or_pretrained(const std::string& run_or_name) {
  std::error_code error;
  if (fs::is_directory(run_or_name, error)) return run_or_name;
  if (run_or_name.find('/') != std::string::npos)
    throw RunError(with_file(run_or_name, "no such run folder"));
  return find_pretrained(run_or_name);
}

std::string file_content_hash(const std::string& path) {
  return fnv1a64_hex(read_file(path));
}

}  // namespace narformer
