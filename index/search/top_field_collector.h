// TopFieldCollector: the top `from + size` docs of a search by a SortSpec
// (Elasticsearch `sort`), read from doc values, optionally only those after a
// `search_after` position.
//
// Ties on every sort key are broken by (segment ordinal, doc), so a result
// order is total and repeatable. Keyword values are compared by term bytes,
// never by ordinal: ordinals are per segment.
//
// Per doc the collector reads each key's doc values into a preallocated slot
// and compares it with the current worst hit: no allocation, no indirect call
// beyond Collect. Hits keep views of keyword and `_id` bytes until Finish copies them,
// so the segments (the searcher snapshot) must outlive the collector.
// One search, one thread (see Collector).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "index/search/search_context.h"
#include "index/search/sort_spec.h"
#include "index/search/sort_value.h"

namespace holdfast::search {

struct FieldHit {
  uint32_t segment = 0;  // SegmentView::ordinal
  uint32_t doc = 0;
  float score = 0;
  std::vector<SortValue> sort_values;  // parallel to SortSpec::keys
};

struct TopFieldDocs {
  uint64_t total_hits = 0;      // every doc collected (search_after does not change it)
  std::vector<FieldHit> hits;   // hits [from, from + size) in sort order
};

class TopFieldCollector final : public Collector {
 public:
  // `search_after`, when not empty, has one value per key (ParseSearchAfter).
  TopFieldCollector(SortSpec spec, uint32_t from, uint32_t size,
                    std::vector<SortValue> search_after = {});

  void SetSegment(const SegmentView& segment) override;
  void Collect(uint32_t doc, float score) override;
  bool NeedsScores() const override { return spec_.NeedsScores() || track_scores_; }
  // track_scores: hits sorted by fields get their scores all the same.
  void set_track_scores(bool on) { track_scores_ = on; }

  // The result; the collector is spent afterwards.
  TopFieldDocs Finish();

 private:
  struct Slot {
    uint32_t segment;
    uint32_t doc;
    float score;
  };

  void ReadValues(uint32_t doc, float score, SortKeyValue* out) const;
  int CompareValues(const SortKeyValue* a, const SortKeyValue* b) const;
  // The heap order: true when slot `a` sorts before slot `b`.
  bool Before(uint32_t a, uint32_t b) const;

  SortSpec spec_;
  bool track_scores_ = false;
  uint32_t from_;
  uint32_t capacity_;
  std::vector<SortValue> after_owned_;
  std::vector<SortKeyValue> after_;  // views of after_owned_; empty: no search_after
  uint64_t total_hits_ = 0;

  SegmentView segment_;
  std::vector<const segment::FieldReader*> readers_;  // per key, this segment
  std::vector<std::unique_ptr<SegmentDocValues>> external_;  // per key: `_popularity` values, this segment

  size_t num_keys_;
  std::vector<SortKeyValue> values_;  // capacity_ + 1 rows of num_keys_ (last: scratch)
  std::vector<Slot> slots_;           // capacity_ + 1 (last: scratch)
  std::vector<uint32_t> heap_;        // slot indices; the worst hit on top
};

// Merges several collectors' results (e.g. one per shard, each holding its
// top `from + size`): hits by sort values, then by input order, then
// (segment, doc); keeps [from, from + size). total_hits are summed.
TopFieldDocs MergeTopFieldDocs(const SortSpec& spec, std::vector<TopFieldDocs> parts,
                               uint32_t from, uint32_t size);

}  // namespace holdfast::search
