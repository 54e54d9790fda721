// SegmentReader and FieldReader: an immutable segment, read straight from its
// bytes (an mmapped file after a flush, a string after a refresh).
//
// Open() verifies the footer checksum of the whole segment, then parses the
// directory; every section is bounds-checked, so a corrupt or truncated
// segment is reported (naming it) and never read out of bounds. Readers are
// immutable after Open: share them freely between threads; iterators over
// them (postings, terms) belong to one thread each. The `owner` passed to
// Open keeps the bytes alive as long as the reader.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "index/codec/postings_iterator.h"
#include "index/codec/term_dictionary_reader.h"
#include "index/segment/field_info.h"
#include "index/segment/segment_format.h"
#include "index/util/status.h"

namespace holdfast::segment {

class FieldReader {
 public:
  const FieldInfo& info() const { return info_; }
  const std::string& name() const { return info_.name; }
  FieldKind kind() const { return info_.kind; }
  bool has_terms() const { return terms_.has_value(); }

  // NotFound when the term is absent (or the field has no postings).
  Result<codec::TermInfo> LookupTerm(std::string_view term) const;
  const codec::TermDictionaryReader* terms() const { return terms_ ? &*terms_ : nullptr; }
  // Positions `it` on the postings of a term found in this field's
  // dictionary (a blob in the postings section, or a doc held inline).
  Status OpenPostings(const codec::TermInfo& info, codec::PostingsIterator* it) const;

  // kText: the norm byte of `doc` (0 when the doc lacks the field).
  uint8_t norm(uint32_t doc) const { return static_cast<uint8_t>(norms_[doc]); }
  bool has_norms() const { return !norms_.empty(); }

  // Doc values (numeric kinds: values; keyword: ordinals), sorted ascending per doc.
  uint32_t ValueCount(uint32_t doc) const { return Fixed32(values_offsets_ + 4 * (doc + 1)) - Fixed32(values_offsets_ + 4 * doc); }
  uint32_t ValueStart(uint32_t doc) const { return Fixed32(values_offsets_ + 4 * doc); }
  int64_t NumericAt(uint32_t index) const;  // numeric kinds
  uint32_t OrdAt(uint32_t index) const { return Fixed32(values_data_ + 4 * index); }  // keyword
  bool has_values() const { return values_offsets_ != nullptr; }
  // keyword: the term of an ordinal (ordinals follow term order).
  uint32_t num_ords() const { return num_ords_; }
  std::string_view OrdTerm(uint32_t ord) const;

 private:
  friend class SegmentReader;
  static uint32_t Fixed32(const char* p);
  FieldInfo info_;
  std::optional<codec::TermDictionaryReader> terms_;
  std::string_view postings_;
  std::string_view norms_;
  const char* values_offsets_ = nullptr;
  const char* values_data_ = nullptr;
  const char* ord_offsets_ = nullptr;
  const char* ord_bytes_ = nullptr;
  uint32_t num_ords_ = 0;
};

class SegmentReader {
 public:
  // `name` is used in error messages and identifies the segment in a manifest.
  static Result<std::shared_ptr<SegmentReader>> Open(std::shared_ptr<const void> owner,
                                                     std::string_view bytes, std::string name);

  const std::string& name() const { return name_; }
  uint32_t doc_count() const { return doc_count_; }
  size_t size_bytes() const { return bytes_.size(); }
  const std::vector<FieldReader>& fields() const { return fields_; }
  // nullptr when the segment has no such field.
  const FieldReader* field(std::string_view name) const;

  std::string_view id(uint32_t doc) const;
  // The local doc holding `id` (the last one when superseded copies exist
  // within the segment), or -1.
  int64_t FindDoc(std::string_view id) const;

 private:
  SegmentReader() = default;
  Status Parse();
  Status ParseIds(std::string_view ids);
  std::shared_ptr<const void> owner_;
  std::string_view bytes_;  // body, without footer
  std::string name_;
  uint32_t doc_count_ = 0;
  std::vector<FieldReader> fields_;
  const FieldReader* id_field_ = nullptr;
  const char* id_offsets_ = nullptr;
  const char* id_bytes_ = nullptr;  // the groups of the ids column
  size_t id_bytes_size_ = 0;
};

}  // namespace holdfast::segment
