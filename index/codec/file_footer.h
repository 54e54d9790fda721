// The footer every whole holdfast file ends with (docs/formats.md, "File
// footer"): {magic, version, XXH3-64 checksum of everything before it}. Writers
// append it last; readers verify it before trusting any other byte.
// Stateless and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "index/util/status.h"

namespace holdfast::codec {

inline constexpr size_t kFileFooterSize = 16;

// Appends the footer to `file`, which holds the whole file body.
void AppendFileFooter(std::string* file, uint32_t magic, uint32_t version);

struct VerifiedFile {
  std::string_view body;  // the file without its footer
  uint32_t version;
};

// Checks size, magic and checksum of `file`. Corruption naming `file_name`
// when any of them is wrong.
Result<VerifiedFile> VerifyFileFooter(std::string_view file, std::string_view file_name,
                                      uint32_t expected_magic);

}  // namespace holdfast::codec
