#include "index/search/minimum_should_match.h"

#include <charconv>

namespace holdfast::search {

std::optional<int> ResolveMinimumShouldMatch(std::string_view spec, int optional_clauses) {
  while (!spec.empty() && spec.front() == ' ') spec.remove_prefix(1);
  while (!spec.empty() && spec.back() == ' ') spec.remove_suffix(1);
  bool percent = !spec.empty() && spec.back() == '%';
  if (percent) spec.remove_suffix(1);
  int value = 0;
  auto [end, ec] = std::from_chars(spec.data(), spec.data() + spec.size(), value);
  if (spec.empty() || ec != std::errc() || end != spec.data() + spec.size()) return std::nullopt;
  int result = optional_clauses;
  if (percent) {
    float calc = static_cast<float>(result * value) * (1 / 100.0f);
    result = calc < 0 ? result + static_cast<int>(calc) : static_cast<int>(calc);
  } else {
    result = value < 0 ? result + value : value;
  }
  return result < 0 ? 0 : result;
}

}  // namespace holdfast::search
