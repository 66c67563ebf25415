#include "narformer/core/error.h"

namespace narformer {

std::string with_file(const std::string& file, const std::string& message) {
  if (file.empty()) return message;
  return file + ": " + message;
}

}  // namespace narformer
