#pragma once
// Helpers shared by the tests: temporary files and paths of shipped data.

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

namespace narformer::testing {

inline std::string source_path(const std::string& relative) {
  return (std::filesystem::path(NARFORMER_SOURCE_DIR) / relative).string();
}

/// A file under the system temp folder that is removed when the object goes away.
class TempFile {
 public:
  explicit TempFile(const std::string& contents, const std::string& suffix = ".txt") {
    static std::atomic<int> counter{0};
    path_ =
        (std::filesystem::temp_directory_path() / ("narformer_test_" + std::to_string(::getpid()) +
                                                   "_" + std::to_string(counter++) + suffix))
            .string();
    std::ofstream(path_) << contents;
  }
  ~TempFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// A temporary folder removed (with its contents) when the object goes away.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = (std::filesystem::temp_directory_path() /
             ("narformer_dir_" + std::to_string(::getpid()) + "_" + std::to_string(counter++)))
                .string();
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// Runs `f` and returns the message of the exception of type E it throws ("" if none).
template <typename E, typename F>
std::string error_message(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

}  // namespace narformer::testing
