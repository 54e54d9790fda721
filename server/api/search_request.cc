#include "server/api/search_request.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <simdjson.h>

#include <charconv>
#include <cmath>

#include "index/mapping/mapping_error.h"
#include "index/util/comma_list.h"
#include "index/search/searcher.h"
#include "server/coordinator/hit_fields.h"

namespace holdfast {
namespace od = simdjson::ondemand;

namespace {

Status ParsingError(std::string_view reason) { return Status::Parse(std::string(reason)); }
Status IllegalArgument(std::string_view reason) { return mapping::IllegalArgumentError(reason); }

// One name of stored_fields: `_none_`, or a field (pattern) whose stored
// value the hits show under "fields".
void AddStoredField(std::string_view name, SearchRequest* out) {
  if (name == "_none_") {
    out->stored_fields_none = true;
  } else if (!name.empty() && name != "_source" && name != "_id") {
    out->fields.push_back(FieldRequest{std::string(name), "", /*stored_only=*/true});
  }
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The JSON text of any value (objects and arrays whole).
Result<std::string_view> RawJsonOf(od::value& value) {
  od::json_type type;
  if (auto e = value.type().get(type)) return BodyParseError(simdjson::error_message(e));
  std::string_view raw;
  simdjson::error_code e = simdjson::SUCCESS;
  if (type == od::json_type::object) {
    od::object o;
    e = value.get_object().get(o);
    if (!e) e = o.raw_json().get(raw);
  } else if (type == od::json_type::array) {
    od::array a;
    e = value.get_array().get(a);
    if (!e) e = a.raw_json().get(raw);
  } else {
    raw = TrimRight(value.raw_json_token());
  }
  if (e) return BodyParseError(simdjson::error_message(e));
  return raw;
}

Result<int64_t> ParseInteger(std::string_view text, std::string_view what) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return ParsingError("[" + std::string(what) + "] expected an integer, got [" + std::string(text) + "]");
  }
  return v;
}

Result<uint64_t> ParseCount(std::string_view text, std::string_view what) {
  auto parsed = ParseInteger(text, what);
  if (!parsed.ok()) return parsed.status();
  const int64_t v = *parsed;
  if (v < 0) {
    return IllegalArgument("[" + std::string(what) + "] parameter cannot be negative, found [" + std::string(text) + "]");
  }
  return static_cast<uint64_t>(v);
}

// track_total_hits: true, false or a number (as JSON or URL text).
Status ApplyTrackTotalHits(std::string_view text, SearchRequest* out) {
  if (text == "true") {
    out->track_total_hits = search::kExactTotalHits;
  } else if (text == "false") {
    out->track_total_hits = 0;
    out->total_hidden = true;
  } else {
    int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
      return ParsingError("[track_total_hits] expected a boolean or an integer, got [" + std::string(text) + "]");
    }
    if (v < -1) return IllegalArgument("[track_total_hits] parameter must be positive or equals to -1, got " + std::string(text));
    out->track_total_hits = v == -1 ? search::kExactTotalHits : static_cast<uint64_t>(v);
  }
  return Status::OK();
}

// "price:desc,name" → [{"price":"desc"},"name"].
std::string SortParamToJson(std::string_view param) {
  std::string json = "[";
  while (!param.empty()) {
    size_t comma = param.find(',');
    std::string_view one = param.substr(0, comma);
    size_t colon = one.rfind(':');
    if (json.size() > 1) json += ',';
    auto quote = [&json](std::string_view s) {
      json += '"';
      for (char c : s) {
        if (c == '"' || c == '\\') json += '\\';
        if (static_cast<unsigned char>(c) >= 0x20) json += c;
      }
      json += '"';
    };
    if (colon == std::string_view::npos) {
      quote(one);
    } else {
      json += '{';
      quote(one.substr(0, colon));
      json += ':';
      quote(one.substr(colon + 1));
      json += '}';
    }
    if (comma == std::string_view::npos) break;
    param.remove_prefix(comma + 1);
  }
  return json + "]";
}

// terminate_after (URL or body): a count >= 0, 0 meaning none.
Status ApplyTerminateAfter(std::string_view text, SearchRequest* out) {
  auto v = ParseInteger(text, "terminate_after");
  if (!v.ok()) return v.status();
  if (*v < 0) return IllegalArgument("terminateAfter must be > 0");
  out->terminate_after = static_cast<uint64_t>(*v);
  return Status::OK();
}

