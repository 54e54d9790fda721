// ParseMapping: an Elasticsearch `mappings` object → Mapping.
//
//   {"dynamic": true|false|"strict", "date_detection": true, "numeric_detection": false,
//    "properties": {"title": {"type": "text", "analyzer": "english",
//                             "fields": {"keyword": {"type": "keyword", "ignore_above": 256}}},
//                   "user": {"properties": {"name": {"type": "keyword"}}}}}
//
// Parameters per type (anything else is refused):
//   every leaf type: type, fields (multi-fields; not inside a multi-field)
//   text: analyzer (standard | english | simple | keyword)
//   keyword: ignore_above      long, double (and aliases): coerce
//   date: format (see date_parser.h)     object: properties, dynamic
// A property without `type` is an object. Property names containing dots are
// expanded into objects, as Elasticsearch does.
//
// Errors are kMapperParsing (see mapping_error.h) with Elasticsearch's
// wording, e.g. "No handler for type [foo] declared on field [bar]".
// Thread-safe (no shared state).
#pragma once

#include <string_view>

#include "index/mapping/mapping.h"
#include "index/util/status.h"

namespace holdfast::mapping {

Result<Mapping> ParseMapping(std::string_view json, const MappingLimits& limits = {});

// Whether `key`, the only key of a mapping's root, names a type (Elasticsearch
// 6's typed form, {"_doc": {...}}) rather than a root parameter: `_doc`, or a
// name without a leading '_' that is no root parameter. ParseMapping reads a
// typed mapping as its type's body.
bool IsMappingTypeName(std::string_view key);

}  // namespace holdfast::mapping
