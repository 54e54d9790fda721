#include "index/segment/analyzed_document.h"

#include <bit>
#include <cstring>

namespace holdfast::segment {

// Appends tokens to the document being analyzed, shifted by the base position.
class DocumentAnalyzer::Sink final : public analysis::TokenSink {
 public:
  void Start(AnalyzedDocument* doc, uint32_t base) {
    doc_ = doc;
    base_ = base;
    last_position_ = base;
    any_ = false;
  }
  void OnToken(const analysis::Token& token) override {
    AnalyzedToken t;
    t.term_offset = static_cast<uint32_t>(doc_->arena_.size());
    t.term_length = static_cast<uint32_t>(token.term.size());
    t.position = base_ + token.position;
    doc_->arena_.append(token.term.data(), token.term.size());
    doc_->tokens_.push_back(t);
    last_position_ = t.position;
    any_ = true;
  }
  uint32_t last_position() const { return last_position_; }
  bool any() const { return any_; }

 private:
  AnalyzedDocument* doc_ = nullptr;
  uint32_t base_ = 0;
  uint32_t last_position_ = 0;
  bool any_ = false;
};

DocumentAnalyzer::DocumentAnalyzer() : sink_(std::make_unique<Sink>()) {}
DocumentAnalyzer::~DocumentAnalyzer() = default;

namespace {

FieldKind KindOf(mapping::FieldType t) {
  switch (t) {
    case mapping::FieldType::kText: return FieldKind::kText;
    case mapping::FieldType::kKeyword:
    case mapping::FieldType::kIp: return FieldKind::kKeyword;  // ip: the address's hex term
    case mapping::FieldType::kLong: return FieldKind::kLong;
    case mapping::FieldType::kDouble: return FieldKind::kDouble;
    case mapping::FieldType::kBoolean: return FieldKind::kBoolean;
    case mapping::FieldType::kDate: return FieldKind::kDate;
    case mapping::FieldType::kObject: break;
  }
  return FieldKind::kKeyword;
}

}  // namespace

Status DocumentAnalyzer::Analyze(const mapping::ParsedDocument& doc, AnalyzedDocument* out) {
  out->id_ = doc.id();
  out->fields_.clear();
  out->tokens_.clear();
  out->arena_.clear();
  // Next base position per text field path, for multi-valued fields.
  std::vector<std::pair<std::string_view, uint32_t>> next_base;
  for (const mapping::FieldValue& v : doc.fields()) {
    AnalyzedField f;
    f.name = v.path;
    f.kind = KindOf(v.type);
    switch (v.type) {
      case mapping::FieldType::kText: {
        auto analyzer = AnalyzerFor(v.analyzer);
        if (!analyzer.ok()) return analyzer.status();
        uint32_t base = 0;
        auto it = next_base.begin();
        for (; it != next_base.end() && it->first != v.path; ++it) {
        }
        if (it != next_base.end()) base = it->second;
        f.token_begin = static_cast<uint32_t>(out->tokens_.size());
        sink_->Start(out, base);
        HOLDFAST_RETURN_IF_ERROR(analyzer.value()->Analyze(v.text, *sink_));
        f.token_end = static_cast<uint32_t>(out->tokens_.size());
        uint32_t next = (sink_->any() ? sink_->last_position() + 1 : base) + kPositionIncrementGap;
        if (it != next_base.end()) {
          it->second = next;
        } else {
          next_base.emplace_back(v.path, next);
        }
        break;
      }
      case mapping::FieldType::kKeyword:
      case mapping::FieldType::kIp: f.keyword = v.text; break;
      case mapping::FieldType::kBoolean: f.numeric = v.bool_value ? 1 : 0; break;
      case mapping::FieldType::kDouble: f.numeric = std::bit_cast<int64_t>(v.double_value); break;
      case mapping::FieldType::kLong:
      case mapping::FieldType::kDate: f.numeric = v.long_value; break;
      case mapping::FieldType::kObject: continue;
    }
    out->fields_.push_back(f);
  }
  return Status::OK();
}

}  // namespace holdfast::segment
