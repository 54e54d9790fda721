// HitHighlighter: the `highlight` of the hits of one index in a search —
// for each hit, the fragments of each requested field, from its _source.
//
// The query's terms per field come from the caller (the coordinator collects
// them once from the parsed query with Query::CollectTerms and sends them
// with the fetch request); the text is re-analyzed with the field's analyzer
// (a per-thread analyzer per kind). Field names are exact paths; a
// multi-field ("title.keyword") reads its parent's values. Fields with no
// fragment are left out. One fetch, one thread.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "index/search/highlight_spec.h"
#include "index/mapping/mapping.h"

namespace holdfast {

// Field → the (analyzed) terms the query looks for in it.
using QueryTermsByField = std::map<std::string, std::vector<std::string>, std::less<>>;

class HitHighlighter {
 public:
  // All three must outlive the highlighter.
  HitHighlighter(const mapping::Mapping& mapping, const search::HighlightSpec& spec, const QueryTermsByField& terms)
      : mapping_(mapping), spec_(spec), terms_(terms) {}

  // The `highlight` object of a hit with `source` ({"field": [fragments], ...})
  // into `out`; `out` is left empty when no field has a fragment.
  Status Render(std::string_view source, std::string* out) const;

 private:
  const mapping::Mapping& mapping_;
  const search::HighlightSpec& spec_;
  const QueryTermsByField& terms_;
};

// The string values at dotted `path` in a JSON object (through nested
// objects and arrays); exposed for tests.
std::vector<std::string> SourceValuesAt(std::string_view source, std::string_view path);

}  // namespace holdfast
