// Checksums for every file holdfast reads back (DESIGN.md §3). XXH3-64 is fast
// enough to verify whole segment files at open and is stable across versions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace holdfast {

uint64_t Checksum64(std::string_view data);

// Lower-case, zero-padded 16-digit hex of a checksum.
std::string ChecksumHex(uint64_t checksum);

}  // namespace holdfast
