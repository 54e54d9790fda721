// Index names: Elasticsearch's rules — lowercase; none of \ / * ? " < > | ,
// # : or spaces; not "." or ".."; not starting with - _ +; at most 255 bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "index/util/status.h"

namespace holdfast {

// invalid_index_name_exception "Invalid index name [x], ..." when `name` breaks a rule.
Status ValidateIndexName(std::string_view name);

// Elasticsearch's date math index names: `<static{date-math{format|time-zone}}static>`,
// e.g. `<logs-{now/d}>` → "logs-2026.12.03", `<logs-{now/M-1M{yyyy.MM}}>`,
// `<logs-{now/d{yyyy.MM.dd|+12:00}}>`. Date math starts at `now` (`now_ms`) and
// applies `+N`/`-N` units (y M w d h H m s) and `/unit` rounding, in the time
// zone (a fixed offset, `Z` or `UTC`); the format is a Java-style pattern of
// y u M d H m s letters, quoted literals and other characters (default
// uuuu.MM.dd); `\` escapes a brace. A name not in angle brackets is returned
// as it is. parse_exception "invalid dynamic name expression [...]" otherwise.
Result<std::string> ResolveDateMathName(std::string_view name, int64_t now_ms);

}  // namespace holdfast
