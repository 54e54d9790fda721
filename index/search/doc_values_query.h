// Queries answered from doc values, scanning the segment's docs (constant
// score = boost):
//   NumericRangeQuery  long / date / boolean fields (int64) and double fields
//                      (compared as doubles; stored as IEEE bits); a doc
//                      matches when any of its values lies in the range.
//                      Bounds are inclusive; the parser turns gt/lt into
//                      the next representable value.
//   ExistsQuery        docs holding a value of the field (text: a non-zero
//                      norm, i.e. at least one token; other kinds: at least
//                      one doc value).
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "index/search/query.h"

namespace holdfast::search {

struct NumericRange {
  bool is_double = false;
  int64_t min_long = std::numeric_limits<int64_t>::min();
  int64_t max_long = std::numeric_limits<int64_t>::max();
  double min_double = -std::numeric_limits<double>::infinity();
  double max_double = std::numeric_limits<double>::infinity();
};

class NumericRangeQuery final : public Query {
 public:
  NumericRangeQuery(std::string field, NumericRange range) : field_(std::move(field)), range_(range) {}
  std::string ToString() const override;

 protected:
  Result<WeightPtr> DoCreateWeight(const CollectionStatistics& stats, bool needs_scores,
                                   float boost) const override;

 private:
  std::string field_;
  NumericRange range_;
};

class ExistsQuery final : public Query {
 public:
  explicit ExistsQuery(std::string field) : field_(std::move(field)) {}
  std::string ToString() const override { return "exists:" + field_; }

 protected:
  Result<WeightPtr> DoCreateWeight(const CollectionStatistics& stats, bool needs_scores,
                                   float boost) const override;

 private:
  std::string field_;
};

}  // namespace holdfast::search
