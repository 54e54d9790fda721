#include "index/mapping/mapping_error.h"

namespace holdfast::mapping {

Status MappingErrorStatus(std::string_view type, std::string_view reason) {
  std::string message;
  message.reserve(type.size() + 2 + reason.size());
  message.append(type).append(": ").append(reason);
  return Status::InvalidArgument(std::move(message));
}

MappingError ToMappingError(const Status& status) {
  const std::string& message = status.message();
  size_t sep = message.find(": ");
  if (sep != std::string::npos) {
    std::string_view type(message.data(), sep);
    bool looks_like_type = type.ends_with("_exception") &&
                           type.find_first_of(" [") == std::string_view::npos;
    if (looks_like_type) return {std::string(type), message.substr(sep + 2)};
  }
  return {"exception", message};
}

}  // namespace holdfast::mapping
