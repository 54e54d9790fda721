// QueryContext: what the query parser may ask of the index a query runs on,
// beyond its mapping — the term vectors of documents named by id (the `like`
// documents of more_like_this) and per-document values that do not live in
// segments (`_popularity`, kept with the item's shard by index/recommend/),
// and the index-level limits the parser enforces (index.max_terms_count).
// Implemented by the caller of QueryParser: the coordinator reads `like`
// documents from their shards once; each shard then parses the same query
// with the term vectors the coordinator sent and its own popularity.
// Optional: without one, queries needing it are refused with a clear reason
// and the limits are Elasticsearch's defaults.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "index/mapping/field_type.h"
#include "index/search/document_terms.h"
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

// index.max_terms_count by default: the values one terms query may give.
inline constexpr uint32_t kDefaultMaxTermsCount = 65536;

class QueryContext {
 public:
  virtual ~QueryContext() = default;
  // The terms of `fields` of document `id` of `index` (empty: the index
  // searched) as AnalyzeDocumentTerms gives them, with `analyzer` instead of
  // each field's own when set; found = false when the document does not
  // exist; errors for a missing index.
  struct DocumentTerms {
    bool found = false;
    FieldTermFreqs fields;
  };
  virtual Result<DocumentTerms> TermVectors(std::string_view index, std::string_view id,
                                            const std::vector<std::string>& fields,
                                            std::optional<mapping::Analyzer> analyzer) const = 0;
  // The `_popularity` source of the index searched (null: none).
  virtual std::shared_ptr<const DocValueSource> Popularity() const = 0;
  // index.max_terms_count of the index searched: a terms query with more
  // values is refused.
  virtual uint32_t MaxTermsCount() const { return kDefaultMaxTermsCount; }
};

}  // namespace holdfast::search
