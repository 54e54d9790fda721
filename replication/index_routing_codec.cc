#include "replication/index_routing_codec.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace holdfast {

namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void String(JsonWriter& w, std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }

void WriteCopy(JsonWriter& w, const ShardCopyRouting& copy) {
  w.StartObject();
  w.Key("node_id");
  String(w, copy.node_id);
  w.Key("primary");
  w.Bool(copy.primary);
  w.Key("state");
  w.String(ShardCopyStateName(copy.state));
  w.Key("allocation_id");
  String(w, copy.allocation_id);
  w.Key("failure");
  String(w, copy.failure);
  // Written only when set (readers of format 1 without them see defaults).
  auto optional = [&](const char* key, const std::string& value) {
    if (value.empty()) return;
    w.Key(key);
    String(w, value);
  };
  optional("unassigned_reason", copy.unassigned_reason);
  if (copy.unassigned_at_ms != 0) {
    w.Key("unassigned_at_ms");
    w.Int64(copy.unassigned_at_ms);
  }
  optional("last_node_id", copy.last_node_id);
  optional("relocating_node_id", copy.relocating_node_id);
  optional("relocation_id", copy.relocation_id);
  optional("forced_primary", copy.forced_primary);
  w.EndObject();
}

// Reads the members of one JSON object, remembering the first problem.
class Fields {
 public:
  Fields(const rapidjson::Value& object, std::string* error, std::string where)
      : object_(object), error_(error), where_(std::move(where)) {}

  std::string Str(const char* key) {
    const rapidjson::Value* v = Member(key);
    if (v == nullptr || !v->IsString()) {
      Fail(key, "");
      return {};
    }
    return std::string(v->GetString(), v->GetStringLength());
  }
  bool Bool(const char* key) {
    const rapidjson::Value* v = Member(key);
    if (v == nullptr || !v->IsBool()) {
      Fail(key, "");
      return false;
    }
    return v->GetBool();
  }
  int64_t Int(const char* key) {
    const rapidjson::Value* v = Member(key);
    if (v == nullptr || !v->IsInt64()) {
      Fail(key, "");
      return 0;
    }
    return v->GetInt64();
  }
  // Optional members: absent → the default; present → must have the type.
  std::string OptStr(const char* key) { return Member(key) ? Str(key) : std::string(); }
  int64_t OptInt(const char* key) { return Member(key) ? Int(key) : 0; }
  const rapidjson::Value* Array(const char* key) {
    const rapidjson::Value* v = Member(key);
    if (v == nullptr || !v->IsArray()) {
      Fail(key, "");
      return nullptr;
    }
    return v;
  }
  void Fail(const char* key, const std::string& why) {
    if (!error_->empty()) return;
    *error_ = where_ + (where_.empty() ? "" : ".") + key + ": " + (why.empty() ? "missing or of the wrong type" : why);
  }

 private:
  const rapidjson::Value* Member(const char* key) const {
    auto it = object_.FindMember(key);
    return it == object_.MemberEnd() ? nullptr : &it->value;
  }

  const rapidjson::Value& object_;
  std::string* error_;
  std::string where_;
};

ShardCopyRouting ReadCopy(const rapidjson::Value& v, std::string* error, const std::string& where) {
  ShardCopyRouting copy;
  if (!v.IsObject()) {
    if (error->empty()) *error = where + ": not an object";
    return copy;
  }
  Fields f(v, error, where);
  copy.node_id = f.Str("node_id");
  copy.primary = f.Bool("primary");
  std::string state = f.Str("state");
  if (auto parsed = ShardCopyStateFromName(state)) {
    copy.state = *parsed;
  } else {
    f.Fail("state", "unknown state [" + state + "]");
  }
  copy.allocation_id = f.Str("allocation_id");
  copy.failure = f.Str("failure");
  copy.unassigned_reason = f.OptStr("unassigned_reason");
  copy.unassigned_at_ms = f.OptInt("unassigned_at_ms");
  copy.last_node_id = f.OptStr("last_node_id");
  copy.relocating_node_id = f.OptStr("relocating_node_id");
  copy.relocation_id = f.OptStr("relocation_id");
  copy.forced_primary = f.OptStr("forced_primary");
  return copy;
}

ShardRouting ReadShard(const rapidjson::Value& v, uint32_t number, std::string* error) {
  ShardRouting shard;
  const std::string where = "shards[" + std::to_string(number) + "]";
  if (!v.IsObject()) {
    if (error->empty()) *error = where + ": not an object";
    return shard;
  }
  Fields f(v, error, where);
  if (f.Int("shard") != static_cast<int64_t>(number)) f.Fail("shard", "does not match its position");
  shard.shard = number;
  shard.primary_term = f.Int("primary_term");
  if (const rapidjson::Value* in_sync = f.Array("in_sync")) {
    for (const auto& id : in_sync->GetArray()) {
      if (!id.IsString()) f.Fail("in_sync", "not an array of strings");
      if (id.IsString()) shard.in_sync.emplace_back(id.GetString(), id.GetStringLength());
    }
  }
  if (const rapidjson::Value* copies = f.Array("copies")) {
    for (rapidjson::SizeType i = 0; i < copies->Size(); ++i) {
      shard.copies.push_back(ReadCopy((*copies)[i], error, where + ".copies[" + std::to_string(i) + "]"));
    }
  }
  return shard;
}

}  // namespace

std::optional<ShardCopyState> ShardCopyStateFromName(std::string_view name) {
  for (ShardCopyState s : {ShardCopyState::kUnassigned, ShardCopyState::kInitializing, ShardCopyState::kStarted,
                           ShardCopyState::kRelocating, ShardCopyState::kClosed, ShardCopyState::kFailed}) {
    if (name == ShardCopyStateName(s)) return s;
  }
  return std::nullopt;
}

std::string EncodeIndexRouting(const IndexRouting& routing) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("format_version");
  w.Int(kIndexRoutingFormatVersion);
  w.Key("shards");
  w.StartArray();
  for (const ShardRouting& shard : routing.shards) {
    w.StartObject();
    w.Key("shard");
    w.Uint(shard.shard);
    w.Key("primary_term");
    w.Int64(shard.primary_term);
    w.Key("in_sync");
    w.StartArray();
    for (const std::string& id : shard.in_sync) String(w, id);
    w.EndArray();
    w.Key("copies");
    w.StartArray();
    for (const ShardCopyRouting& copy : shard.copies) WriteCopy(w, copy);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

Result<IndexRouting> DecodeIndexRouting(std::string_view json, std::string_view what) {
  const std::string name(what);
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  if (d.HasParseError() || !d.IsObject()) return Status::Corruption(name + ": not a JSON object");
  std::string error;
  Fields f(d, &error, "");
  const int64_t format = f.Int("format_version");
  if (!error.empty()) return Status::Corruption(name + ": " + error);
  if (format > kIndexRoutingFormatVersion) {
    return Status::FailedPrecondition(name + ": routing format " + std::to_string(format) +
                                      " is newer than this holdfast reads (" +
                                      std::to_string(kIndexRoutingFormatVersion) + ")");
  }
  IndexRouting routing;
  if (const rapidjson::Value* shards = f.Array("shards")) {
    for (rapidjson::SizeType i = 0; i < shards->Size(); ++i) {
      routing.shards.push_back(ReadShard((*shards)[i], i, &error));
    }
  }
  if (!error.empty()) return Status::Corruption(name + ": " + error);
  return routing;
}

}  // namespace holdfast
