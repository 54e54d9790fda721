// ParsedDocument: one source document turned into a flat list of typed field
// values, ready for the segment writer.
//
// Owns everything it refers to: the original source bytes (unchanged, kept in a
// buffer padded for simdjson), and an arena for field paths and unescaped
// strings. Every string_view in fields() points into this object, stays valid
// while it lives, and survives a move. Multi-valued fields (arrays) appear as
// several FieldValues with the same path, in document order; a text field's
// multi-fields follow each of its values ("title", then "title.keyword").
// Move-only. Not thread-safe; immutable once returned by the parser.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "index/mapping/field_type.h"
#include "index/mapping/string_arena.h"

namespace holdfast::mapping {

struct FieldValue {
  std::string_view path;                 // "user.name", "title.keyword"
  FieldType type = FieldType::kText;     // never kObject
  Analyzer analyzer = Analyzer::kStandard;  // kText: the analyzer index/analysis/ applies
  bool bool_value = false;               // kBoolean
  std::string_view text;                 // kText (raw, unanalyzed), kKeyword
  int64_t long_value = 0;                // kLong; kDate as epoch millis UTC
  double double_value = 0;               // kDouble
};

class ParsedDocument {
 public:
  ParsedDocument() = default;
  ParsedDocument(ParsedDocument&&) = default;
  ParsedDocument& operator=(ParsedDocument&&) = default;
  ParsedDocument(const ParsedDocument&) = delete;
  ParsedDocument& operator=(const ParsedDocument&) = delete;

  std::string_view id() const { return id_; }
  // The _source exactly as given to the parser.
  std::string_view source() const { return {buffer_.get(), source_size_}; }
  const std::vector<FieldValue>& fields() const { return fields_; }

 private:
  friend class DocumentParser;

  // Starts a new document: copies `source` into the padded buffer (reused when
  // large enough) and forgets the previous fields.
  void Reset(std::string_view id, std::string_view source, size_t padding);
  // Drops the fields (after a refused document).
  void ClearFields() {
    fields_.clear();
    arena_.Clear();
  }

  std::string id_;
  std::unique_ptr<char[]> buffer_;
  size_t buffer_capacity_ = 0;
  size_t source_size_ = 0;
  StringArena arena_;
  std::vector<FieldValue> fields_;
};

}  // namespace holdfast::mapping
