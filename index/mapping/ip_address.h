// IP addresses of `ip` fields. A value is held as the 16-byte IPv6 form
// (IPv4 as the IPv4-mapped ::ffff:a.b.c.d, as Elasticsearch does) and indexed
// as its 32 lower-case hex digits: text whose byte order is address order,
// so term lookups, term ranges and keyword doc values work on it unchanged.
// Pure functions; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace holdfast::mapping {

using IpBytes = std::array<uint8_t, 16>;

inline constexpr size_t kIpTermSize = 32;

// "192.168.0.1", "::1", "2001:db8::ff00:42:8329"; nullopt when not an address.
std::optional<IpBytes> ParseIp(std::string_view text);
// The indexed term of an address.
std::string IpTerm(const IpBytes& ip);
// The indexed term of text ("" when not an address).
std::string IpTermOf(std::string_view text);
// An indexed term back to text: dotted quad for IPv4-mapped, RFC 5952 for IPv6.
// Text that is not a term comes back unchanged.
std::string IpTermToText(std::string_view term);

// The first and last term of "addr/prefix" (CIDR); nullopt when `text` is
// not one (a prefix longer than the address family allows included).
struct IpTermRange {
  std::string first;
  std::string last;
};
std::optional<IpTermRange> ParseCidr(std::string_view text);

}  // namespace holdfast::mapping