Status ApplyUrlParams(const HttpRequest& http, bool for_count, SearchRequest* out) {
  out->q = http.QueryParam("q");
  if (http.HasQueryParam("min_score")) {
    std::string v = http.QueryParam("min_score");
    float f = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), f);
    if (ec != std::errc() || end != v.data() + v.size()) return ParsingError("[min_score] expected a number");
    out->min_score = f;
  }
  if (http.HasQueryParam("terminate_after")) {
    HOLDFAST_RETURN_IF_ERROR(ApplyTerminateAfter(http.QueryParam("terminate_after"), out));
  }
  if (http.HasQueryParam("routing")) out->routing = SplitCommaList(http.QueryParam("routing"));
  if (for_count) return Status::OK();
  if (http.HasQueryParam("from")) {
    auto v = ParseCount(http.QueryParam("from"), "from");
    if (!v.ok()) return v.status();
    out->from = v.value();
  }
  if (http.HasQueryParam("size")) {
    auto v = ParseCount(http.QueryParam("size"), "size");
    if (!v.ok()) return v.status();
    out->size = v.value();
  }
  if (http.HasQueryParam("sort")) out->sort_json = SortParamToJson(http.QueryParam("sort"));
  if (http.HasQueryParam("track_total_hits")) {
    HOLDFAST_RETURN_IF_ERROR(ApplyTrackTotalHits(http.QueryParam("track_total_hits"), out));
  }
  out->total_as_int = http.QueryParam("rest_total_hits_as_int") == "true";
  out->version = http.QueryParam("version") == "true";
  out->seq_no_primary_term = http.QueryParam("seq_no_primary_term") == "true";
  out->preference = http.QueryParam("preference");
  out->explain = http.QueryParam("explain") == "true";
  if (out->total_as_int) out->track_total_hits = search::kExactTotalHits;
  out->source = SourceFilter::FromParams(http.QueryParam("_source"), http.QueryParam("_source_includes"),
                                         http.QueryParam("_source_excludes"));
  out->source_requested =
      http.HasQueryParam("_source") || http.HasQueryParam("_source_includes") || http.HasQueryParam("_source_excludes");
  if (http.HasQueryParam("stored_fields")) {
    out->stored_fields = true;
    const std::string list = http.QueryParam("stored_fields");
    for (const std::string& name : SplitCommaList(list)) AddStoredField(name, out);
  }
  if (http.HasQueryParam("scroll")) {
    auto keep = ParseTimeValue(http.QueryParam("scroll"), "scroll");
    if (!keep.ok()) return keep.status();
    out->scroll = keep.value();
  }
  return Status::OK();
}

