#include "index/mapping/ip_address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace holdfast::mapping {
namespace {

constexpr char kHex[] = "0123456789abcdef";

bool IsMappedIpv4(const IpBytes& ip) {
  for (int i = 0; i < 10; ++i) {
    if (ip[i] != 0) return false;
  }
  return ip[10] == 0xff && ip[11] == 0xff;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

std::optional<IpBytes> ParseIp(std::string_view text) {
  // inet_pton needs a terminated string; addresses are short.
  char buffer[INET6_ADDRSTRLEN + 1];
  if (text.empty() || text.size() >= sizeof(buffer)) return std::nullopt;
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  IpBytes ip{};
  if (text.find(':') == std::string_view::npos) {
    in_addr v4;
    if (inet_pton(AF_INET, buffer, &v4) != 1) return std::nullopt;
    ip[10] = ip[11] = 0xff;
    std::memcpy(ip.data() + 12, &v4, 4);
    return ip;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, buffer, &v6) != 1) return std::nullopt;
  std::memcpy(ip.data(), &v6, 16);
  return ip;
}

std::string IpTerm(const IpBytes& ip) {
  std::string term(kIpTermSize, '0');
  for (size_t i = 0; i < ip.size(); ++i) {
    term[2 * i] = kHex[ip[i] >> 4];
    term[2 * i + 1] = kHex[ip[i] & 0xf];
  }
  return term;
}

std::string IpTermOf(std::string_view text) {
  std::optional<IpBytes> ip = ParseIp(text);
  return ip ? IpTerm(*ip) : std::string();
}

std::string IpTermToText(std::string_view term) {
  if (term.size() != kIpTermSize) return std::string(term);
  IpBytes ip{};
  for (size_t i = 0; i < ip.size(); ++i) {
    int high = HexValue(term[2 * i]);
    int low = HexValue(term[2 * i + 1]);
    if (high < 0 || low < 0) return std::string(term);
    ip[i] = static_cast<uint8_t>(high << 4 | low);
  }
  char buffer[INET6_ADDRSTRLEN];
  if (IsMappedIpv4(ip)) {
    if (inet_ntop(AF_INET, ip.data() + 12, buffer, sizeof(buffer)) == nullptr) return std::string(term);
  } else if (inet_ntop(AF_INET6, ip.data(), buffer, sizeof(buffer)) == nullptr) {
    return std::string(term);
  }
  return buffer;
}

std::optional<IpTermRange> ParseCidr(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::optional<IpBytes> ip = ParseIp(text.substr(0, slash));
  std::string_view bits_text = text.substr(slash + 1);
  int bits = -1;
  auto [end, ec] = std::from_chars(bits_text.data(), bits_text.data() + bits_text.size(), bits);
  if (!ip || ec != std::errc() || end != bits_text.data() + bits_text.size() || bits < 0) return std::nullopt;
  const bool v4 = text.substr(0, slash).find(':') == std::string_view::npos;
  if (bits > (v4 ? 32 : 128)) return std::nullopt;
  const int prefix = v4 ? bits + 96 : bits;
  IpBytes first = *ip;
  IpBytes last = *ip;
  for (int bit = prefix; bit < 128; ++bit) {
    const uint8_t mask = static_cast<uint8_t>(0x80 >> (bit % 8));
    first[bit / 8] &= static_cast<uint8_t>(~mask);
    last[bit / 8] |= mask;
  }
  return IpTermRange{IpTerm(first), IpTerm(last)};
}

}  // namespace holdfast::mapping
