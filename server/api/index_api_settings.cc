#include "server/api/index_api_settings.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <charconv>
#include <utility>
#include <vector>

#include "index/mapping/mapping_error.h"
#include "index/mapping/mapping_parser.h"
#include "index/mapping/mapping_serializer.h"
#include "replication/allocation.h"
#include "replication/allocation_filters.h"
#include "server/api/index_api_support.h"
#include "server/process/node_config.h"

namespace holdfast {

namespace od = simdjson::ondemand;

namespace {

constexpr uint32_t kMaxShards = 1024;
constexpr char kTotalShardsKey[] = "index.routing.allocation.total_shards_per_node";
constexpr char kEnableKey[] = "index.routing.allocation.enable";

using FlatSettings = std::vector<std::pair<std::string, std::string>>;  // "index.x.y" → value text

// Shortest text that reads back as the same double ("1", "0.5", "1e-06").
std::string FormatNumber(double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

Status BadSetting(const std::string& key, const std::string& value, std::string_view why) {
  return mapping::IllegalArgumentError("Failed to parse value [" + value + "] for setting [" + key + "]" +
                                       (why.empty() ? "" : " " + std::string(why)));
}

// Settings objects nest or use dotted keys; both become "index.<path>".
Status FlattenSettings(od::object object, const std::string& prefix, FlatSettings* out) {
  for (auto field : object) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key); e) return JsonError("failed to parse settings", e);
    std::string path = prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
    od::value value;
    if (auto e = field.value().get(value); e) return JsonError("failed to parse settings", e);
    od::json_type type;
    if (auto e = value.type().get(type); e) return JsonError("failed to parse settings", e);
    switch (type) {
      case od::json_type::object: {
        od::object inner;
        if (auto e = value.get_object().get(inner); e) return JsonError("failed to parse settings", e);
        HOLDFAST_RETURN_IF_ERROR(FlattenSettings(inner, path, out));
        break;
      }
      case od::json_type::string: {
        std::string_view s;
        if (auto e = value.get_string().get(s); e) return JsonError("failed to parse settings", e);
        out->emplace_back(std::move(path), std::string(s));
        break;
      }
      case od::json_type::number:
      case od::json_type::boolean: {
        std::string_view token = value.raw_json_token();
        while (!token.empty() && (token.back() == ' ' || token.back() == '\n' || token.back() == '\r' ||
                                  token.back() == '\t')) {
          token.remove_suffix(1);
        }
        out->emplace_back(std::move(path), std::string(token));
        break;
      }
      default:
        return mapping::IllegalArgumentError("setting [" + path + "] must be a string, number or boolean");
    }
  }
  return Status::OK();
}

Result<uint32_t> ParseCount(const std::string& key, const std::string& text, uint32_t min, uint32_t max) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return BadSetting(key, text, "");
  if (v < min) return BadSetting(key, text, "must be >= " + std::to_string(min));
  if (v > max) return BadSetting(key, text, "must be <= " + std::to_string(max));
  return static_cast<uint32_t>(v);
}

Result<std::chrono::milliseconds> ParseTimeSetting(const std::string& key, const std::string& text) {
  if (text == "-1") return std::chrono::milliseconds(-1);
  auto d = ParseDuration(text);
  if (!d.ok()) {
    return mapping::IllegalArgumentError("failed to parse setting [" + key + "] with value [" + text +
                                         "] as a time value: unit is missing or unrecognized");
  }
  return d.value();
}

Result<double> ParseNumberSetting(const std::string& key, const std::string& text, double min, double max) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !(v >= min && v <= max)) {
    return BadSetting(key, text, "must be a number in [" + FormatNumber(min) + ", " + FormatNumber(max) + "]");
  }
  return v;
}

