// Wildcard matching with `*` only: `*` matches any run of characters (dots
// included), every other character matches itself. Used for index name
// expressions ("logs-*") and _source include/exclude patterns. Stateless and
// thread-safe.
#pragma once

#include <string_view>

namespace holdfast {

// True when `pattern` matches the whole of `text`.
bool GlobMatch(std::string_view pattern, std::string_view text);

// True when `pattern` could match `text` followed by more characters (a
// prefix of some matching text).
bool GlobMatchesPrefix(std::string_view pattern, std::string_view text);

}  // namespace holdfast
