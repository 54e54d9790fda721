// SegmentBuilder: the in-memory indexing buffer of a shard. Documents are
// added in order (their local doc ids are 0, 1, 2, ...); Build() serializes
// them into one immutable segment (docs/formats.md, "Segment file"), the same
// bytes whether the segment then lives in memory (after a refresh) or in a
// file (after a flush).
//
// Owns copies of everything added (terms, ids), so the AnalyzedDocuments may
// be reused. Memory grows with the documents; MemoryUsage() is what a shard
// compares with its indexing buffer limit. Not thread-safe: the shard
// serializes Add() under its own lock (analysis already happened outside).
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "index/segment/analyzed_document.h"
#include "index/segment/field_info.h"
#include "index/segment/int_slice_pool.h"
#include "index/util/status.h"

namespace holdfast::segment {

class SegmentBuilder {
 public:
  SegmentBuilder();
  ~SegmentBuilder();
  SegmentBuilder(const SegmentBuilder&) = delete;
  SegmentBuilder& operator=(const SegmentBuilder&) = delete;

  // Adds a document; returns its local doc id. InvalidArgument when a field
  // name was seen before with another kind (the mapping prevents this).
  Result<uint32_t> Add(const AnalyzedDocument& doc);

  uint32_t doc_count() const { return doc_count_; }
  size_t MemoryUsage() const;

  // The segment bytes, footer included. The builder is unchanged.
  std::string Build() const;

 private:
  struct Term;
  struct Field;
  Field* FieldFor(std::string_view name, FieldKind kind, Status* status);
  void AddTerm(Field* f, std::string_view term, uint32_t doc, const uint32_t* position);

  // Stable storage for term bytes and field names (views into it never move).
  std::string_view Intern(std::string_view s);

  IntSlicePool pool_;
  std::vector<std::unique_ptr<Field>> fields_;
  absl::flat_hash_map<std::string_view, Field*> field_by_name_;
  std::vector<std::unique_ptr<char[]>> arena_blocks_;
  size_t arena_left_ = 0;
  char* arena_next_ = nullptr;
  std::string ids_;                 // concatenated ids
  std::vector<uint32_t> id_ends_;   // end offset of each doc's id in ids_
  uint32_t doc_count_ = 0;
  size_t memory_ = 0;
};

}  // namespace holdfast::segment
