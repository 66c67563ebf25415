#include "narformer/runtime/run_folder.h"

#include <filesystem>

#include "narformer/core/error.h"

namespace narformer {

std::string RunFolder::file(const std::string& name) const {
  return (std::filesystem::path(path_) / name).string();
}

std::string RunFolder::checkpoint(const std::string& which) const {
  if (which == "best" || which == "last") return file(which + ".pt");
  return which;
}

void RunFolder::require_run() const {
  if (!std::filesystem::exists(config()))
    throw RunError(with_file(path_, "not a run folder (no config.yaml)"));
}

}  // namespace narformer
