// AnalyzedDocument and DocumentAnalyzer: a parsed document (index/mapping/)
// turned into what a segment indexes — terms with positions for text fields,
// exact values for keyword and numeric fields.
//
// Analysis is the expensive part of indexing, so it runs outside any shard
// lock: each indexing thread owns a DocumentAnalyzer (analyzers are not
// thread-safe, see index/analysis/analyzer.h) and hands the result to a
// SegmentBuilder. An AnalyzedDocument refers into the ParsedDocument it was
// made from (field names, keyword values), which must outlive it. Reused
// across documents: Analyze() clears it first and keeps its buffers.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "index/analysis/analyzer.h"
#include "index/mapping/parsed_document.h"
#include "index/segment/analyzer_set.h"
#include "index/segment/field_info.h"
#include "index/util/status.h"

namespace holdfast::segment {

struct AnalyzedToken {
  uint32_t term_offset = 0;  // into AnalyzedDocument's term arena
  uint32_t term_length = 0;
  uint32_t position = 0;
};

struct AnalyzedField {
  std::string_view name;
  FieldKind kind = FieldKind::kText;
  uint32_t token_begin = 0;  // kText: tokens [token_begin, token_end)
  uint32_t token_end = 0;
  std::string_view keyword;  // kKeyword
  int64_t numeric = 0;       // numeric kinds (a double as its bits)
};

class AnalyzedDocument {
 public:
  std::string_view id() const { return id_; }
  const std::vector<AnalyzedField>& fields() const { return fields_; }
  const std::vector<AnalyzedToken>& tokens() const { return tokens_; }
  std::string_view term(const AnalyzedToken& t) const {
    return std::string_view(arena_).substr(t.term_offset, t.term_length);
  }

 private:
  friend class DocumentAnalyzer;
  std::string_view id_;
  std::vector<AnalyzedField> fields_;
  std::vector<AnalyzedToken> tokens_;
  std::string arena_;
};

// Gap between the positions of two values of one multi-valued text field, so
// phrases do not match across values (Elasticsearch's position_increment_gap).
inline constexpr uint32_t kPositionIncrementGap = 100;

class DocumentAnalyzer {
 public:
  DocumentAnalyzer();
  ~DocumentAnalyzer();
  DocumentAnalyzer(const DocumentAnalyzer&) = delete;
  DocumentAnalyzer& operator=(const DocumentAnalyzer&) = delete;

  // Fills *out from `doc`. Internal when an analyzer cannot be built.
  Status Analyze(const mapping::ParsedDocument& doc, AnalyzedDocument* out);

  // The analyzer for a mapping analyzer, built on first use.
  Result<analysis::Analyzer*> AnalyzerFor(mapping::Analyzer which) { return analyzers_.For(which); }

 private:
  class Sink;
  AnalyzerSet analyzers_;
  std::unique_ptr<Sink> sink_;
};

}  // namespace holdfast::segment
