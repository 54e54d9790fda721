#include "server/coordinator/hit_fields.h"

#include <rapidjson/document.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "index/mapping/date_parser.h"
#include "index/mapping/ip_address.h"
#include "index/search/aggregation_format.h"
#include "index/search/histogram_keys.h"
#include "index/util/glob.h"

namespace holdfast {

namespace {

using mapping::FieldType;
using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

Status Parsing(std::string m) { return Status::Parse(std::move(m)); }

// Values under `path` (components from `from`), arrays flattened; a key may
// itself hold dots ({"user.name": "x"}).
void Collect(const rapidjson::Value& v, const std::vector<std::string_view>& path, size_t from,
             std::vector<const rapidjson::Value*>* out) {
  if (v.IsArray()) {
    for (const auto& e : v.GetArray()) Collect(e, path, from, out);
    return;
  }
  if (from == path.size()) {
    if (!v.IsObject() && !v.IsNull()) out->push_back(&v);
    return;
  }
  if (!v.IsObject()) return;
  std::string key;
  for (size_t to = from; to < path.size(); ++to) {
    if (to > from) key += '.';
    key.append(path[to]);
    auto m = v.FindMember(rapidjson::StringRef(key.data(), key.size()));
    if (m != v.MemberEnd()) Collect(m->value, path, to + 1, out);
  }
}

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    const size_t dot = path.find('.', start);
    out.push_back(path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) return out;
    start = dot + 1;
  }
}

std::string_view Text(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

// One value, as the field's type renders it.
void WriteValue(const mapping::FieldMapping& field, const std::string& format, const rapidjson::Value& v, Writer* w) {
  switch (field.type) {
    case FieldType::kLong:
    case FieldType::kDouble:
      if (v.IsNumber()) {
        v.Accept(*w);
        return;
      }
      if (v.IsString()) {  // "12" in the source, coerced when indexed
        const std::string s(Text(v));
        char* end = nullptr;
        const double d = std::strtod(s.c_str(), &end);
        if (!s.empty() && end == s.c_str() + s.size()) {
          if (field.type == FieldType::kLong) {
            w->Int64(static_cast<int64_t>(std::trunc(d)));
          } else {
            const std::string text = search::FormatJavaDouble(d);
            w->RawValue(text.data(), text.size(), rapidjson::kNumberType);
          }
          return;
        }
      }
      break;
    case FieldType::kBoolean:
      if (v.IsString() && (Text(v) == "true" || Text(v) == "false")) {
        w->Bool(Text(v) == "true");
        return;
      }
      break;
    case FieldType::kDate: {
      int64_t millis = 0;
      bool parsed = false;
      if (v.IsString()) {
        parsed = mapping::ParseDate(Text(v), field.date_formats, &millis);
      } else if (v.IsInt64()) {  // read as it was indexed: its text in the field's formats
        if (!mapping::ParseDate(std::to_string(v.GetInt64()), field.date_formats, &millis)) millis = v.GetInt64();
        parsed = true;
      }
      if (parsed) {
        // No `format` in the request: the field's own (its first), as Elasticsearch.
        const std::string text =
            format.empty() ? mapping::FormatDate(millis, field.date_formats) : search::FormatDateMillis(format, 0, millis);
        w->String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
        return;
      }
      break;
    }
    case FieldType::kKeyword:
    case FieldType::kText:
      if (!v.IsString()) {  // a number or boolean in a keyword field: its text
        rapidjson::StringBuffer b;
        rapidjson::Writer<rapidjson::StringBuffer> inner(b);
        v.Accept(inner);
        w->String(b.GetString(), static_cast<rapidjson::SizeType>(b.GetSize()));
        return;
      }
      break;
    case FieldType::kIp:
      if (v.IsString()) {  // the address as Elasticsearch prints it
        const std::string term = mapping::IpTermOf(Text(v));
        if (!term.empty()) {
          const std::string text = mapping::IpTermToText(term);
          w->String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
          return;
        }
      }
      break;
    case FieldType::kObject: break;
  }
  v.Accept(*w);
}

}  // namespace

