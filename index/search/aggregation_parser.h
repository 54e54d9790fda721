// AggregationParser: the parser behind ParseAggregations (aggregation_spec.h),
// shared by its two files — aggregation_spec.cc (the aggregation tree, fields,
// terms, range and stats) and aggregation_spec_buckets.cc (histograms, filters
// and the terms include/exclude filter). Internal to index/search/.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "index/search/aggregation_json.h"
#include "index/search/aggregation_spec.h"

namespace holdfast::search {

// "[x]", as Elasticsearch quotes names in its messages.
inline std::string Quote(std::string_view s) { return "[" + std::string(s) + "]"; }

class AggregationParser {
 public:
  explicit AggregationParser(const mapping::Mapping& mapping) : mapping_(mapping) {}

  Status ParseList(od::value& value, std::vector<AggregationSpec>* out);

 private:
  Status ParseOne(std::string_view name, od::value& body, AggregationSpec* spec);
  Status ParseParams(od::value& params, AggregationSpec* spec);
  Status ParseParam(std::string_view key, od::value& value, AggregationSpec* spec);
  Status SetField(std::string_view field, AggregationSpec* spec);
  Status ParseOrder(od::value& value, AggregationSpec* spec);
  Status ParseRanges(od::value& value, AggregationSpec* spec);
  Result<double> ParseBound(od::value& value, const AggregationSpec& spec);
  Status ParseHistogramParam(std::string_view key, od::value& value, AggregationSpec* spec);
  Result<std::shared_ptr<const Query>> ParseFilterQuery(od::value& value, const AggregationSpec& spec);
  Status ParseFilters(od::value& value, AggregationSpec* spec);
  Status ParseTermFilter(std::string_view key, od::value& value, AggregationSpec* spec);
  Status ParseSketchParam(std::string_view key, od::value& value, AggregationSpec* spec);
  Status ResolveOrderPath(AggregationSpec* spec);

  const mapping::Mapping& mapping_;
  const mapping::MappedField* field_ = nullptr;  // of the aggregation being parsed
};

}  // namespace holdfast::search