Status ApplyBodyField(std::string_view key, od::value value, bool for_count, SearchRequest* out) {
  auto raw = RawJsonOf(value);
  if (!raw.ok()) return raw.status();
  std::string_view json = raw.value();
  if (key == "query") {
    out->query_json.assign(json);
  } else if (key == "min_score") {
    double d = 0;
    auto [end, ec] = std::from_chars(json.data(), json.data() + json.size(), d);
    if (ec != std::errc() || end != json.data() + json.size()) return ParsingError("[min_score] expected a number");
    out->min_score = static_cast<float>(d);
  } else if (key == "popularity_boost") {
    double d = 0;
    auto [end, ec] = std::from_chars(json.data(), json.data() + json.size(), d);
    if (ec != std::errc() || end != json.data() + json.size() || !(d >= 0)) {
      return ParsingError("[popularity_boost] expected a number >= 0");
    }
    out->popularity_boost = d;
  } else if (for_count) {
    return ParsingError("request does not support [" + std::string(key) + "]");
  } else if (key == "from" || key == "size") {
    auto v = ParseCount(json, key);
    if (!v.ok()) return v.status();
    (key == "from" ? out->from : out->size) = v.value();
  } else if (key == "sort") {
    out->sort_json.assign(json);
  } else if (key == "search_after") {
    out->search_after_json.assign(json);
  } else if (key == "highlight") {
    out->highlight_json.assign(json);
  } else if (key == "aggs" || key == "aggregations") {
    out->aggs_json.assign(json);
  } else if (key == "_source") {
    auto filter = SourceFilter::FromJson(json);
    if (!filter.ok()) return filter.status();
    out->source = std::move(filter).value();
    out->source_requested = true;
  } else if (key == "post_filter") {
    if (json.empty() || json.front() != '{') return ParsingError("[post_filter] must be an object");
    out->post_filter_json.assign(json);
  } else if (key == "stored_fields") {
    rapidjson::Document d;
    d.Parse(json.data(), json.size());
    out->stored_fields = true;
    auto name = [&](const rapidjson::Value& v) -> Status {
      if (!v.IsString()) return ParsingError("[stored_fields] expects a string or an array of strings");
      AddStoredField(std::string_view(v.GetString(), v.GetStringLength()), out);
      return Status::OK();
    };
    if (d.IsArray()) {
      for (const auto& e : d.GetArray()) HOLDFAST_RETURN_IF_ERROR(name(e));
    } else {
      HOLDFAST_RETURN_IF_ERROR(name(d));
    }
  } else if (key == "track_total_hits") {
    HOLDFAST_RETURN_IF_ERROR(ApplyTrackTotalHits(json, out));
  } else if (key == "terminate_after") {
    HOLDFAST_RETURN_IF_ERROR(ApplyTerminateAfter(json, out));
  } else if (key == "track_scores") {
    out->track_scores = json == "true";
  } else if (key == "timeout") {
    std::string_view t = json;
    if (t.size() >= 2 && t.front() == '"') t = t.substr(1, t.size() - 2);
    auto v = ParseTimeValue(t, "timeout");
    if (!v.ok()) return v.status();
  } else if (key == "indices_boost") {
    rapidjson::Document d;
    d.Parse(json.data(), json.size());
    auto add = [&](const rapidjson::Value& o) -> Status {
      for (const auto& m : o.GetObject()) {
        if (!m.value.IsNumber()) return ParsingError("[indices_boost] values must be numbers");
        out->indices_boost.emplace_back(std::string(m.name.GetString(), m.name.GetStringLength()), m.value.GetDouble());
      }
      return Status::OK();
    };
    if (d.IsArray()) {
      for (const auto& e : d.GetArray()) {
        if (!e.IsObject() || e.MemberCount() != 1) {
          return ParsingError("[indices_boost] expects an array of {\"index\": boost} objects");
        }
        HOLDFAST_RETURN_IF_ERROR(add(e));
      }
    } else if (d.IsObject()) {
      HOLDFAST_RETURN_IF_ERROR(add(d));
    } else {
      return ParsingError("[indices_boost] expects an array of {\"index\": boost} objects");
    }
  } else if (key == "version" || key == "seq_no_primary_term") {
    if (json != "true" && json != "false") return ParsingError("[" + std::string(key) + "] must be true or false");
    (key == "version" ? out->version : out->seq_no_primary_term) = json == "true";
  } else if (key == "fields") {
    HOLDFAST_RETURN_IF_ERROR(ParseFieldRequests(json, key, &out->fields));
  } else if (key == "docvalue_fields") {
    std::vector<FieldRequest> named;
    HOLDFAST_RETURN_IF_ERROR(ParseFieldRequests(json, key, &named));
    out->fields.insert(out->fields.end(), named.begin(), named.end());
    out->docvalue_fields.insert(out->docvalue_fields.end(), named.begin(), named.end());
  } else if (key == "explain") {
    if (json != "true" && json != "false") return ParsingError("[explain] must be true or false");
    out->explain = json == "true";
  } else if (key == "profile") {
    // accepted and ignored
  } else {
    return ParsingError("Unknown key for a " + std::string(json.empty() || json[0] != '{' ? "VALUE" : "START_OBJECT") +
                        " in [" + std::string(key) + "].");
  }
  return Status::OK();
}

bool IsBlank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return false;
  }
  return true;
}

}  // namespace

Status BodyParseError(std::string_view reason) {
  return Status::ParseValue("failed to parse search request body: " + std::string(reason));
}

Status CheckSingleJsonValue(od::document& doc, std::string_view body) {
  std::string_view raw;
  if (auto e = doc.raw_json().get(raw)) return BodyParseError(simdjson::error_message(e));
  size_t end = static_cast<size_t>(raw.data() - body.data()) + raw.size();
  if (end < TrimRight(body).size()) return BodyParseError("unexpected content after the request body");
  doc.rewind();
  return Status::OK();
}

