#include "replication/index_metadata.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "index/codec/file_footer.h"
#include "index/mapping/mapping_parser.h"
#include "index/mapping/mapping_serializer.h"

namespace holdfast {

namespace {
constexpr uint32_t kIndexMagic = 0x58444948;  // "HIDX"
constexpr uint32_t kIndexVersion = 1;
}  // namespace

std::string EncodeIndexMetadata(const IndexMetadata& m) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("name");
  w.String(m.name.c_str());
  w.Key("uuid");
  w.String(m.uuid.c_str());
  w.Key("creation_date");
  w.Int64(m.creation_date_ms);
  w.Key("number_of_shards");
  w.Uint(m.settings.number_of_shards);
  w.Key("number_of_replicas");
  w.Uint(m.settings.number_of_replicas);
  w.Key("refresh_interval_ms");
  w.Int64(m.settings.refresh_interval.count());
  w.Key("node_left_delayed_timeout_ms");
  w.Int64(m.settings.node_left_delayed_timeout.count());
  w.Key("max_result_window");
  w.Uint(m.settings.max_result_window);
  w.Key("max_docvalue_fields_search");
  w.Uint(m.settings.max_docvalue_fields_search);
  w.Key("max_terms_count");
  w.Uint(m.settings.max_terms_count);
  if (m.closed) {
    w.Key("state");
    w.String("close");
  }
  w.Key("retention_lease_period_ms");
  w.Int64(m.settings.retention_lease_period.count());
  if (!m.settings.allocation_filters.empty()) {
    w.Key("allocation_filters");
    w.StartObject();
    for (const auto& [key, value] : m.settings.allocation_filters) {
      w.Key(key.c_str(), static_cast<rapidjson::SizeType>(key.size()));
      w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
    }
    w.EndObject();
  }
  if (m.settings.total_shards_per_node >= 0) {
    w.Key("total_shards_per_node");
    w.Int(m.settings.total_shards_per_node);
  }
  if (!m.settings.allocation_enable.empty()) {
    w.Key("allocation_enable");
    w.String(m.settings.allocation_enable.c_str(), static_cast<rapidjson::SizeType>(m.settings.allocation_enable.size()));
  }
  w.Key("durability");
  w.String(m.settings.durability == Durability::kAsync ? "async" : "request");
  const recommend::RecommendSettings& r = m.settings.recommend;
  w.Key("recommend");
  w.StartObject();
  w.Key("weights");
  w.StartArray();
  for (double x : r.weights) w.Double(x);
  w.EndArray();
  w.Key("popularity_half_life_ms");
  w.Int64(r.popularity_half_life_ms);
  w.Key("history_size");
  w.Uint(r.history_size);
  w.Key("pair_window");
  w.Uint(r.pair_window);
  w.Key("pair_new");
  w.Double(r.pair_new);
  w.Key("pair_same");
  w.Double(r.pair_same);
  w.Key("pair_decay");
  w.Double(r.pair_decay);
  w.Key("pair_tau_ms");
  w.Int64(r.pair_tau_ms);
  w.Key("pair_max_gap_ms");
  w.Int64(r.pair_max_gap_ms);
  w.Key("alpha");
  w.Double(r.alpha);
  w.Key("profile_size");
  w.Uint(r.profile_size);
  w.Key("profile_decay");
  w.Double(r.profile_decay);
  w.Key("own_weight");
  w.Double(r.own_weight);
  w.Key("popularity_weight");
  w.Double(r.popularity_weight);
  w.Key("own_smoothing");
  w.Double(r.own_smoothing);
  w.Key("cooccurrence_weight");
  w.Double(r.cooccurrence_weight);
  w.EndObject();
  if (!m.aliases.empty()) {
    w.Key("aliases");
    w.StartObject();
    for (const auto& [name, alias] : m.aliases) {
      w.Key(name.c_str(), static_cast<rapidjson::SizeType>(name.size()));
      w.StartObject();
      if (!alias.filter_json.empty()) {
        w.Key("filter");
        w.RawValue(alias.filter_json.data(), alias.filter_json.size(), rapidjson::kObjectType);
      }
      if (!alias.index_routing.empty()) {
        w.Key("index_routing");
        w.String(alias.index_routing.c_str());
      }
      if (!alias.search_routing.empty()) {
        w.Key("search_routing");
        w.String(alias.search_routing.c_str());
      }
      if (alias.is_write_index) {
        w.Key("is_write_index");
        w.Bool(*alias.is_write_index);
      }
      w.EndObject();
    }
    w.EndObject();
  }
  w.Key("mappings");
  const std::string mapping = m.mapping ? mapping::MappingToJson(*m.mapping) : "{}";
  w.RawValue(mapping.data(), mapping.size(), rapidjson::kObjectType);
  w.EndObject();
  std::string out(buf.GetString(), buf.GetSize());
  codec::AppendFileFooter(&out, kIndexMagic, kIndexVersion);
  return out;
}

