// Conversions between UTF-8 std::string and icu::UnicodeString that reuse the
// destination's buffer, so a filter that keeps its scratch strings across calls
// allocates nothing in steady state.
//
// Pure functions over caller-owned buffers; callable from any thread.
#pragma once

#include <string>
#include <string_view>

#include <unicode/unistr.h>

#include "index/util/status.h"

namespace holdfast::analysis {

// Replaces `out` with `in` decoded from UTF-8; ill-formed sequences become U+FFFD.
Status Utf8ToUtf16(std::string_view in, icu::UnicodeString& out);

// Replaces `out` with `in` encoded as UTF-8; unpaired surrogates become U+FFFD.
Status Utf16ToUtf8(const icu::UnicodeString& in, std::string& out);

}  // namespace holdfast::analysis
