#include "index/util/checksum.h"

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstdio>
#include <memory>

#include "index/util/file_util.h"

namespace holdfast {

uint64_t Checksum64(std::string_view data) { return XXH3_64bits(data.data(), data.size()); }

Result<uint64_t> ChecksumFile(const std::string& path, uint64_t* length) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open", path);
  std::unique_ptr<XXH3_state_t, XXH_errorcode (*)(XXH3_state_t*)> state(XXH3_createState(), XXH3_freeState);
  XXH3_64bits_reset(state.get());
  std::string buf(1 << 20, '\0');
  *length = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = ErrnoStatus("read", path);
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    XXH3_64bits_update(state.get(), buf.data(), static_cast<size_t>(n));
    *length += static_cast<uint64_t>(n);
  }
  ::close(fd);
  return static_cast<uint64_t>(XXH3_64bits_digest(state.get()));
}

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
