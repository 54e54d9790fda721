// Checksums for every file holdfast reads back (DESIGN.md §3). XXH3-64 is fast
// enough to verify whole segment files at open and is stable across versions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "index/util/status.h"

namespace holdfast {

uint64_t Checksum64(std::string_view data);

// Checksum64 of a whole file, read in chunks; *length gets its size.
Result<uint64_t> ChecksumFile(const std::string& path, uint64_t* length);

// Lower-case, zero-padded 16-digit hex of a checksum.
std::string ChecksumHex(uint64_t checksum);

// Small text files (VOLUME, MANIFEST) end in a line "checksum=<hex>" over
// every byte before it. AppendChecksumLine adds it; StripChecksumLine checks
// it and returns the text before it, or nullopt when it is missing or wrong.
void AppendChecksumLine(std::string* text);
std::optional<std::string_view> StripChecksumLine(std::string_view text);

}  // namespace holdfast
