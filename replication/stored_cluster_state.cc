#include "replication/stored_cluster_state.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <charconv>

#include "index/util/file_util.h"
#include "index/util/uuid.h"
#include "replication/index_routing_codec.h"

namespace holdfast {

namespace {

// Every value under `prefix` decoded by `decode(key suffix, key, value)`; stops at the first error.
template <typename Decode>
Status ForEachDecoded(MetadataStore* store, std::string_view prefix, const Decode& decode) {
  Status failed;
  Status scan = store->ForEachWithPrefix(prefix, [&](std::string_view key, std::string_view value) {
    failed = decode(key.substr(prefix.size()), std::string(key), value);
    return failed.ok();
  });
  HOLDFAST_RETURN_IF_ERROR(scan);
  return failed;
}

Result<int64_t> ParseVersion(const std::string& text) {
  int64_t version = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (ec != std::errc() || end != text.data() + text.size() || version < 0) {
    return Status::Corruption(std::string(kStateVersionKey) + ": not a version number");
  }
  return version;
}

}  // namespace

std::string StateMetadataKey(std::string_view index_uuid) { return kStateMetadataPrefix + std::string(index_uuid); }

std::string StateRoutingKey(std::string_view index_uuid) { return kStateRoutingPrefix + std::string(index_uuid); }

void AppendIndexWrites(const IndexMetadata& metadata, const IndexRouting& routing, MetadataMutations* out) {
  AppendRoutingWrite(metadata.uuid, routing, out);
  AppendMetadataWrite(metadata, out);
}

void AppendMetadataWrite(const IndexMetadata& metadata, MetadataMutations* out) {
  out->push_back({StateMetadataKey(metadata.uuid), EncodeIndexMetadata(metadata)});
}

void AppendRoutingWrite(std::string_view index_uuid, const IndexRouting& routing, MetadataMutations* out) {
  out->push_back({StateRoutingKey(index_uuid), EncodeIndexRouting(routing)});
}

void AppendIndexRemoval(std::string_view index_uuid, MetadataMutations* out) {
  out->push_back({StateMetadataKey(index_uuid), std::nullopt});
  out->push_back({StateRoutingKey(index_uuid), std::nullopt});
}

void AppendVersionWrite(int64_t version, MetadataMutations* out) {
  out->push_back({kStateVersionKey, std::to_string(version)});
}

void AppendSettingsWrite(const std::map<std::string, std::string>& settings, MetadataMutations* out) {
  if (settings.empty()) {
    out->push_back({kStateSettingsKey, std::nullopt});
    return;
  }
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  for (const auto& [key, value] : settings) {
    w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  }
  w.EndObject();
  out->push_back({kStateSettingsKey, std::string(buf.GetString(), buf.GetSize())});
}

void AppendTemplateWrites(TemplateKind kind, const std::map<std::string, std::string>& before,
                          const std::map<std::string, std::string>& after, MetadataMutations* out) {
  const std::string prefix = kind == TemplateKind::kIndex       ? kStateIndexTemplatePrefix
                             : kind == TemplateKind::kComponent ? kStateComponentTemplatePrefix
                                                                : kStateLegacyTemplatePrefix;
  for (const auto& [name, json] : before) {
    if (!after.count(name)) out->push_back({prefix + name, std::nullopt});
  }
  for (const auto& [name, json] : after) {
    auto old = before.find(name);
    if (old == before.end() || old->second != json) out->push_back({prefix + name, json});
  }
}

namespace {

std::string EncodeNodeDrain(const NodeDrain& d) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("node_id");
  w.String(d.node_id.c_str());
  w.Key("node_name");
  w.String(d.node_name.c_str());
  w.Key("type");
  w.String(d.type.c_str());
  w.Key("incarnation");
  w.String(d.incarnation.c_str());
  w.Key("requested_at_ms");
  w.Int64(d.requested_at_ms);
  w.Key("slot_at_ms");
  w.Int64(d.slot_at_ms);
  w.Key("away_since_ms");
  w.Int64(d.away_since_ms);
  w.Key("returned");
  w.Bool(d.returned);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

Result<NodeDrain> DecodeNodeDrain(std::string_view json, const std::string& key) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return Status::Corruption(key + ": not a JSON object");
  NodeDrain d;
  auto text = [&](const char* name, std::string* out) {
    auto m = doc.FindMember(name);
    if (m != doc.MemberEnd() && m->value.IsString()) *out = m->value.GetString();
  };
  auto number = [&](const char* name, int64_t* out) {
    auto m = doc.FindMember(name);
    if (m != doc.MemberEnd() && m->value.IsInt64()) *out = m->value.GetInt64();
  };
  text("node_id", &d.node_id);
  text("node_name", &d.node_name);
  text("type", &d.type);
  text("incarnation", &d.incarnation);
  number("requested_at_ms", &d.requested_at_ms);
  number("slot_at_ms", &d.slot_at_ms);
  number("away_since_ms", &d.away_since_ms);
  auto returned = doc.FindMember("returned");
  d.returned = returned != doc.MemberEnd() && returned->value.IsBool() && returned->value.GetBool();
  if (d.node_id.empty()) return Status::Corruption(key + ": no node_id");
  return d;
}

}  // namespace

