#pragma once
// One exception family for everything a user can get wrong or a file can hold wrong.
// Messages are complete sentences a user can act on: they name the file (or key) and the
// problem. The CLI prints what() on one line and exits non-zero.

#include <stdexcept>
#include <string>

namespace narformer {

/// Base class of every error narformer raises on purpose.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

/// A configuration problem: unknown key, wrong type, value out of range, malformed YAML.
class ConfigError : public Error {
 public:
  using Error::Error;
};

/// A problem with input data: missing file, wrong column, malformed architecture, NaN label.
class DataError : public Error {
 public:
  using Error::Error;
};

/// A problem with a run folder or checkpoint: missing, incompatible, corrupt.
class RunError : public Error {
 public:
  using Error::Error;
};

/// "<file>: <message>", or just the message when no file is involved.
std::string with_file(const std::string& file, const std::string& message);

}  // namespace narformer
