// MergeSegments: several segments → one, dropping deleted docs. Works on the
// encoded structures (term dictionaries merged in order, postings re-encoded
// with remapped doc ids, norms / doc values / ids copied), never re-analyzing
// source documents. Field statistics are recomputed over the docs kept, so a
// merged segment scores exactly like the segments it replaces minus their
// deletions. Reads its inputs only; thread-safe for distinct outputs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "index/segment/live_docs.h"
#include "index/segment/segment_reader.h"
#include "index/util/status.h"

namespace holdfast::segment {

struct MergeInput {
  const SegmentReader* reader = nullptr;
  const LiveDocs* live = nullptr;  // nullptr: every doc is live
};

struct MergeOutput {
  std::string bytes;  // the new segment, footer included
  // doc_maps[i][old local doc] = new doc, or -1 when the doc was dropped.
  std::vector<std::vector<int32_t>> doc_maps;
  uint32_t doc_count = 0;
};

// InvalidArgument when a field has different kinds in two inputs.
Result<MergeOutput> MergeSegments(const std::vector<MergeInput>& inputs);

}  // namespace holdfast::segment