Result<std::chrono::milliseconds> ParseTimeValue(std::string_view text, std::string_view setting) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  std::string_view unit = text.substr(digits);
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + digits, n);
  int64_t scale = 0;
  if (unit == "ms") scale = 1;
  else if (unit == "s") scale = 1000;
  else if (unit == "m") scale = 60'000;
  else if (unit == "h") scale = 3'600'000;
  else if (unit == "d") scale = 86'400'000;
  if (digits == 0 || ec != std::errc() || scale == 0 || n > 365LL * 86'400'000 / scale) {
    return IllegalArgument("failed to parse setting [" + std::string(setting) + "] with value [" + std::string(text) +
                           "] as a time value: unit is missing or unrecognized");
  }
  return std::chrono::milliseconds(n * scale);
}

Result<SearchRequest> ParseSearchRequest(const HttpRequest& http, bool for_count) {
  SearchRequest out;
  HOLDFAST_RETURN_IF_ERROR(ApplyUrlParams(http, for_count, &out));
  if (!IsBlank(http.body)) {
    simdjson::padded_string padded(http.body);
    thread_local od::parser parser;
    od::document doc;
    if (auto e = parser.iterate(padded).get(doc)) return BodyParseError(simdjson::error_message(e));
    HOLDFAST_RETURN_IF_ERROR(CheckSingleJsonValue(doc, std::string_view(padded.data(), http.body.size())));
    od::object root;
    if (auto e = doc.get_object().get(root)) return BodyParseError(simdjson::error_message(e));
    for (auto field : root) {
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return BodyParseError(simdjson::error_message(e));
      HOLDFAST_RETURN_IF_ERROR(ApplyBodyField(key, field.value(), for_count, &out));
    }
  }

  if (out.scroll && out.from > 0) {
    return IllegalArgument("Validation Failed: 1: using [from] is not allowed in a scroll context;");
  }
  if (out.stored_fields_none && out.source_requested && out.source.enabled()) {
    return IllegalArgument("[stored_fields] cannot be disabled if [_source] is requested");
  }
  if (out.stored_fields && !out.source_requested) out.source = SourceFilter::FromParts(false, {}, {});
  return out;
}

Result<std::string> ParseExplainBody(std::string_view body) {
  if (IsBlank(body)) return std::string();
  rapidjson::Document d;
  d.Parse(body.data(), body.size());
  if (d.HasParseError()) return BodyParseError("malformed JSON");
  if (!d.IsObject()) return ParsingError("request body must be an object");
  std::string query;
  for (const auto& m : d.GetObject()) {
    const std::string_view key(m.name.GetString(), m.name.GetStringLength());
    if (key != "query") return ParsingError("request does not support [" + std::string(key) + "]");
    if (!m.value.IsObject()) return ParsingError("[query] must be an object");
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    m.value.Accept(w);
    query.assign(b.GetString(), b.GetSize());
  }
  return query;
}

Status CheckDocValueFields(size_t fields, uint64_t max_fields) {
  if (fields <= max_fields) return Status::OK();
  return IllegalArgument("Trying to retrieve too many docvalue_fields. Must be less than or equal to: [" +
                         std::to_string(max_fields) + "] but was [" + std::to_string(fields) +
                         "]. This limit can be set by changing the [index.max_docvalue_fields_search] index level "
                         "setting.");
}

Status CheckResultWindow(const SearchRequest& out, uint64_t max_window) {
  if (!out.scroll && out.from + out.size > max_window) {
    return IllegalArgument("Result window is too large, from + size must be less than or equal to: [" +
                           std::to_string(max_window) + "] but was [" + std::to_string(out.from + out.size) +
                           "]. See the scroll api for a more efficient way to request large data sets. This limit "
                           "can be set by changing the [index.max_result_window] index level setting.");
  }
  if (out.scroll && out.size > max_window) {
    return IllegalArgument("Batch size is too large, size must be less than or equal to: [" +
                           std::to_string(max_window) + "] but was [" + std::to_string(out.size) + "].");
  }
  return Status::OK();
}

}  // namespace holdfast
