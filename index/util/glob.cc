#include "index/util/glob.h"

namespace holdfast {

namespace {

// Iterative wildcard match with one backtrack point (the last `*`). With
// `text_may_end`, running out of text with pattern left is a match: the rest
// of the pattern can always match some continuation.
bool Glob(std::string_view p, std::string_view t, bool text_may_end) {
  size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (pi < p.size() && p[pi] == t[ti]) {
      ++pi;
      ++ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  if (text_may_end) return true;
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text) { return Glob(pattern, text, false); }

bool GlobMatchesPrefix(std::string_view pattern, std::string_view text) { return Glob(pattern, text, true); }

}  // namespace holdfast
