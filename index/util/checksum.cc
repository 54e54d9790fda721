#include "index/util/checksum.h"

#include <xxhash.h>

#include <cstdio>

namespace holdfast {

uint64_t Checksum64(std::string_view data) { return XXH3_64bits(data.data(), data.size()); }

std::string ChecksumHex(uint64_t checksum) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(checksum));
  return buf;
}

}  // namespace holdfast