// index.recommend.*: fixed at creation (stored counters depend on them).
Status ApplyRecommendSetting(const std::string& key, const std::string& value, recommend::RecommendSettings* r) {
  const std::string name = key.substr(std::string("index.recommend.").size());
  auto number = [&](double* out, double min, double max) -> Status {
    auto v = ParseNumberSetting(key, value, min, max);
    if (!v.ok()) return v.status();
    *out = *v;
    return Status::OK();
  };
  auto duration = [&](int64_t* out, bool allow_zero) -> Status {
    auto d = ParseTimeSetting(key, value);
    if (!d.ok()) return d.status();
    if (d->count() < 0 || (!allow_zero && d->count() == 0)) return BadSetting(key, value, "must be a positive time value");
    *out = d->count();
    return Status::OK();
  };
  auto count = [&](uint32_t* out, uint32_t min) -> Status {
    auto n = ParseCount(key, value, min, 10000);
    if (!n.ok()) return n.status();
    *out = *n;
    return Status::OK();
  };
  if (name == "weights.view") return number(&r->weights[0], 0, 1e6);
  if (name == "weights.cart") return number(&r->weights[1], 0, 1e6);
  if (name == "weights.purchase") return number(&r->weights[2], 0, 1e6);
  if (name == "popularity_half_life") return duration(&r->popularity_half_life_ms, false);
  if (name == "history_size") return count(&r->history_size, 1);
  if (name == "pair_window") return count(&r->pair_window, 0);
  if (name == "pair_new") return number(&r->pair_new, 0, 1e6);
  if (name == "pair_same") return number(&r->pair_same, 0, 1e6);
  if (name == "pair_decay") return number(&r->pair_decay, 0, 1e6);
  if (name == "pair_tau") return duration(&r->pair_tau_ms, false);
  if (name == "pair_max_gap") return duration(&r->pair_max_gap_ms, true);
  if (name == "alpha") return number(&r->alpha, 0, 1);
  if (name == "profile_size") return count(&r->profile_size, 1);
  if (name == "profile_decay") return number(&r->profile_decay, 0, 1);
  if (name == "own_weight") return number(&r->own_weight, 0, 1e6);
  if (name == "popularity_weight") return number(&r->popularity_weight, 0, 1e6);
  if (name == "own_smoothing") return number(&r->own_smoothing, 0, 1e6);
  if (name == "cooccurrence_weight") return number(&r->cooccurrence_weight, 0, 1e6);
  return mapping::IllegalArgumentError("unknown setting [" + key + "]: see docs/recommendations.md for index.recommend.*");
}

// The index-level limits of a search that `key` names, or null.
uint32_t* SearchLimit(const std::string& key, IndexSettings* s) {
  if (key == "index.max_result_window") return &s->max_result_window;
  if (key == "index.max_docvalue_fields_search") return &s->max_docvalue_fields_search;
  if (key == "index.max_terms_count") return &s->max_terms_count;
  return nullptr;
}

Status ApplySetting(const std::string& raw_key, const std::string& value, IndexSettings* s) {
  const std::string key = raw_key.rfind("index.", 0) == 0 ? raw_key : "index." + raw_key;
  if (key == "index.number_of_shards") {
    auto n = ParseCount(key, value, 1, kMaxShards);
    if (!n.ok()) return n.status();
    s->number_of_shards = *n;
  } else if (key == "index.number_of_replicas") {
    auto n = ParseCount(key, value, 0, 1024);
    if (!n.ok()) return n.status();
    s->number_of_replicas = *n;
  } else if (uint32_t* limit = SearchLimit(key, s)) {
    // Elasticsearch's bounds: at least 1 (0 for docvalue fields), at most a Java int.
    auto n = ParseCount(key, value, key == "index.max_docvalue_fields_search" ? 0 : 1, INT32_MAX);
    if (!n.ok()) return n.status();
    *limit = *n;
  } else if (key == "index.refresh_interval") {
    auto d = ParseTimeSetting(key, value);
    if (!d.ok()) return d.status();
    s->refresh_interval = *d;
  } else if (key == "index.unassigned.node_left.delayed_timeout") {
    auto d = ParseTimeSetting(key, value);
    if (!d.ok()) return d.status();
    if (d->count() < 0) return mapping::IllegalArgumentError("failed to parse setting [" + key + "] with value [" + value + "]");
    s->node_left_delayed_timeout = *d;
  } else if (key == "index.soft_deletes.retention_lease.period") {
    auto d = ParseTimeSetting(key, value);
    if (!d.ok()) return d.status();
    if (d->count() <= 0) return mapping::IllegalArgumentError("failed to parse setting [" + key + "] with value [" + value + "]");
    s->retention_lease_period = *d;
  } else if (key == "index.translog.durability") {
    if (value == "request" || value == "REQUEST") {
      s->durability = Durability::kRequest;
    } else if (value == "async" || value == "ASYNC") {
      s->durability = Durability::kAsync;
    } else {
      return mapping::IllegalArgumentError("No enum constant for [index.translog.durability]: [" + value + "]");
    }
  } else if (key.rfind("index.recommend.", 0) == 0) {
    return ApplyRecommendSetting(key, value, &s->recommend);
  } else if (key == kEnableKey) {
    std::string enable = value;  // as Elasticsearch, in any case
    std::transform(enable.begin(), enable.end(), enable.begin(), [](unsigned char c) { return std::tolower(c); });
    if (!IsAllocationEnableValue(enable)) return BadSetting(key, value, "(use all, primaries, new_primaries or none)");
    s->allocation_enable = std::move(enable);
  } else if (key == kTotalShardsKey) {
    const std::optional<int32_t> limit = ParseShardLimit(value);
    if (!limit) return BadSetting(key, value, "must be a whole number >= -1");
    s->total_shards_per_node = *limit;
  } else if (std::string name; IndexAllocationFilterName(key, &name)) {
    if (value.empty()) {
      s->allocation_filters.erase(name);
    } else {
      s->allocation_filters[name] = value;
    }
  } else {
    return mapping::IllegalArgumentError("unknown setting [" + key +
                                         "] please check that any required plugins are installed, or check the "
                                         "breaking changes documentation for removed settings");
  }
  return Status::OK();
}

