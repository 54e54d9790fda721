// DocumentParser: a JSON source document + a Mapping → ParsedDocument (a flat
// list of typed field values), plus the fields dynamic mapping adds.
//
// What it promises:
// - All or nothing. A document that does not fit (malformed JSON, invalid
//   UTF-8, a value of the wrong type, strict mapping, depth or field limits) is
//   refused with a Status (mapping_error.h) — usually kMapperParsing,
//   kStrictDynamicMapping for `dynamic: strict`, kInvalidArgument
//   (illegal_argument_exception) for the total-fields limit — and neither
//   the ParsedDocument nor *new_fields receives anything.
// - The Mapping is only read. New fields found under `dynamic: true` are
//   appended to *new_fields (parents before children, each path once); the
//   caller merges them with Mapping::Merge and swaps its shared_ptr. Passing
//   new_fields == nullptr treats unmapped fields as `dynamic: false` would.
// - Unmapped fields under `dynamic: false` stay in _source and produce no value.
// - The source bytes are kept unchanged (ParsedDocument::source()).
//
// Ownership and threads: a DocumentParser owns one simdjson On-Demand parser and
// scratch buffers, reused across documents so the steady state allocates
// little. It is NOT thread-safe: use one per thread (ParseDocument below keeps a
// thread_local one).
#pragma once

#include <deque>
#include <string>
#include <string_view>
#include <utility>

#include <simdjson.h>

#include "index/mapping/json_scalar.h"
#include "index/mapping/mapping.h"
#include "index/mapping/parsed_document.h"
#include "index/util/status.h"

namespace holdfast::mapping {

class DocumentParser {
 public:
  // Arrays and objects nested deeper than this are refused (a stack guard; the
  // object depth limit of the mapping is usually hit first).
  static constexpr size_t kMaxNesting = 256;

  DocumentParser() = default;
  DocumentParser(const DocumentParser&) = delete;
  DocumentParser& operator=(const DocumentParser&) = delete;

  // Parses into *out, reusing its buffers (the fastest form for a loop).
  Status Parse(const Mapping& mapping, std::string_view id, std::string_view source,
               ParsedDocument* out, MappingUpdate* new_fields);

  Result<ParsedDocument> Parse(const Mapping& mapping, std::string_view id,
                               std::string_view source, MappingUpdate* new_fields);

 private:
  // What the path being parsed resolves to.
  struct Resolved {
    const FieldMapping* mapping = nullptr;  // nullptr: unmapped
    bool is_multi_field = false;
  };

  // `nesting` counts the arrays and objects around the value (kMaxNesting).
  Status ParseObject(simdjson::ondemand::object object, DynamicMode dynamic, size_t nesting);
  Status ParseValue(simdjson::ondemand::value value, DynamicMode dynamic, size_t nesting);
  Status ParseObjectValue(simdjson::ondemand::value value, DynamicMode dynamic, size_t nesting);
  Status ParseScalar(simdjson::ondemand::value value, simdjson::ondemand::json_type type,
                     DynamicMode dynamic);
  Status ReadScalar(simdjson::ondemand::value value, simdjson::ondemand::json_type type,
                    JsonScalar* out);
  // Indexes a value under its field, the field's multi-fields and copy_to targets.
  Status Emit(const JsonScalar& scalar, const FieldMapping& field, std::string_view path);
  Status EmitOne(const JsonScalar& scalar, const FieldMapping& field, std::string_view path);
  Status CopyTo(const JsonScalar& scalar, const std::string& target);
  // Consumes (and so validates) a value that produces no field.
  Status SkipValue(simdjson::ondemand::value value, size_t nesting);

  Resolved Resolve(std::string_view path) const;
  // The decision for an unmapped path: OK to add (dynamic true), a strict
  // error, or *skip = true (dynamic false / no update wanted).
  Status CheckUnmapped(DynamicMode dynamic, bool* skip) const;
  Status AddDynamicField(FieldMapping field);
  Status FieldError(std::string_view path, const FieldMapping& field,
                    std::string_view preview) const;
  std::string_view InternPath(std::string_view path);

  simdjson::ondemand::parser parser_;
  // State of the document being parsed.
  const Mapping* mapping_ = nullptr;
  ParsedDocument* doc_ = nullptr;
  bool dynamic_allowed_ = true;
  std::string path_;  // dotted path of the value being parsed
  std::string path_scratch_;
  std::string copy_scratch_;
  std::string term_scratch_;  // an ip value's term before it is copied to the arena
  std::deque<std::pair<std::string, FieldMapping>> pending_;  // new fields, stable addresses
  size_t pending_entries_ = 0;  // pending fields incl. multi-fields, for the total-fields limit
};

// Parses with this thread's DocumentParser. Thread-safe.
Result<ParsedDocument> ParseDocument(const Mapping& mapping, std::string_view id,
                                     std::string_view source_json, MappingUpdate* new_fields);

}  // namespace holdfast::mapping
