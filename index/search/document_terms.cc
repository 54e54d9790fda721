#include "index/search/document_terms.h"

#include <simdjson.h>

#include "index/mapping/mapping_error.h"

namespace holdfast::search {

namespace {

// The string values at dotted `path` of a JSON document (arrays flattened).
void CollectValues(simdjson::dom::element e, std::string_view path, std::vector<std::string>* out) {
  if (e.is_array()) {
    for (simdjson::dom::element x : e.get_array()) CollectValues(x, path, out);
    return;
  }
  if (path.empty()) {
    if (e.is_string()) {
      out->emplace_back(std::string_view(e.get_string()));
    } else if (e.is_number() || e.is_bool()) {
      out->push_back(simdjson::minify(e));
    }
    return;
  }
  if (!e.is_object()) return;
  simdjson::dom::object obj = e.get_object();
  // Keys may themselves hold dots ("a.b": ...): try every split.
  for (size_t dot = 0; dot <= path.size(); ++dot) {
    if (dot < path.size() && path[dot] != '.') continue;
    simdjson::dom::element child;
    if (obj.at_key(path.substr(0, dot)).get(child) == simdjson::SUCCESS) {
      CollectValues(child, dot < path.size() ? path.substr(dot + 1) : std::string_view(), out);
    }
  }
}

}  // namespace

Status AnalyzeFieldText(const mapping::Mapping& mapping, const std::string& field, std::string_view text,
                        std::optional<mapping::Analyzer> analyzer, segment::AnalyzerSet* analyzers,
                        std::vector<std::string>* terms) {
  const mapping::MappedField* mf = mapping.Find(field);
  if (mf == nullptr) return Status::OK();
  if (mf->mapping.type == mapping::FieldType::kKeyword) {
    terms->emplace_back(text);
    return Status::OK();
  }
  if (mf->mapping.type != mapping::FieldType::kText) return Status::OK();
  auto a = analyzers->For(analyzer.value_or(mf->mapping.analyzer));
  if (!a.ok()) return a.status();
  auto tokens = a.value()->AnalyzeToVector(text);
  if (!tokens.ok()) return tokens.status();
  for (auto& t : tokens.value()) terms->push_back(std::move(t.term));
  return Status::OK();
}

Status AnalyzeDocumentTerms(const mapping::Mapping& mapping, std::string_view source,
                            const std::vector<std::string>& fields, std::optional<mapping::Analyzer> analyzer,
                            segment::AnalyzerSet* analyzers, FieldTermFreqs* out) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(source.data(), source.size()).get(root) != simdjson::SUCCESS) {
    return Status::Parse("[more_like_this] a [like] document is not valid JSON");
  }
  std::vector<std::string> values, terms;
  for (const std::string& field : fields) {
    const mapping::MappedField* mf = mapping.Find(field);
    std::string path = field;
    if (mf != nullptr && mf->is_multi_field) path = field.substr(0, field.rfind('.'));
    values.clear();
    CollectValues(root, path, &values);
    for (const std::string& v : values) {
      terms.clear();
      HOLDFAST_RETURN_IF_ERROR(AnalyzeFieldText(mapping, field, v, analyzer, analyzers, &terms));
      for (std::string& t : terms) ++(*out)[field][std::move(t)];
    }
  }
  return Status::OK();
}

}  // namespace holdfast::search
