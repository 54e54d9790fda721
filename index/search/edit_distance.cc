#include "index/search/edit_distance.h"

#include <algorithm>

namespace holdfast::search {

void DecodeCodePoints(std::string_view s, std::vector<uint32_t>* out) {
  out->clear();
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (i + len > s.size()) len = 1;
    uint32_t cp = len == 1 ? c : (c & (0x7f >> len));
    for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    out->push_back(cp);
    i += len;
  }
}

uint32_t BoundedEditDistance(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b, uint32_t max_edits,
                             bool transpositions, std::vector<uint32_t>* scratch) {
  const size_t n = a.size(), m = b.size();
  const uint32_t over = max_edits + 1;
  if ((n > m ? n - m : m - n) > max_edits) return over;
  // Three rows: two back (transpositions), previous, current.
  scratch->assign(3 * (m + 1), 0);
  uint32_t* prev2 = scratch->data();
  uint32_t* prev = prev2 + (m + 1);
  uint32_t* cur = prev + (m + 1);
  for (size_t j = 0; j <= m; ++j) prev[j] = static_cast<uint32_t>(j);
  for (size_t i = 1; i <= n; ++i) {
    cur[0] = static_cast<uint32_t>(i);
    uint32_t row_min = cur[0];
    for (size_t j = 1; j <= m; ++j) {
      uint32_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      uint32_t v = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (transpositions && i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        v = std::min(v, prev2[j - 2] + 1);
      }
      cur[j] = v;
      row_min = std::min(row_min, v);
    }
    if (row_min > max_edits) return over;
    uint32_t* t = prev2;
    prev2 = prev;
    prev = cur;
    cur = t;
  }
  return std::min(prev[m], over);
}

}  // namespace holdfast::search
