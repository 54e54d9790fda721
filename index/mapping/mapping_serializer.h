// MappingToJson: Mapping → the Elasticsearch-shaped `mappings` object, as
// returned by GET /{index}/_mapping. ParseMapping(MappingToJson(m)) rebuilds m.
//
// Properties are nested back into objects and sorted by name; parameters at
// their default are left out ("dynamic" appears only when not true). Aliased
// types come back under their canonical name ("integer" → "long").
// Thread-safe (reads an immutable Mapping).
#pragma once

#include <string>

#include "index/mapping/mapping.h"

namespace holdfast::mapping {

std::string MappingToJson(const Mapping& mapping);

}  // namespace holdfast::mapping
