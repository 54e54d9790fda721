// What a search runs over, and the interfaces that tie query execution
// (index/search/) to the shard engine (index/shard/) and to aggregations:
//
//   SegmentView            one segment of a searcher snapshot, with its deletions
//   CollectionStatistics   index-wide term and field statistics for BM25, so
//                          that the number of shards never changes a score
//   Collector              receives matching docs segment by segment
//
// A search never sees a segment change under it: the shard hands out
// immutable snapshots (a list of SegmentViews kept alive by shared_ptr).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "index/segment/field_info.h"
#include "index/segment/live_docs.h"
#include "index/segment/segment_reader.h"

namespace holdfast::search {

struct SegmentView {
  const segment::SegmentReader* reader = nullptr;
  const segment::LiveDocs* live = nullptr;  // nullptr: no deletions
  uint32_t ordinal = 0;                     // position in the snapshot

  bool IsLive(uint32_t doc) const { return live == nullptr || live->IsLive(doc); }
  uint32_t doc_count() const { return reader->doc_count(); }
};

// A snapshot of segments, in order. Cheap to copy (shared ownership).
struct SearcherSnapshot {
  std::vector<std::shared_ptr<const segment::SegmentReader>> readers;
  std::vector<std::shared_ptr<const segment::LiveDocs>> live;  // parallel; entries may be null
  std::vector<SegmentView> Views() const;
};

// A term's dictionary entry in one segment (doc_freq 0: the segment lacks it).
struct SegmentTermInfo {
  const segment::SegmentReader* reader = nullptr;
  codec::TermInfo info;
};

// Term and field statistics for scoring. A single shard answers from its own
// segments; a multi-shard search sums the shards' answers first (the DFS
// phase), so every shard scores with the same numbers. Deleted docs still
// count, as in Lucene, until merged away.
class CollectionStatistics {
 public:
  virtual ~CollectionStatistics() = default;
  // doc_count: docs holding the field; sum_total_term_freq: total tokens.
  virtual segment::FieldStats Field(std::string_view field) const = 0;
  // Docs holding `term` in `field`.
  virtual uint64_t DocFreq(std::string_view field, std::string_view term) const = 0;
  // DocFreq, and where the statistics looked the term up in segments, its
  // entry in each, so that a term scorer need not look it up again.
  virtual uint64_t DocFreq(std::string_view field, std::string_view term, std::vector<SegmentTermInfo>* infos) const {
    (void)infos;
    return DocFreq(field, term);
  }
};

// Statistics summed over the segments of snapshots (one shard or several).
class SegmentStatistics final : public CollectionStatistics {
 public:
  explicit SegmentStatistics(std::vector<SegmentView> views) : views_(std::move(views)) {}
  segment::FieldStats Field(std::string_view field) const override;
  uint64_t DocFreq(std::string_view field, std::string_view term) const override;
  uint64_t DocFreq(std::string_view field, std::string_view term, std::vector<SegmentTermInfo>* infos) const override;

 private:
  std::vector<SegmentView> views_;
};

// Receives matches. SetSegment is called before the docs of each segment;
// Collect gets that segment's live docs in increasing order. One search calls
// one collector from one thread.
class Collector {
 public:
  virtual ~Collector() = default;
  virtual void SetSegment(const SegmentView& segment) = 0;
  virtual void Collect(uint32_t doc, float score) = 0;
  // False lets the query skip scoring (filters, counts, aggregations only).
  virtual bool NeedsScores() const { return true; }
};

}  // namespace holdfast::search
