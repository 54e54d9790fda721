// QueryContext: what the query parser may ask of the index a query runs on,
// beyond its mapping — the `_source` of documents named by id (the `like`
// documents of more_like_this) and per-document values that do not live in
// segments (`_popularity`, kept with the item's shard by index/recommend/).
// Implemented by the caller of QueryParser (the HTTP search API); optional:
// without one, queries needing it are refused with a clear reason.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "index/search/search_context.h"
#include "index/util/status.h"

namespace holdfast::search {

// Values of one segment (one thread; docs in any order).
class SegmentDocValues {
 public:
  virtual ~SegmentDocValues() = default;
  // nullopt when the doc has no value.
  virtual std::optional<double> Get(uint32_t doc) = 0;
};

// A per-document numeric value computed outside the segment's doc values.
// Immutable and shareable between threads.
class DocValueSource {
 public:
  virtual ~DocValueSource() = default;
  virtual std::unique_ptr<SegmentDocValues> ForSegment(const SegmentView& segment) const = 0;
};

// The name of the virtual field of item popularity.
inline constexpr char kPopularityField[] = "_popularity";

class QueryContext {
 public:
  virtual ~QueryContext() = default;
  // The current `_source` of document `id` of `index` (empty: the index
  // searched), nullopt when it does not exist; errors for a missing index.
  virtual Result<std::optional<std::string>> FetchSource(std::string_view index, std::string_view id) const = 0;
  // The `_popularity` source of the index searched (null: none).
  virtual std::shared_ptr<const DocValueSource> Popularity() const = 0;
};

}  // namespace holdfast::search
