// The items of a comma-separated list ("n1, n2,,n3" → n1, n2, n3): each
// trimmed of spaces and tabs, empty ones dropped. Settings, URL parameters
// and preferences use such lists.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace holdfast {

inline std::vector<std::string> SplitCommaList(std::string_view text) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = text.substr(start, comma - start);
    const size_t first = item.find_first_not_of(" \t");
    if (first != std::string_view::npos) {
      item = item.substr(first, item.find_last_not_of(" \t") - first + 1);
      items.emplace_back(item);
    }
    start = comma + 1;
  }
  return items;
}

}  // namespace holdfast