void AppendDrainWrites(const std::map<std::string, NodeDrain>& before, const std::map<std::string, NodeDrain>& after,
                       MetadataMutations* out) {
  for (const auto& [id, d] : before) {
    if (!after.count(id)) out->push_back({std::string(kStateDrainPrefix) + id, std::nullopt});
  }
  for (const auto& [id, d] : after) {
    auto old = before.find(id);
    if (old == before.end() || !(old->second == d)) out->push_back({std::string(kStateDrainPrefix) + id, EncodeNodeDrain(d)});
  }
}

void AppendOrchestratorWrites(const std::map<std::string, int64_t>& before, const std::map<std::string, int64_t>& after,
                              MetadataMutations* out) {
  for (const auto& [id, epoch] : before) {
    if (!after.count(id)) out->push_back({std::string(kStateOrchestratorPrefix) + id, std::nullopt});
  }
  for (const auto& [id, epoch] : after) {
    auto old = before.find(id);
    if (old == before.end() || old->second != epoch) {
      out->push_back({std::string(kStateOrchestratorPrefix) + id, std::to_string(epoch)});
    }
  }
}

void AdoptStoredState(StoredClusterState&& stored, ClusterStateSnapshot* state) {
  state->version = stored.version;
  state->indices = std::move(stored.indices);
  state->routing = std::move(stored.routing);
  state->settings = std::move(stored.settings);
  state->index_templates = std::move(stored.index_templates);
  state->component_templates = std::move(stored.component_templates);
  state->legacy_templates = std::move(stored.legacy_templates);
  state->drains = std::move(stored.drains);
  state->orchestrator_epochs = std::move(stored.orchestrator_epochs);
}

