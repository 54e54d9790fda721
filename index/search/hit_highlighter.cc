#include "index/search/hit_highlighter.h"

#include <simdjson.h>

#include <array>
#include <memory>

#include "index/analysis/analyzer.h"
#include "index/search/highlighter.h"

namespace holdfast {
namespace od = simdjson::ondemand;

namespace {

// Appends the strings at `path` below `value`.
void CollectValues(od::value value, std::string_view path, std::vector<std::string>* out) {
  od::json_type type;
  if (value.type().get(type)) return;
  if (type == od::json_type::array) {
    od::array array;
    if (value.get_array().get(array)) return;
    for (auto element : array) {
      od::value v;
      if (element.get(v)) return;
      CollectValues(v, path, out);
    }
    return;
  }
  if (path.empty()) {
    std::string_view s;
    if (type == od::json_type::string && !value.get_string().get(s)) out->emplace_back(s);
    return;
  }
  if (type != od::json_type::object) return;
  od::object object;
  if (value.get_object().get(object)) return;
  size_t dot = path.find('.');
  std::string_view head = path.substr(0, dot);
  std::string_view rest = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return;
    if (key == head) {
      CollectValues(field.value(), rest, out);
    } else if (key.size() < path.size() && path[key.size()] == '.' && path.substr(0, key.size()) == key) {
      // a key holding a dot ("user.name": "x") stored flat
      CollectValues(field.value(), path.substr(key.size() + 1), out);
    } else if (key == path) {
      CollectValues(field.value(), {}, out);
    }
  }
}

analysis::Analyzer* AnalyzerFor(mapping::Analyzer kind) {
  thread_local std::array<std::unique_ptr<analysis::Analyzer>, 4> analyzers;
  auto& slot = analyzers[static_cast<size_t>(kind) % analyzers.size()];
  if (!slot) {
    auto made = analysis::MakeAnalyzer(mapping::AnalyzerName(kind));
    if (!made.ok()) return nullptr;
    slot = std::move(made).value();
  }
  return slot.get();
}

}  // namespace

std::vector<std::string> SourceValuesAt(std::string_view source, std::string_view path) {
  std::vector<std::string> out;
  simdjson::padded_string padded(source);
  thread_local od::parser parser;
  od::document doc;
  od::value root;
  if (parser.iterate(padded).get(doc) || doc.get_value().get(root)) return out;
  CollectValues(root, path, &out);
  return out;
}

Status HitHighlighter::Render(std::string_view source, std::string* out) const {
  out->clear();
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  bool opened = false;
  for (const auto& [field, options] : spec_.fields) {
    const mapping::MappedField* mapped = mapping_.Find(field);
    if (mapped == nullptr) continue;
    mapping::FieldType type = mapped->mapping.type;
    if (type != mapping::FieldType::kText && type != mapping::FieldType::kKeyword) continue;
    auto terms = terms_.find(field);
    if (terms == terms_.end() || terms->second.empty()) continue;
    analysis::Analyzer* analyzer =
        AnalyzerFor(type == mapping::FieldType::kKeyword ? mapping::Analyzer::kKeyword : mapped->mapping.analyzer);
    if (analyzer == nullptr) continue;
    std::string_view path = field;
    if (mapped->is_multi_field) path = path.substr(0, path.rfind('.'));
    std::vector<std::string> values = SourceValuesAt(source, path);
    std::vector<std::string_view> views(values.begin(), values.end());
    auto fragments = search::HighlightValues(views, *analyzer, terms->second, options);
    if (!fragments.ok()) return fragments.status();
    if (fragments.value().empty()) continue;
    if (!opened) {
      writer.StartObject();
      opened = true;
    }
    writer.Key(field.data(), static_cast<rapidjson::SizeType>(field.size()));
    writer.StartArray();
    for (const auto& f : fragments.value()) writer.String(f.data(), static_cast<rapidjson::SizeType>(f.size()));
    writer.EndArray();
  }
  if (!opened) return Status::OK();
  writer.EndObject();
  out->assign(buffer.GetString(), buffer.GetSize());
  return Status::OK();
}

}  // namespace holdfast
