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

namespace {
constexpr std::string_view kChecksumKey = "checksum=";
}  // namespace

void AppendChecksumLine(std::string* text) {
  *text += std::string(kChecksumKey) + ChecksumHex(Checksum64(*text)) + "\n";
}

std::optional<std::string_view> StripChecksumLine(std::string_view text) {
  const size_t pos = text.rfind(kChecksumKey);
  if (pos == std::string_view::npos || (pos > 0 && text[pos - 1] != '\n')) return std::nullopt;
  std::string_view given = text.substr(pos + kChecksumKey.size());
  if (!given.empty() && given.back() == '\n') given.remove_suffix(1);
  if (given != ChecksumHex(Checksum64(text.substr(0, pos)))) return std::nullopt;
  return text.substr(0, pos);
}

}  // namespace holdfast
