#include "index/search/request_query.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <string>

#include "index/search/query_parser.h"

namespace holdfast {
namespace {

constexpr size_t kParsersPerThread = 8;

struct CachedParser {
  std::shared_ptr<const mapping::Mapping> mapping;
  std::unique_ptr<search::QueryParser> parser;
  uint64_t last_use = 0;
};

search::QueryParser& ParserFor(const std::shared_ptr<const mapping::Mapping>& mapping) {
  thread_local std::array<CachedParser, kParsersPerThread> cache;
  thread_local uint64_t clock = 0;
  ++clock;
  CachedParser* victim = &cache[0];
  for (CachedParser& c : cache) {
    if (c.mapping == mapping) {
      c.last_use = clock;
      return *c.parser;
    }
    if (c.last_use < victim->last_use) victim = &c;
  }
  victim->parser.reset();
  victim->mapping = mapping;
  victim->parser = std::make_unique<search::QueryParser>(*mapping);
  victim->last_use = clock;
  return *victim->parser;
}

}  // namespace

std::string QueryStringToJson(const mapping::Mapping& mapping, std::string_view q, const QueryStringOptions& options) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  auto key = [&w](std::string_view k) { w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size())); };
  auto str = [&w](std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); };
  w.StartObject();
  key("bool");
  w.StartObject();
  key(options.operator_and ? "must" : "should");
  w.StartArray();
  while (!q.empty()) {
    size_t start = q.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    q.remove_prefix(start);
    size_t end = q.find(' ');
    std::string_view term = q.substr(0, end);
    q.remove_prefix(end == std::string_view::npos ? q.size() : end);
    size_t colon = term.find(':');
    w.StartObject();
    const bool fielded = colon != std::string_view::npos && colon > 0;
    if (fielded || !options.default_field.empty()) {
      key("match");
      w.StartObject();
      key(fielded ? term.substr(0, colon) : std::string_view(options.default_field));
      w.StartObject();
      key("query");
      str(fielded ? term.substr(colon + 1) : term);
      if (!options.analyzer.empty()) {
        key("analyzer");
        str(options.analyzer);
      }
      w.EndObject();
      w.EndObject();
    } else {
      key("multi_match");
      w.StartObject();
      key("query");
      str(term);
      if (!options.analyzer.empty()) {
        key("analyzer");
        str(options.analyzer);
      }
      key("fields");
      w.StartArray();
      for (const auto& [path, field] : mapping.SortedFields()) {
        auto type = field->mapping.type;
        if (type == mapping::FieldType::kText || type == mapping::FieldType::kKeyword) str(path);
      }
      w.EndArray();
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Result<search::QueryPtr> ParseRequestQuery(const std::shared_ptr<const mapping::Mapping>& mapping,
                                           std::string_view query_json, std::string_view q,
                                           const search::QueryContext* context, std::string_view filter_json) {
  search::QueryParser& parser = ParserFor(mapping);
  if (filter_json.empty()) {
    if (!query_json.empty()) return parser.Parse(query_json, context);
    if (!q.empty()) return parser.Parse(QueryStringToJson(*mapping, q), context);
    return parser.Parse(R"({"match_all":{}})", context);
  }
  std::string wrapped = R"({"bool":{"must":[)";
  if (!query_json.empty()) {
    wrapped += query_json;
  } else if (!q.empty()) {
    wrapped += QueryStringToJson(*mapping, q);
  } else {
    wrapped += R"({"match_all":{}})";
  }
  wrapped += R"(],"filter":[)";
  wrapped += filter_json;
  wrapped += "]}}";
  return parser.Parse(wrapped, context);
}

}  // namespace holdfast
