// Highlighter: the best fragments of a hit's field text with the query's
// terms wrapped in tags, like Elasticsearch's unified highlighter.
//
// The text is re-analyzed with the field's analyzer; a token whose analyzed
// term is one of the query terms (already analyzed: "run" matches "running"
// under the english analyzer) is a match, tagged around its original surface
// form (Token::start_offset/end_offset). Fragments are runs of whole tokens of
// about fragment_size bytes (a longer single token makes a longer fragment),
// extended over the punctuation that follows their last token. Fragments are
// scored by distinct matched terms, then by matches; the best
// number_of_fragments are returned in text order (or best first with
// order_by_score). number_of_fragments 0 returns each value whole. Values of
// a multi-valued field are highlighted separately; a fragment never spans two.
//
// Output is always valid UTF-8: cuts fall on token boundaries, never inside a
// character, and ill-formed input bytes become U+FFFD.
//
// Stateless functions; the Analyzer is used, so the caller's thread must own
// it (analyzers are not thread-safe).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "index/analysis/analyzer.h"
#include "index/search/highlight_spec.h"
#include "index/util/status.h"

namespace holdfast::search {

// Fragments of `values` (the field's _source values); empty when no query
// term occurs. Errors only when analysis fails.
Result<std::vector<std::string>> HighlightValues(const std::vector<std::string_view>& values,
                                                 analysis::Analyzer& analyzer,
                                                 const std::vector<std::string>& query_terms,
                                                 const HighlightOptions& options);

// HighlightValues for a single-valued field.
Result<std::vector<std::string>> HighlightText(std::string_view text, analysis::Analyzer& analyzer,
                                               const std::vector<std::string>& query_terms,
                                               const HighlightOptions& options);

}  // namespace holdfast::search
