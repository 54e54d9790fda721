// The merge policy: which segments of a shard to merge next.
//
// Tiered, in the spirit of Lucene's TieredMergePolicy: segments are grouped
// into tiers by live doc count (powers of `factor`, everything under 1,000
// docs in the lowest tier); when a tier holds `factor` segments, its smallest
// `factor` merge into one. A segment with more than half its docs deleted is
// rewritten alone to reclaim them. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace holdfast {

struct MergeCandidate {
  size_t index = 0;  // the caller's position of the segment
  uint32_t docs = 0;
  uint32_t deleted = 0;
  size_t bytes = 0;
};

// Indexes (MergeCandidate::index) to merge together; empty when nothing needs merging.
std::vector<size_t> SelectTieredMerge(const std::vector<MergeCandidate>& segments, size_t factor);

// For a force merge down to `max_segments`: the smallest segments that must
// merge so that at most `max_segments` remain; once there, one segment that
// still has deletions; else nothing.
std::vector<size_t> SelectForceMerge(const std::vector<MergeCandidate>& segments, size_t max_segments);

}  // namespace holdfast