Status ParseFieldRequests(std::string_view json, std::string_view key, std::vector<FieldRequest>* out) {
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  if (d.HasParseError() || !d.IsArray()) return Parsing("[" + std::string(key) + "] must be an array");
  for (const auto& e : d.GetArray()) {
    FieldRequest r;
    if (e.IsString()) {
      r.pattern = std::string(Text(e));
    } else if (e.IsObject() && e.HasMember("field") && e["field"].IsString()) {
      r.pattern = std::string(Text(e["field"]));
      for (const auto& m : e.GetObject()) {
        const std::string_view k(m.name.GetString(), m.name.GetStringLength());
        if (k == "format" && m.value.IsString()) {
          r.format = std::string(Text(m.value));
        } else if (k != "field" && k != "include_unmapped") {
          return Parsing("[" + std::string(key) + "] unknown field [" + std::string(k) + "]");
        }
      }
      if (!search::IsSupportedDateFormat(r.format)) {
        return Status::InvalidArgument("Invalid format: [" + r.format +
                                       "] (supported: strict_date_optional_time, strict_date, epoch_millis, "
                                       "epoch_second, and patterns of y M d H m s S)");
      }
    } else {
      return Parsing("[" + std::string(key) + "] entries must be field names or {\"field\": ...} objects");
    }
    if (r.pattern.empty()) return Parsing("[" + std::string(key) + "] field names must not be empty");
    out->push_back(std::move(r));
  }
  return Status::OK();
}

std::vector<std::pair<std::string, const FieldRequest*>> MatchFieldRequests(const std::vector<FieldRequest>& requests,
                                                                            const mapping::Mapping& mapping) {
  std::vector<std::pair<std::string, const FieldRequest*>> wanted;
  auto add = [&](std::string path, const FieldRequest* r) {
    for (const auto& [p, _] : wanted) {
      if (p == path) return;
    }
    wanted.emplace_back(std::move(path), r);
  };
  std::vector<std::pair<std::string_view, const mapping::MappedField*>> all;
  for (const FieldRequest& r : requests) {
    // stored_fields name only fields mapped with store: true.
    auto eligible = [&](const mapping::MappedField* f) {
      return f != nullptr && f->mapping.type != FieldType::kObject && (!r.stored_only || f->mapping.store);
    };
    if (r.pattern.find('*') == std::string::npos) {
      if (eligible(mapping.Find(r.pattern))) add(r.pattern, &r);
      continue;
    }
    if (all.empty()) all = mapping.SortedFields();
    for (const auto& [path, f] : all) {
      if (eligible(f) && GlobMatch(r.pattern, path)) add(std::string(path), &r);
    }
  }
  return wanted;
}

void WriteHitFields(const std::vector<FieldRequest>& requests, const mapping::Mapping& mapping,
                    std::string_view source, Writer* w) {
  if (requests.empty() || source.empty()) return;
  rapidjson::Document doc;
  doc.Parse(source.data(), source.size());
  if (doc.HasParseError() || !doc.IsObject()) return;
  const std::vector<std::pair<std::string, const FieldRequest*>> wanted = MatchFieldRequests(requests, mapping);
  bool opened = false;
  std::vector<const rapidjson::Value*> values;
  for (const auto& [path, request] : wanted) {
    const mapping::MappedField* field = mapping.Find(path);
    // A multi-field ("title.keyword") shows its parent's values.
    std::string value_path = path;
    while (field != nullptr && field->is_multi_field) {
      const size_t dot = value_path.rfind('.');
      if (dot == std::string::npos) break;
      value_path.resize(dot);
      const mapping::MappedField* parent = mapping.Find(value_path);
      if (parent == nullptr) break;
      if (!parent->is_multi_field) break;
    }
    values.clear();
    Collect(doc, Split(value_path), 0, &values);
    if (values.empty()) continue;
    if (!opened) {
      w->Key("fields");
      w->StartObject();
      opened = true;
    }
    w->Key(path.data(), static_cast<rapidjson::SizeType>(path.size()));
    w->StartArray();
    for (const rapidjson::Value* v : values) WriteValue(field->mapping, request->format, *v, w);
    w->EndArray();
  }
  if (opened) w->EndObject();
}

}  // namespace holdfast
