// Bounded edit distance between two code-point strings: Levenshtein, or with
// transpositions the optimal-string-alignment (restricted Damerau) distance
// that Lucene's fuzzy queries use. Returns max_edits + 1 as soon as the
// distance is known to exceed max_edits. Pure functions; `scratch` is reused
// by the caller to avoid allocation per term.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace holdfast::search {

// UTF-8 → code points (ill-formed bytes become one code point each).
void DecodeCodePoints(std::string_view utf8, std::vector<uint32_t>* out);

uint32_t BoundedEditDistance(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b, uint32_t max_edits,
                             bool transpositions, std::vector<uint32_t>* scratch);

}  // namespace holdfast::search
