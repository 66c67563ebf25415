#include "narformer/core/atomic_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "narformer/core/error.h"

namespace narformer {
namespace fs = std::filesystem;

namespace {
std::string temporary_name(const std::string& path) {
  return path + ".tmp." + std::to_string(::getpid());
}
}  // namespace

void write_atomic_with(const std::string& path,
                       const std::function<void(const std::string&)>& write) {
  const std::string tmp = temporary_name(path);
  try {
    write(tmp);
  } catch (...) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw;
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw Error(with_file(path, "cannot write (rename failed: " + ec.message() + ")"));
  }
}

void write_file_atomic(const std::string& path, const std::string& contents) {
  write_atomic_with(path, [&](const std::string& tmp) {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out)
      throw Error(with_file(path, std::string("cannot open for writing: ") + std::strerror(errno)));
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    out.flush();
    if (!out) throw Error(with_file(path, "write failed (disk full?)"));
  });
}

std::string read_file(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw DataError(with_file(path, "file not found"));
  if (fs::is_directory(path, ec))
    throw DataError(with_file(path, "is a directory, expected a file"));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(with_file(path, std::string("cannot open: ") + std::strerror(errno)));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void append_line(const std::string& path, const std::string& line) {
  std::ofstream out(path, std::ios::app);
  if (!out) throw Error(with_file(path, "cannot open for appending"));
  out << line << '\n';
  out.flush();
}

}  // namespace narformer