Result<std::optional<StoredClusterState>> LoadClusterState(MetadataStore* store) {
  auto version = store->Get(kStateVersionKey);
  if (!version.ok()) {
    if (version.status().code() == StatusCode::kNotFound) return std::optional<StoredClusterState>();
    return version.status();
  }
  StoredClusterState state;
  auto parsed = ParseVersion(version.value());
  if (!parsed.ok()) return parsed.status();
  state.version = parsed.value();
  HOLDFAST_RETURN_IF_ERROR(ForEachDecoded(
      store, kStateMetadataPrefix, [&](std::string_view uuid, const std::string& key, std::string_view value) {
        auto metadata = DecodeIndexMetadata(value, key);
        if (!metadata.ok()) return metadata.status();
        if (metadata->uuid != uuid) return Status::Corruption(key + ": holds index uuid [" + metadata->uuid + "]");
        state.indices.emplace(std::string(uuid), std::move(metadata).value());
        return Status::OK();
      }));
  HOLDFAST_RETURN_IF_ERROR(ForEachDecoded(
      store, kStateRoutingPrefix, [&](std::string_view uuid, const std::string& key, std::string_view value) {
        auto routing = DecodeIndexRouting(value, key);
        if (!routing.ok()) return routing.status();
        auto index = state.indices.find(std::string(uuid));
        if (index == state.indices.end()) {
          state.orphan_keys.push_back(key);
          return Status::OK();
        }
        if (routing->shards.size() != index->second.settings.number_of_shards) {
          return Status::Corruption(key + ": " + std::to_string(routing->shards.size()) + " shards for index [" +
                                    index->second.name + "] of " +
                                    std::to_string(index->second.settings.number_of_shards));
        }
        state.routing.emplace(std::string(uuid), std::move(routing).value());
        return Status::OK();
      }));
  for (auto [prefix, into] : {std::pair{kStateIndexTemplatePrefix, &state.index_templates},
                              std::pair{kStateComponentTemplatePrefix, &state.component_templates},
                              std::pair{kStateLegacyTemplatePrefix, &state.legacy_templates}}) {
    HOLDFAST_RETURN_IF_ERROR(ForEachDecoded(store, prefix, [&](std::string_view name, const std::string&, std::string_view value) {
      into->emplace(std::string(name), std::string(value));
      return Status::OK();
    }));
  }
  HOLDFAST_RETURN_IF_ERROR(ForEachDecoded(
      store, kStateDrainPrefix, [&](std::string_view node_id, const std::string& key, std::string_view value) {
        auto drain = DecodeNodeDrain(value, key);
        if (!drain.ok()) return drain.status();
        state.drains.emplace(std::string(node_id), std::move(drain).value());
        return Status::OK();
      }));
  HOLDFAST_RETURN_IF_ERROR(ForEachDecoded(
      store, kStateOrchestratorPrefix, [&](std::string_view id, const std::string& key, std::string_view value) {
        auto epoch = ParseVersion(std::string(value));
        if (!epoch.ok()) return Status::Corruption(key + ": not an epoch");
        state.orchestrator_epochs.emplace(std::string(id), epoch.value());
        return Status::OK();
      }));
  auto settings = store->Get(kStateSettingsKey);
  if (settings.ok()) {
    rapidjson::Document d;
    d.Parse(settings->data(), settings->size());
    if (d.HasParseError() || !d.IsObject()) return Status::Corruption(std::string(kStateSettingsKey) + ": not a JSON object");
    for (const auto& m : d.GetObject()) {
      if (!m.value.IsString()) return Status::Corruption(std::string(kStateSettingsKey) + ": not an object of strings");
      state.settings.emplace(std::string(m.name.GetString(), m.name.GetStringLength()),
                             std::string(m.value.GetString(), m.value.GetStringLength()));
    }
  } else if (settings.status().code() != StatusCode::kNotFound) {
    return settings.status();
  }
  for (const auto& [uuid, index] : state.indices) {
    if (!state.routing.count(uuid)) {
      return Status::Corruption(StateRoutingKey(uuid) + ": missing for index [" + index.name + "]");
    }
  }
  return std::optional<StoredClusterState>(std::move(state));
}

Result<std::optional<std::map<std::string, std::string>>> ReadLegacyIndexList(MetadataStore* store) {
  auto stored = store->Get(kLegacyIndicesKey);
  if (!stored.ok()) {
    if (stored.status().code() == StatusCode::kNotFound) return std::optional<std::map<std::string, std::string>>();
    return stored.status();
  }
  const std::string what = std::string("node store key ") + kLegacyIndicesKey;
  rapidjson::Document d;
  d.Parse(stored->data(), stored->size());
  if (d.HasParseError() || !d.IsObject()) return Status::Corruption(what + ": not a JSON object");
  std::map<std::string, std::string> indices;
  for (const auto& member : d.GetObject()) {
    const std::string name(member.name.GetString(), member.name.GetStringLength());
    if (!member.value.IsString() || !IsUuid(member.value.GetString())) {
      return Status::Corruption(what + ": index [" + name + "] has a bad uuid");
    }
    indices[name] = member.value.GetString();
  }
  return std::optional<std::map<std::string, std::string>>(std::move(indices));
}

Result<IndexMetadata> ReadLegacyIndex(const std::string& indices_dir, const std::string& name,
                                      const std::string& uuid) {
  const std::string path = indices_dir + "/" + uuid + "/INDEX";
  auto bytes = ReadFileToString(path);
  if (!bytes.ok()) {
    if (bytes.status().code() == StatusCode::kNotFound) {
      return Status::Corruption(path + ": missing (the node store names index [" + name + "] with this uuid)");
    }
    return bytes.status();
  }
  auto metadata = DecodeIndexMetadata(bytes.value(), path);
  if (!metadata.ok()) return metadata.status();
  if (metadata->name != name || metadata->uuid != uuid) {
    return Status::Corruption(path + ": holds index [" + metadata->name + "/" + metadata->uuid +
                              "], the node store names [" + name + "/" + uuid + "]");
  }
  return metadata;
}

}  // namespace holdfast
