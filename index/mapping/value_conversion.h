// ConvertScalar: a JSON scalar → the value a mapped field stores, following
// Elasticsearch's rules.
//
//   text     any scalar; numbers and booleans as written ("12", "true")
//   keyword  same; skipped when longer than ignore_above characters (Unicode code points)
//   long     integers. With coerce (the default): numeric strings ("12"), and
//            fractions truncated toward zero ("12.5" and 12.5 → 12), as Elasticsearch
//            does; without coerce both are refused. Out-of-range values are refused.
//   double   numbers; numeric strings with coerce. NaN/Infinity refused.
//   boolean  true/false, the strings "true"/"false", and "" (false), like Elasticsearch.
//            integer/short/byte refuse values outside their range, unsigned_long
//            negative ones; float and half_float round to their precision and
//            refuse values beyond it, scaled_float rounds to 1/scaling_factor.
//   date     strings and numbers parsed with the field's formats (date_parser.h);
//            date_nanos refuses dates before 1970 or after 2262-04-11.
//   ip       strings holding an IPv4 or IPv6 address → the indexed term (ip_address.h).
//   text     index: false → kIgnored (kept in _source only).
// Pure function; thread-safe.
#pragma once

#include <string>

#include "index/mapping/field_type.h"
#include "index/mapping/json_scalar.h"
#include "index/mapping/parsed_document.h"

namespace holdfast::mapping {

enum class Conversion { kOk, kIgnored, kInvalid };

// Fills out->type, analyzer and the value member for `field.type` (not path).
// kIgnored: the value is valid but not indexed (keyword over ignore_above).
// An ip value's term is written to *scratch and out->text views it (the caller
// copies it before the next call); without scratch an ip value is kInvalid.
Conversion ConvertScalar(const JsonScalar& value, const FieldMapping& field, FieldValue* out,
                         std::string* scratch = nullptr);

}  // namespace holdfast::mapping