Result<std::shared_ptr<const mapping::Mapping>> MappingFrom(od::value value) {
  od::object object;
  if (auto e = value.get_object().get(object); e) return JsonError("[mappings] must be an object", e);
  std::string_view raw;
  if (auto e = object.raw_json().get(raw); e) return JsonError("failed to parse mappings", e);
  auto parsed = mapping::ParseMapping(raw);
  if (!parsed.ok()) return parsed.status();
  return std::shared_ptr<const mapping::Mapping>(std::make_shared<mapping::Mapping>(std::move(parsed).value()));
}

bool IsBlank(std::string_view body) {
  return body.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

}  // namespace

Result<CreateIndexBody> ParseCreateIndexBody(std::string_view body) {
  CreateIndexBody out;
  if (IsBlank(body)) return out;
  JsonBody json;
  HOLDFAST_RETURN_IF_ERROR(json.Parse(body));
  od::object root;
  if (auto e = json.doc().get_object().get(root); e) return JsonError("the request body must be an object", e);
  FlatSettings flat;
  for (auto field : root) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key); e) return JsonError("failed to parse the request body", e);
    od::value value;
    if (auto e = field.value().get(value); e) return JsonError("failed to parse the request body", e);
    if (key == "settings") {
      od::object settings;
      if (auto e = value.get_object().get(settings); e) return JsonError("[settings] must be an object", e);
      HOLDFAST_RETURN_IF_ERROR(FlattenSettings(settings, "", &flat));
    } else if (key == "mappings") {
      auto m = MappingFrom(value);
      if (!m.ok()) return m.status();
      out.mapping = std::move(m).value();
    } else if (key == "aliases") {
      od::object aliases;
      if (auto e = value.get_object().get(aliases); e) return JsonError("[aliases] must be an object", e);
      std::string_view raw;
      if (auto e = aliases.raw_json().get(raw); e) return JsonError("failed to parse [aliases]", e);
      auto parsed = ParseIndexAliases(raw);
      if (!parsed.ok()) return parsed.status();
      out.aliases = std::move(parsed).value();
    } else {
      return Status::ParseValue("unknown key [" + std::string(key) + "] for create index");
    }
  }
  for (const auto& [key, value] : flat) HOLDFAST_RETURN_IF_ERROR(ApplySetting(key, value, &out.settings));
  return out;
}

namespace {

// {"a": {"b": 1}, "c.d": null} → {"index.a.b": "1", "index.c.d": null}.
Status FlattenUpdate(const rapidjson::Value& o, const std::string& prefix,
                     std::vector<std::pair<std::string, std::optional<std::string>>>* out) {
  for (const auto& m : o.GetObject()) {
    const std::string key = prefix + std::string(m.name.GetString(), m.name.GetStringLength());
    if (m.value.IsObject()) {
      HOLDFAST_RETURN_IF_ERROR(FlattenUpdate(m.value, key + ".", out));
    } else if (m.value.IsNull()) {
      out->emplace_back(key, std::nullopt);
    } else if (m.value.IsString()) {
      out->emplace_back(key, std::string(m.value.GetString(), m.value.GetStringLength()));
    } else if (m.value.IsNumber() || m.value.IsBool()) {
      rapidjson::StringBuffer b;
      rapidjson::Writer<rapidjson::StringBuffer> w(b);
      m.value.Accept(w);
      out->emplace_back(key, std::string(b.GetString(), b.GetSize()));
    } else {
      return Status::ParseValue("the value of setting [" + key + "] must be a string, number, boolean or null");
    }
  }
  return Status::OK();
}

}  // namespace

