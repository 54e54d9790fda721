// search_after: the sort values of the last hit of a page, sent back to get
// the next page. Every doc sorting at or before them is skipped (ties with
// the given values included, as in Elasticsearch: end the sort with a unique
// key such as `_id` to page through ties).
#pragma once

#include <string_view>
#include <vector>

#include "index/search/sort_spec.h"
#include "index/search/sort_value.h"
#include "index/util/status.h"

namespace holdfast::search {

// Parses the JSON array of `search_after` against `spec`: one value per key,
// numbers for numeric keys, `_doc` and `_score`, strings for keyword and
// `_id` keys, null for "missing" (as hits render it; refused for `_id`, which
// is never missing). Errors are parsing_exception /
// illegal_argument_exception statuses.
Result<std::vector<SortValue>> ParseSearchAfter(std::string_view json, const SortSpec& spec);

}  // namespace holdfast::search
