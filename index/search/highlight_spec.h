// HighlightSpec: the `highlight` clause of a search request, e.g.
//   {"pre_tags": ["<b>"], "post_tags": ["</b>"], "fields": {"title": {}, "body": {"fragment_size": 50}}}
// Options set on a field override the top-level ones, which override the
// defaults (Elasticsearch's unified highlighter): <em>/</em>, fragment_size
// 100, number_of_fragments 5, order by position ("order": "score" for best
// first). Only the first pre/post tag is used. A plain value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "index/util/status.h"

namespace holdfast::search {

struct HighlightOptions {
  std::string pre_tag = "<em>";
  std::string post_tag = "</em>";
  uint32_t fragment_size = 100;       // bytes of text per fragment, about
  uint32_t number_of_fragments = 5;   // 0: the whole field, highlighted
  bool order_by_score = false;        // false: fragments in text order
};

struct HighlightSpec {
  std::vector<std::pair<std::string, HighlightOptions>> fields;  // request order
};

// Parses the JSON object of `highlight`; parsing_exception on bad input.
Result<HighlightSpec> ParseHighlightSpec(std::string_view json);

}  // namespace holdfast::search