Result<SettingsUpdate> ParseSettingsUpdate(std::string_view body) {
  HOLDFAST_RETURN_IF_ERROR(CheckJsonText(body));
  if (IsBlank(body)) return Status::Validation("Validation Failed: 1: no settings to update;");
  rapidjson::Document d;
  d.Parse(body.data(), body.size());
  if (d.HasParseError() || !d.IsObject()) return Status::ParseValue("the settings must be a JSON object");
  const rapidjson::Value* root = &d;
  if (d.HasMember("settings") && d["settings"].IsObject()) root = &d["settings"];
  std::vector<std::pair<std::string, std::optional<std::string>>> flat;
  HOLDFAST_RETURN_IF_ERROR(FlattenUpdate(*root, "", &flat));
  if (flat.empty()) return Status::Validation("Validation Failed: 1: no settings to update;");
  SettingsUpdate out;
  const IndexSettings defaults;
  for (auto& [raw, value] : flat) {
    const std::string key = raw.rfind("index.", 0) == 0 ? raw : "index." + raw;
    IndexSettings s;  // ApplySetting's parse of one value
    if (key == "index.refresh_interval") {
      if (value) HOLDFAST_RETURN_IF_ERROR(ApplySetting(key, *value, &s));
      out.update.refresh_interval = value ? s.refresh_interval : defaults.refresh_interval;
    } else if (key == "index.number_of_replicas") {
      if (value) HOLDFAST_RETURN_IF_ERROR(ApplySetting(key, *value, &s));
      out.update.number_of_replicas = value ? s.number_of_replicas : defaults.number_of_replicas;
    } else if (key == "index.unassigned.node_left.delayed_timeout") {
      if (value) HOLDFAST_RETURN_IF_ERROR(ApplySetting(key, *value, &s));
      out.update.node_left_delayed_timeout = value ? s.node_left_delayed_timeout : defaults.node_left_delayed_timeout;
    } else if (key == "index.max_result_window") {
      if (value) HOLDFAST_RETURN_IF_ERROR(ApplySetting(key, *value, &s));
      out.update.max_result_window = value ? s.max_result_window : defaults.max_result_window;
    } else if (key == "index.max_docvalue_fields_search") {
      if (value) HOLDFAST_RETURN_IF_ERROR(ApplySetting(key, *value, &s));
      out.update.max_docvalue_fields_search =
          value ? s.max_docvalue_fields_search : defaults.max_docvalue_fields_search;
    } else if (key == "index.max_terms_count") {
      if (value) HOLDFAST_RETURN_IF_ERROR(ApplySetting(key, *value, &s));
      out.update.max_terms_count = value ? s.max_terms_count : defaults.max_terms_count;
    } else if (key == kTotalShardsKey) {
      if (value) HOLDFAST_RETURN_IF_ERROR(ApplySetting(key, *value, &s));
      out.update.total_shards_per_node = value ? s.total_shards_per_node : defaults.total_shards_per_node;
    } else if (key == kEnableKey) {
      if (value && !value->empty()) HOLDFAST_RETURN_IF_ERROR(ApplySetting(key, *value, &s));
      out.update.allocation_enable = s.allocation_enable;  // null or "": removed
    } else if (std::string name; IndexAllocationFilterName(key, &name)) {
      out.update.allocation_filters[name] = value;  // null or "": removed
    } else if (key == "index.number_of_shards" || key == "index.translog.durability" ||
               key == "index.soft_deletes.retention_lease.period" ||
               key.rfind("index.recommend.", 0) == 0) {
      if (value) HOLDFAST_RETURN_IF_ERROR(ApplySetting(key, *value, &s));  // a bad value says so first
      out.static_keys.push_back(key);
    } else {
      return mapping::IllegalArgumentError("unknown setting [" + key +
                                           "] please check that any required plugins are installed, or check the "
                                           "breaking changes documentation for removed settings");
    }
  }
  return out;
}

Result<mapping::MappingUpdate> ParseMappingUpdate(std::string_view body) {
  HOLDFAST_RETURN_IF_ERROR(CheckJsonText(body));
  if (IsBlank(body)) return Status::ParseValue("request body is required");
  auto parsed = mapping::ParseMapping(body);
  if (!parsed.ok()) return parsed.status();
  return parsed->ToUpdate();
}

