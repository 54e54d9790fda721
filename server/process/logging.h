// Process-wide logging on spdlog: `text` for people, `json` (one object per
// line: ts, level, logger, msg, pid) for log shippers. Set up once in main
// before any thread starts; spdlog's default logger is thread-safe after that.
#pragma once

#include <string>

#include "index/util/status.h"

namespace holdfast {

// level: trace|debug|info|warn|error; format: text|json. Logs go to stderr.
Status SetupLogging(const std::string& level, const std::string& format);

// Appends `s` to `out` as the inside of a JSON string (quotes, control bytes escaped).
void AppendJsonEscaped(std::string_view s, std::string* out);

}  // namespace holdfast
