// Three index-level tools of Elasticsearch's API that clients and dashboards
// call before they search:
//   GET|POST /_analyze, /{index}/_analyze       the tokens an analyzer (or a
//                                                field's) makes of a text
//   GET|POST /_validate/query, /{index}/_validate/query
//                                                whether a query parses against
//                                                each index's mapping
//   GET|POST /_field_caps, /{index}/_field_caps  the fields of the indices by
//                                                type: searchable, aggregatable
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <map>
#include <set>

#include "index/analysis/analyzer.h"
#include "index/mapping/mapping_error.h"
#include "index/search/request_query.h"
#include "index/util/comma_list.h"
#include "index/util/glob.h"
#include "server/api/api_context.h"
#include "server/api/api_errors.h"
#include "server/api/index_api_support.h"

namespace holdfast {

namespace {

// The analysis::Analyzer name of a mapping's analyzer.
std::string AnalyzerNameOf(mapping::Analyzer a) { return std::string(mapping::AnalyzerName(a)); }

// ---------------------------------------------------------------- _analyze

// Elasticsearch's token types, as its standard tokenizer names them.
const char* TokenType(std::string_view term, bool keyword) {
  if (keyword) return "word";
  bool digits = !term.empty();
  for (char c : term) digits = digits && c >= '0' && c <= '9';
  return digits ? "<NUM>" : "<ALPHANUM>";
}

HttpResponse Analyze(ClusterIndices* registry, const HttpRequest& req) {
  auto body = ParseBodyObject(req);
  if (!body.ok()) return ErrorFromStatus(body.status());
  rapidjson::Document& d = *body;
  std::vector<std::string> texts;
  std::string analyzer_name = req.QueryParam("analyzer"), field = req.QueryParam("field");
  if (req.HasQueryParam("text")) texts.push_back(req.QueryParam("text"));
  for (const auto& m : d.GetObject()) {
    const std::string key(m.name.GetString(), m.name.GetStringLength());
    if (key == "text") {
      texts.clear();
      if (m.value.IsString()) {
        texts.emplace_back(m.value.GetString(), m.value.GetStringLength());
      } else if (m.value.IsArray()) {
        for (const auto& t : m.value.GetArray()) {
          if (!t.IsString()) return ErrorFromStatus(Status::Parse("[text] must be a string or an array of strings"));
          texts.emplace_back(t.GetString(), t.GetStringLength());
        }
      } else {
        return ErrorFromStatus(Status::Parse("[text] must be a string or an array of strings"));
      }
    } else if (key == "analyzer" || key == "field") {
      if (!m.value.IsString()) return ErrorFromStatus(Status::Parse("[" + key + "] must be a string"));
      (key == "analyzer" ? analyzer_name : field).assign(m.value.GetString(), m.value.GetStringLength());
    } else if (key == "tokenizer" || key == "filter" || key == "char_filter" || key == "normalizer") {
      return ErrorFromStatus(mapping::IllegalArgumentError(
          "[" + key + "]: custom analysis chains are not supported by holdfast; name an analyzer (" +
          "standard, english, simple, keyword, and each with _asciifolding) or a field"));
    } else if (key == "explain" || key == "attributes") {
      if (key == "explain" && m.value.IsBool() && m.value.GetBool()) {
        return ErrorFromStatus(mapping::IllegalArgumentError("[explain] is not supported by holdfast's _analyze"));
      }
    } else {
      return ErrorFromStatus(Status::XContentParse("[analyze_request] unknown field [" + key + "]"));
    }
  }
  if (texts.empty()) return ErrorFromStatus(Status::Validation("Validation Failed: 1: text is missing;"));
  bool keyword = false;
  if (!field.empty()) {
    const std::string index_name(req.PathParam("index"));
    if (index_name.empty()) {
      return ErrorFromStatus(mapping::IllegalArgumentError("analysis by [field] needs an index: /{index}/_analyze"));
    }
    auto index = FindIndex(*registry, index_name);
    if (!index.ok()) return ErrorFromStatus(index.status());
    const mapping::MappedField* f = (*index)->mapping()->Find(field);
    if (f == nullptr) {
      analyzer_name = "standard";  // as Elasticsearch: an unmapped field takes the default analyzer
    } else if (f->mapping.type == mapping::FieldType::kText) {
      analyzer_name = AnalyzerNameOf(f->mapping.analyzer);
    } else if (f->mapping.type == mapping::FieldType::kKeyword) {
      analyzer_name = "keyword";
    } else {
      return ErrorFromStatus(mapping::IllegalArgumentError(
          "Can't process field [" + field + "], Analysis requests are only supported on tokenized fields"));
    }
  }
  if (analyzer_name.empty()) analyzer_name = "standard";
  keyword = analyzer_name == "keyword";
  auto analyzer = analysis::MakeAnalyzer(analyzer_name);
  if (!analyzer.ok()) {
    return ErrorFromStatus(mapping::IllegalArgumentError("failed to find analyzer [" + analyzer_name + "]"));
  }
  // Several texts: positions continue after a gap of 100 and offsets after
  // one character, as for the values of an array field.
  JsonWriter w;
  w.StartObject().Key("tokens").StartArray();
  int64_t position_base = 0, offset_base = 0;
  for (const std::string& text : texts) {
    auto tokens = (*analyzer)->AnalyzeToVector(text);
    if (!tokens.ok()) return ErrorFromStatus(tokens.status());
    int64_t last = -1;
    for (const analysis::OwnedToken& t : *tokens) {
      w.StartObject().Field("token", t.term);
      w.Field("start_offset", offset_base + t.start_offset).Field("end_offset", offset_base + t.end_offset);
      w.Field("type", TokenType(t.term, keyword)).Field("position", position_base + t.position).EndObject();
      last = std::max<int64_t>(last, t.position);
    }
    position_base += last + 1 + 100;
    offset_base += static_cast<int64_t>(text.size()) + 1;
  }
  w.EndArray().EndObject();
  return JsonResponse(200, w);
}

// ---------------------------------------------------------- _validate/query

HttpResponse ValidateQuery(ClusterIndices* registry, const HttpRequest& req) {
  auto body = ParseBodyObject(req);
  if (!body.ok()) return ErrorFromStatus(body.status());
  std::string query_json;
  for (const auto& m : body->GetObject()) {
    const std::string key(m.name.GetString(), m.name.GetStringLength());
    if (key != "query") return ErrorFromStatus(Status::Parse("request does not support [" + key + "]"));
    if (!m.value.IsObject()) return ErrorFromStatus(Status::Parse("[query] must be an object"));
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> qw(b);
    m.value.Accept(qw);
    query_json.assign(b.GetString(), b.GetSize());
  }
  const std::string q = req.QueryParam("q");
  const bool explain = req.QueryParam("explain") == "true" || (req.HasQueryParam("explain") && req.QueryParam("explain").empty());
  auto indices = ResolveRequestIndices(*registry, req);
  if (!indices.ok()) return ErrorFromStatus(indices.status());
  bool valid = true;
  std::vector<std::tuple<std::string, bool, std::string>> per_index;  // name, valid, error
  for (const auto& index : *indices) {
    auto parsed = ParseRequestQuery(index->mapping(), query_json, q, nullptr, index->alias_filter());
    per_index.emplace_back(index->name(), parsed.ok(), parsed.ok() ? "" : parsed.status().message());
    valid = valid && parsed.ok();
  }
  JsonWriter w;
  w.StartObject();
  WriteShardsHeader(w, indices->size(), indices->size());
  w.Field("valid", valid);
  if (explain) {
    w.Key("explanations").StartArray();
    for (const auto& [name, ok, error] : per_index) {
      w.StartObject().Field("index", name).Field("valid", ok);
      if (ok) {
        w.Field("explanation", query_json.empty() ? (q.empty() ? std::string(R"({"match_all":{}})") : q) : query_json);
      } else {
        w.Field("error", error);
      }
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  return JsonResponse(200, w);
}

// ----------------------------------------------------------------- _field_caps

struct Caps {
  bool searchable = false, aggregatable = false;
  std::vector<std::string> indices;  // holding the field with this type
};

// As Elasticsearch: text is searchable only; a field without doc values is not
// aggregatable, one with neither index nor doc values not searchable.
void SetCaps(const mapping::FieldMapping& field, Caps* caps) {
  using mapping::FieldType;
  if (field.type == FieldType::kObject) return;
  caps->searchable = field.index || (field.doc_values && field.type != FieldType::kText);
  caps->aggregatable = field.type != FieldType::kText && field.doc_values;
}

HttpResponse FieldCaps(ClusterIndices* registry, const HttpRequest& req) {
  auto body = ParseBodyObject(req);
  if (!body.ok()) return ErrorFromStatus(body.status());
  std::vector<std::string> patterns;
  if (req.HasQueryParam("fields")) patterns = SplitCommaList(req.QueryParam("fields"));
  if (body->HasMember("fields")) {
    const auto& f = (*body)["fields"];
    if (f.IsString()) {
      for (std::string& p : SplitCommaList(f.GetString())) patterns.push_back(std::move(p));
    } else if (f.IsArray()) {
      for (const auto& e : f.GetArray()) {
        if (e.IsString()) patterns.emplace_back(e.GetString(), e.GetStringLength());
      }
    }
  }
  if (patterns.empty()) return ErrorFromStatus(Status::Validation("Validation Failed: 1: no fields specified;"));
  auto indices = ResolveRequestIndices(*registry, req);
  if (!indices.ok()) return ErrorFromStatus(indices.status());
  // field → declared type name → its capabilities and the indices holding it
  std::map<std::string, std::map<std::string, Caps>> fields;
  for (const auto& index : *indices) {
    for (const auto& [path, f] : index->mapping()->SortedFields()) {
      bool wanted = false;
      for (const std::string& p : patterns) wanted = wanted || GlobMatch(p, path);
      if (!wanted) continue;
      Caps& caps = fields[std::string(path)][std::string(mapping::DeclaredTypeName(f->mapping))];
      SetCaps(f->mapping, &caps);
      caps.indices.push_back(index->name());
    }
  }
  JsonWriter w;
  w.StartObject().Key("indices").StartArray();
  for (const auto& index : *indices) w.String(index->name());
  w.EndArray().Key("fields").StartObject();
  for (const auto& [path, types] : fields) {
    w.Key(path).StartObject();
    for (const auto& [type, caps] : types) {
      const std::vector<std::string>& holders = caps.indices;
      w.Key(type).StartObject().Field("type", type).Field("metadata_field", false);
      w.Field("searchable", caps.searchable).Field("aggregatable", caps.aggregatable);
      // Which indices, when the field's type differs between them.
      if (types.size() > 1) {
        w.Key("indices").StartArray();
        for (const std::string& name : holders) w.String(name);
        w.EndArray();
      }
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndObject().EndObject();
  return JsonResponse(200, w);
}

}  // namespace

void AddAnalyzeApiRoutes(ApiContext* ctx, HttpRouter* router) {
  auto with_registry = [ctx](HttpResponse (*fn)(ClusterIndices*, const HttpRequest&)) {
    return [ctx, fn](const HttpRequest& req) {
      HttpResponse error;
      ClusterIndices* registry = RequireIndices(ctx, &error);
      if (registry == nullptr) return error;
      return fn(registry, req);
    };
  };
  for (HttpMethod m : {HttpMethod::kGet, HttpMethod::kPost}) {
    router->Add(m, "/_analyze", "indices_analyze", with_registry(Analyze));
    router->Add(m, "/{index}/_analyze", "indices_analyze", with_registry(Analyze));
    router->Add(m, "/_validate/query", "indices_validate_query", with_registry(ValidateQuery));
    router->Add(m, "/{index}/_validate/query", "indices_validate_query", with_registry(ValidateQuery));
    router->Add(m, "/_field_caps", "field_caps", with_registry(FieldCaps));
    router->Add(m, "/{index}/_field_caps", "field_caps", with_registry(FieldCaps));
  }
}

}  // namespace holdfast
