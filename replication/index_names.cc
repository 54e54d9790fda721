#include "replication/index_names.h"

#include <string>


namespace holdfast {

Status ValidateIndexName(std::string_view name) {
  auto invalid = [&](const std::string& why) {
    return Status::InvalidIndexName("Invalid index name [" + std::string(name) + "], " + why);
  };
  if (name.empty()) return invalid("must not be empty");
  if (name.size() > 255) return invalid("index name is too long, (" + std::to_string(name.size()) + " > 255)");
  if (name == "." || name == "..") return invalid("must not be '.' or '..'");
  if (name[0] == '-' || name[0] == '_' || name[0] == '+') return invalid("must not start with '_', '-', or '+'");
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') return invalid("must be lowercase");
    if (std::string_view("\\/*?\"<>| ,#:").find(c) != std::string_view::npos || static_cast<unsigned char>(c) < 0x20) {
      return invalid("must not contain the following characters [ , \", *, \\, <, |, ,, >, /, ?, #, :]");
    }
  }
  return Status::OK();
}

}  // namespace holdfast
