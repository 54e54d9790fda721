// The terms of a text or a document, per field, as more_like_this reads them
// (Elasticsearch's term vectors of `like` documents): a keyword field gives
// each whole value, a text field its analyzed tokens (with `analyzer`
// instead of the field's own when set), other fields nothing. A multi-field
// ("title.raw") takes its values from its parent in the source.
//
// A shard answers TermVectors requests with AnalyzeDocumentTerms, and the
// query parser uses the same functions for `like` texts and artificial
// documents, so the terms do not depend on where the analysis ran.
// Stateless; `analyzers` belongs to the calling thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "index/mapping/mapping.h"
#include "index/segment/analyzer_set.h"
#include "index/util/status.h"

namespace holdfast::search {

// field → term → occurrences.
using FieldTermFreqs = std::map<std::string, std::map<std::string, uint32_t>>;

// Appends the terms of `text` in `field` (nothing for an unknown field or a
// field that is neither text nor keyword).
Status AnalyzeFieldText(const mapping::Mapping& mapping, const std::string& field, std::string_view text,
                        std::optional<mapping::Analyzer> analyzer, segment::AnalyzerSet* analyzers,
                        std::vector<std::string>* terms);

// Adds the terms of `fields` of the JSON document `source` to `out`.
// kParse when `source` is not a JSON document.
Status AnalyzeDocumentTerms(const mapping::Mapping& mapping, std::string_view source,
                            const std::vector<std::string>& fields, std::optional<mapping::Analyzer> analyzer,
                            segment::AnalyzerSet* analyzers, FieldTermFreqs* out);

}  // namespace holdfast::search
