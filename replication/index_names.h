// Index names: Elasticsearch's rules — lowercase; none of \ / * ? " < > | ,
// # : or spaces; not "." or ".."; not starting with - _ +; at most 255 bytes.
#pragma once

#include <string_view>

#include "index/util/status.h"

namespace holdfast {

// invalid_index_name_exception "Invalid index name [x], ..." when `name` breaks a rule.
Status ValidateIndexName(std::string_view name);

}  // namespace holdfast