std::string FormatTimeValue(std::chrono::milliseconds value) {
  const int64_t ms = value.count();
  if (ms < 0) return "-1";
  if (ms == 0) return "0s";
  if (ms % 86'400'000 == 0) return std::to_string(ms / 86'400'000) + "d";
  if (ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

void WriteIndexSettings(JsonWriter& w, const IndexHandle& index) {
  const IndexSettings& s = index.settings();
  w.Key("settings").StartObject().Key("index").StartObject();
  w.Field("refresh_interval", FormatTimeValue(s.refresh_interval));
  w.Field("number_of_shards", std::to_string(s.number_of_shards));
  const IndexSettings defaults;
  if (s.max_result_window != defaults.max_result_window) {
    w.Field("max_result_window", std::to_string(s.max_result_window));
  }
  if (s.max_docvalue_fields_search != defaults.max_docvalue_fields_search) {
    w.Field("max_docvalue_fields_search", std::to_string(s.max_docvalue_fields_search));
  }
  if (s.max_terms_count != defaults.max_terms_count) {
    w.Field("max_terms_count", std::to_string(s.max_terms_count));
  }
  w.Field("provided_name", index.name());
  w.Field("creation_date", std::to_string(index.creation_date_ms()));
  w.Field("number_of_replicas", std::to_string(s.number_of_replicas));
  w.Field("uuid", index.uuid());
  if (index.closed()) w.Field("verified_before_close", "true");
  w.Key("unassigned").StartObject().Key("node_left").StartObject();
  w.Field("delayed_timeout", FormatTimeValue(s.node_left_delayed_timeout));
  w.EndObject().EndObject();
  if (s.durability == Durability::kAsync) w.Key("translog").StartObject().Field("durability", "async").EndObject();
  if (!s.allocation_filters.empty() || s.total_shards_per_node >= 0 || !s.allocation_enable.empty()) {
    // "routing": {"allocation": {"enable": "primaries", "require": {"zone": "a"}, "total_shards_per_node": "2"}}
    w.Key("routing").StartObject().Key("allocation").StartObject();
    if (!s.allocation_enable.empty()) w.Field("enable", s.allocation_enable);
    std::string open_op;
    for (const auto& [name, value] : s.allocation_filters) {  // sorted: each op's filters together
      const std::string op = name.substr(0, name.find('.'));
      if (op != open_op) {
        if (!open_op.empty()) w.EndObject();
        w.Key(op).StartObject();
        open_op = op;
      }
      w.Field(name.substr(op.size() + 1), value);
    }
    if (!open_op.empty()) w.EndObject();
    if (s.total_shards_per_node >= 0) w.Field("total_shards_per_node", std::to_string(s.total_shards_per_node));
    w.EndObject().EndObject();
  }
  if (s.retention_lease_period != defaults.retention_lease_period) {
    w.Key("soft_deletes").StartObject().Key("retention_lease").StartObject();
    w.Field("period", FormatTimeValue(s.retention_lease_period));
    w.EndObject().EndObject();
  }
  const recommend::RecommendSettings& r = s.recommend;
  w.Key("recommend").StartObject();
  w.Key("weights").StartObject();
  w.Field("view", FormatNumber(r.weights[0])).Field("cart", FormatNumber(r.weights[1]));
  w.Field("purchase", FormatNumber(r.weights[2])).EndObject();
  w.Field("popularity_half_life", FormatTimeValue(std::chrono::milliseconds(r.popularity_half_life_ms)));
  w.Field("history_size", std::to_string(r.history_size));
  w.Field("pair_window", std::to_string(r.pair_window));
  w.Field("pair_new", FormatNumber(r.pair_new)).Field("pair_same", FormatNumber(r.pair_same));
  w.Field("pair_decay", FormatNumber(r.pair_decay));
  w.Field("pair_tau", FormatTimeValue(std::chrono::milliseconds(r.pair_tau_ms)));
  w.Field("pair_max_gap", FormatTimeValue(std::chrono::milliseconds(r.pair_max_gap_ms)));
  w.Field("alpha", FormatNumber(r.alpha)).Field("profile_size", std::to_string(r.profile_size));
  w.Field("profile_decay", FormatNumber(r.profile_decay)).Field("own_weight", FormatNumber(r.own_weight));
  w.Field("popularity_weight", FormatNumber(r.popularity_weight));
  w.Field("own_smoothing", FormatNumber(r.own_smoothing));
  w.Field("cooccurrence_weight", FormatNumber(r.cooccurrence_weight));
  w.EndObject();
  w.Key("version").StartObject().Field("created", "7170099").EndObject();
  w.EndObject().EndObject();
}

void WriteIndexMappings(JsonWriter& w, const IndexHandle& index) {
  w.Key("mappings").RawJson(mapping::MappingToJson(*index.mapping()));
}

}  // namespace holdfast
