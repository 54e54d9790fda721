// HitHighlighter: the `highlight` of one search response — for each hit,
// the fragments of each requested field, from the hit's _source.
//
// Query terms per (index, field) are collected once from the index's parsed
// query (Query::CollectTerms); the text is re-analyzed with the field's
// analyzer (a per-thread analyzer per kind). Field names are exact paths; a
// multi-field ("title.keyword") reads its parent's values. Fields with no
// fragment are left out. One response, one thread.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "index/search/highlight_spec.h"
#include "server/search_plan.h"

namespace holdfast {

class HitHighlighter {
 public:
  HitHighlighter(const SearchPlan& plan, const search::HighlightSpec& spec) : plan_(plan), spec_(spec) {}

  // Writes "highlight": {...} for a hit of index `index` with `source`;
  // writes nothing when no field has a fragment.
  Status Write(uint32_t index, std::string_view source, rapidjson::Writer<rapidjson::StringBuffer>* writer);

 private:
  const std::vector<std::string>& TermsOf(uint32_t index, const std::string& field);

  const SearchPlan& plan_;
  const search::HighlightSpec& spec_;
  std::map<std::pair<uint32_t, std::string>, std::vector<std::string>> terms_;
};

// The string values at dotted `path` in a JSON object (through nested
// objects and arrays); exposed for tests.
std::vector<std::string> SourceValuesAt(std::string_view source, std::string_view path);

}  // namespace holdfast