Result<IndexMetadata> DecodeIndexMetadata(std::string_view bytes, std::string_view file_name) {
  auto verified = codec::VerifyFileFooter(bytes, file_name, kIndexMagic);
  if (!verified.ok()) return verified.status();
  const std::string name(file_name);
  rapidjson::Document d;
  d.Parse(verified->body.data(), verified->body.size());
  if (d.HasParseError() || !d.IsObject()) return Status::Corruption(name + ": not a JSON object");
  auto str = [&](const char* k) { return d.HasMember(k) && d[k].IsString() ? std::string(d[k].GetString()) : std::string(); };
  IndexMetadata m;
  m.name = str("name");
  m.uuid = str("uuid");
  if (m.name.empty() || m.uuid.empty() || !d.HasMember("number_of_shards") || !d["number_of_shards"].IsUint() ||
      !d.HasMember("mappings") || !d["mappings"].IsObject()) {
    return Status::Corruption(name + ": fields missing");
  }
  m.creation_date_ms = d.HasMember("creation_date") && d["creation_date"].IsInt64() ? d["creation_date"].GetInt64() : 0;
  m.settings.number_of_shards = d["number_of_shards"].GetUint();
  if (d.HasMember("number_of_replicas") && d["number_of_replicas"].IsUint()) m.settings.number_of_replicas = d["number_of_replicas"].GetUint();
  if (d.HasMember("retention_lease_period_ms") && d["retention_lease_period_ms"].IsInt64()) {
    m.settings.retention_lease_period = std::chrono::milliseconds(d["retention_lease_period_ms"].GetInt64());
  }
  if (d.HasMember("refresh_interval_ms") && d["refresh_interval_ms"].IsInt64()) {
    m.settings.refresh_interval = std::chrono::milliseconds(d["refresh_interval_ms"].GetInt64());
  }
  if (d.HasMember("node_left_delayed_timeout_ms") && d["node_left_delayed_timeout_ms"].IsInt64()) {
    m.settings.node_left_delayed_timeout = std::chrono::milliseconds(d["node_left_delayed_timeout_ms"].GetInt64());
  }
  if (d.HasMember("allocation_filters") && d["allocation_filters"].IsObject()) {
    for (const auto& f : d["allocation_filters"].GetObject()) {
      if (!f.value.IsString()) continue;
      m.settings.allocation_filters.emplace(std::string(f.name.GetString(), f.name.GetStringLength()),
                                            std::string(f.value.GetString(), f.value.GetStringLength()));
    }
  }
  if (d.HasMember("total_shards_per_node") && d["total_shards_per_node"].IsInt()) {
    m.settings.total_shards_per_node = d["total_shards_per_node"].GetInt();
  }
  m.settings.allocation_enable = str("allocation_enable");
  m.closed = str("state") == "close";
  m.settings.durability = str("durability") == "async" ? Durability::kAsync : Durability::kRequest;
  auto count = [&](const char* k, uint32_t* out) {
    if (d.HasMember(k) && d[k].IsUint()) *out = d[k].GetUint();
  };
  count("max_result_window", &m.settings.max_result_window);
  count("max_docvalue_fields_search", &m.settings.max_docvalue_fields_search);
  count("max_terms_count", &m.settings.max_terms_count);
  if (d.HasMember("recommend") && d["recommend"].IsObject()) {
    const auto& o = d["recommend"];
    recommend::RecommendSettings& r = m.settings.recommend;
    auto num = [&](const char* k, double* out) {
      if (o.HasMember(k) && o[k].IsNumber()) *out = o[k].GetDouble();
    };
    auto i64 = [&](const char* k, int64_t* out) {
      if (o.HasMember(k) && o[k].IsInt64()) *out = o[k].GetInt64();
    };
    auto u32 = [&](const char* k, uint32_t* out) {
      if (o.HasMember(k) && o[k].IsUint()) *out = o[k].GetUint();
    };
    if (o.HasMember("weights") && o["weights"].IsArray() && o["weights"].Size() == r.weights.size()) {
      for (rapidjson::SizeType i = 0; i < o["weights"].Size(); ++i) {
        if (o["weights"][i].IsNumber()) r.weights[i] = o["weights"][i].GetDouble();
      }
    }
    i64("popularity_half_life_ms", &r.popularity_half_life_ms);
    u32("history_size", &r.history_size);
    u32("pair_window", &r.pair_window);
    num("pair_new", &r.pair_new);
    num("pair_same", &r.pair_same);
    num("pair_decay", &r.pair_decay);
    i64("pair_tau_ms", &r.pair_tau_ms);
    i64("pair_max_gap_ms", &r.pair_max_gap_ms);
    num("alpha", &r.alpha);
    u32("profile_size", &r.profile_size);
    num("profile_decay", &r.profile_decay);
    num("own_weight", &r.own_weight);
    num("popularity_weight", &r.popularity_weight);
    num("own_smoothing", &r.own_smoothing);
    num("cooccurrence_weight", &r.cooccurrence_weight);
  }
  if (d.HasMember("aliases") && d["aliases"].IsObject()) {
    for (const auto& a : d["aliases"].GetObject()) {
      if (!a.value.IsObject()) return Status::Corruption(name + ": alias [" + a.name.GetString() + "] is not an object");
      AliasMetadata alias;
      const auto& o = a.value;
      if (o.HasMember("filter") && o["filter"].IsObject()) {
        rapidjson::StringBuffer fb;
        rapidjson::Writer<rapidjson::StringBuffer> fw(fb);
        o["filter"].Accept(fw);
        alias.filter_json.assign(fb.GetString(), fb.GetSize());
      }
      if (o.HasMember("index_routing") && o["index_routing"].IsString()) alias.index_routing = o["index_routing"].GetString();
      if (o.HasMember("search_routing") && o["search_routing"].IsString()) {
        alias.search_routing = o["search_routing"].GetString();
      }
      if (o.HasMember("is_write_index") && o["is_write_index"].IsBool()) alias.is_write_index = o["is_write_index"].GetBool();
      m.aliases.emplace(std::string(a.name.GetString(), a.name.GetStringLength()), std::move(alias));
    }
  }
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  d["mappings"].Accept(w);
  auto mapping = mapping::ParseMapping(std::string_view(buf.GetString(), buf.GetSize()));
  if (!mapping.ok()) return Status::Corruption(name + ": mapping: " + mapping.status().message());
  m.mapping = std::make_shared<const mapping::Mapping>(std::move(mapping).value());
  if (m.settings.number_of_shards == 0 || m.settings.number_of_shards > 1024) return Status::Corruption(name + ": bad shard count");
  return m;
}

}  // namespace holdfast
