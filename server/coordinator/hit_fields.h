// The `fields` and `docvalue_fields` of a search, as Elasticsearch renders
// them: every hit gets "fields": {"<path>": [values...]} for the mapped
// fields the requested names or patterns match, read from the hit's source
// (arrays flattened, dotted keys understood, a multi-field takes its
// parent's values) and formatted by the field's type: numbers as numbers,
// booleans as booleans, keywords and text as strings, dates (UTC) in the
// entry's `format` or else the field's first format. Unmapped fields
// are left out. Pure functions; thread-safe.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "index/mapping/mapping.h"
#include "index/util/status.h"
#include "server/coordinator/search_request.h"

namespace holdfast {

// The JSON value of `fields` / `docvalue_fields`: an array of names or
// {"field": name, "format": f}. parsing_exception otherwise;
// illegal_argument_exception for a date format that is not supported.
Status ParseFieldRequests(std::string_view json, std::string_view key, std::vector<FieldRequest>* out);

// The mapped leaf fields `requests` name (a pattern: every field it
// matches), in request order, each once, with the request that named it
// first. Unmapped names are left out, as Elasticsearch leaves them out of
// index.max_docvalue_fields_search.
std::vector<std::pair<std::string, const FieldRequest*>> MatchFieldRequests(const std::vector<FieldRequest>& requests,
                                                                            const mapping::Mapping& mapping);

// Writes `"fields": {...}` (key and object) for one hit, or nothing when no
// requested field has a value in `source`.
void WriteHitFields(const std::vector<FieldRequest>& requests, const mapping::Mapping& mapping,
                    std::string_view source, rapidjson::Writer<rapidjson::StringBuffer>* w);

}  // namespace holdfast
