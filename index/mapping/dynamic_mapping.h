// Dynamic mapping: the field type Elasticsearch's rules give a value whose
// path the mapping does not know yet (when `dynamic` is true).
//
//   JSON string  → date, when date_detection is on and the string matches a dynamic
//                  date format (see DetectDynamicDate); else long / double, when
//                  numeric_detection is on and the whole string is such a number;
//                  else text with a `keyword` multi-field (ignore_above 256).
//   JSON integer → long (an integer beyond int64 → double)
//   JSON float   → double (Elasticsearch picks `float`; holdfast keeps full precision)
//   boolean      → boolean
//   object       → object (decided by the document parser, which walks into it)
//   array        → the type of its first non-null element; null → no field.
// Pure functions; thread-safe.
#pragma once

#include "index/mapping/field_type.h"
#include "index/mapping/json_scalar.h"

namespace holdfast::mapping {

FieldMapping DetectDynamicField(const JsonScalar& value, bool date_detection,
                                bool numeric_detection);

}  // namespace holdfast::mapping
