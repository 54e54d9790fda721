// Statistics of a search spread over several shards (Elasticsearch's DFS,
// always on): scores must not depend on how documents were split, so BM25's
// doc frequencies and field lengths are summed over every shard searched
// before any shard scores.
//
//   RecordingStatistics  phase 1 on each shard: answers from the shard's own
//                        segments and records every field and term the
//                        query's weights and scorers looked up (fuzzy and
//                        more_like_this included);
//   GlobalStatistics     the coordinator's sums of those answers;
//   FixedStatistics      phase 2 on each shard: answers from the sums, and
//                        still looks terms up in the shard's segments so a
//                        term scorer need not look them up again.
// A term FixedStatistics was not given (none should be missing) is answered
// from the shard's own segments, and missed() says so: sums a coordinator
// assembled from what it knew of earlier searches may lack a term the shard
// looked up (a prefix's expansion, say), and such a page is not used.
// Single-threaded objects (one shard search).
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "index/search/search_context.h"

namespace holdfast::search {

struct GlobalStatistics {
  absl::flat_hash_map<std::string, segment::FieldStats> fields;
  absl::flat_hash_map<std::string, uint64_t> doc_freqs;  // by TermKey(field, term)
  static std::string TermKey(std::string_view field, std::string_view term);
  void AddField(std::string_view field, const segment::FieldStats& stats);
  void AddDocFreq(std::string_view field, std::string_view term, uint64_t doc_freq);
};

class RecordingStatistics final : public CollectionStatistics {
 public:
  explicit RecordingStatistics(std::vector<SegmentView> views) : local_(std::move(views)) {}
  segment::FieldStats Field(std::string_view field) const override;
  uint64_t DocFreq(std::string_view field, std::string_view term) const override;
  uint64_t DocFreq(std::string_view field, std::string_view term, std::vector<SegmentTermInfo>* infos) const override;

  // What was looked up, with the shard's answers.
  const std::set<std::string>& fields() const { return fields_; }
  const std::set<std::pair<std::string, std::string>>& terms() const { return terms_; }

 private:
  SegmentStatistics local_;
  mutable std::set<std::string> fields_;
  mutable std::set<std::pair<std::string, std::string>> terms_;
};

class FixedStatistics final : public CollectionStatistics {
 public:
  // `global` must outlive this object.
  FixedStatistics(std::vector<SegmentView> views, const GlobalStatistics* global)
      : local_(std::move(views)), global_(global) {}
  segment::FieldStats Field(std::string_view field) const override;
  uint64_t DocFreq(std::string_view field, std::string_view term) const override;
  uint64_t DocFreq(std::string_view field, std::string_view term, std::vector<SegmentTermInfo>* infos) const override;

  // True once a field or term not in the sums was looked up.
  bool missed() const { return missed_; }

 private:
  std::optional<uint64_t> Given(std::string_view field, std::string_view term) const;
  SegmentStatistics local_;
  const GlobalStatistics* global_;
  mutable bool missed_ = false;
};

}  // namespace holdfast::search
