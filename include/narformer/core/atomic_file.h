#pragma once
// Atomic writes: results and checkpoints are written to a temporary file in the same folder
// and renamed over the target, so a crash or Ctrl-C never leaves a half-written file.

#include <functional>
#include <string>

namespace narformer {

/// Writes `contents` to `path` atomically. Throws Error on failure.
void write_file_atomic(const std::string& path, const std::string& contents);

/// Calls `write(tmp_path)` to produce the file under a temporary name, then renames it onto
/// `path`. If `write` throws, the temporary file is removed and the exception propagates.
void write_atomic_with(const std::string& path,
                       const std::function<void(const std::string&)>& write);

/// Reads a whole file. Throws DataError naming the file when it cannot be read.
std::string read_file(const std::string& path);

/// Appends one line (a '\n' is added) and flushes; used for metrics.jsonl.
void append_line(const std::string& path, const std::string& line);

}  // namespace narformer
