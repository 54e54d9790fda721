// MergeDocuments: the partial-document merge of the update API. `partial` is
// merged into `source` the way Elasticsearch's update with `doc` does: objects
// merge recursively, anything else (scalars, arrays) replaces. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "index/util/status.h"

namespace holdfast {

// *changed tells whether the result differs from `source` (an update that
// changes nothing is a "noop"). kMapperParsing when either side is not a
// JSON object.
Result<std::string> MergeDocuments(std::string_view source, std::string_view partial, bool* changed);

}  // namespace holdfast
