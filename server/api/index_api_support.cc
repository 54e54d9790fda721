#include "server/api/index_api_support.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <map>
#include <random>
#include <thread>

#include "index/mapping/mapping_error.h"
#include "index/util/comma_list.h"
#include "server/api/api_errors.h"
#include "server/api/index_api_settings.h"
#include "server/api/index_templates.h"

namespace holdfast {

namespace {

Status ParseException(std::string_view reason) { return Status::ParseValue(std::string(reason)); }

Status ValidationError(std::string_view reason) {
  return Status::Validation("Validation Failed: 1: " + std::string(reason) + ";");
}

}  // namespace

Status IndexNotFound(std::string_view name) {
  return Status::IndexNotFound("no such index [" + std::string(name) + "]");
}

Status IndexClosed() { return Status::IndexClosed("closed"); }

namespace {

// A document API reached `index` through alias `alias`: writes and gets
// take its index routing.
void NoteAliasRouting(std::string_view alias, IndexHandle* handle) {
  auto it = handle->aliases().find(std::string(alias));
  if (it != handle->aliases().end() && !it->second.index_routing.empty()) {
    handle->set_alias_index_routing(std::string(alias), it->second.index_routing);
  }
}

}  // namespace

Result<std::shared_ptr<IndexHandle>> FindIndex(ClusterIndices& registry, std::string_view name) {
  std::shared_ptr<IndexHandle> index = registry.Get(name);
  if (!index) {
    // An alias of one index names that index.
    auto single = registry.cluster()->Current()->SingleIndexOf(name);
    if (!single.ok()) return single.status();
    if (*single != nullptr) {
      index = registry.Get((*single)->name);
      if (index) NoteAliasRouting(name, index.get());
    }
  }
  if (!index) return IndexNotFound(name);
  if (index->closed()) return IndexClosed();
  return index;
}

Result<std::shared_ptr<IndexHandle>> IndexForWrite(ClusterIndices& registry, const std::string& name) {
  auto open = [](std::shared_ptr<IndexHandle> index) -> Result<std::shared_ptr<IndexHandle>> {
    if (index->closed()) return IndexClosed();
    return index;
  };
  if (auto index = registry.Get(name)) return open(std::move(index));
  // A write through an alias goes to its write index.
  auto write = registry.cluster()->Current()->WriteIndexOf(name);
  if (!write.ok()) return write.status();
  if (*write != nullptr) {
    if (auto index = registry.Get((*write)->name)) {
      NoteAliasRouting(name, index.get());
      return open(std::move(index));
    }
  }
  HOLDFAST_RETURN_IF_ERROR(ValidateIndexName(name));
  // The defaults, under the index template that matches the name.
  auto composed = ComposeCreateIndexBody(*registry.cluster()->Current(), name, "");
  if (!composed.ok()) return composed.status();
  auto body = ParseCreateIndexBody(*composed);
  if (!body.ok()) return body.status();
  auto created = registry.Create(name, body->settings, body->mapping, body->aliases);
  if (created.ok()) {
    spdlog::info("auto-created index [{}] on first write", name);
    return created;
  }
  if (created.status().kind() == StatusCode::kResourceAlreadyExists) {  // a concurrent write created it
    if (auto index = registry.Get(name)) return open(std::move(index));
  }
  return created.status();
}

IndicesOptions ClosedIndicesAllowed(bool closed_too) {
  IndicesOptions o;
  o.forbid_closed = false;
  o.expand_closed = closed_too;
  return o;
}

Result<rapidjson::Document> ParseBodyObject(const HttpRequest& req) {
  rapidjson::Document d;
  if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) {
    d.SetObject();
    return d;
  }
  HOLDFAST_RETURN_IF_ERROR(CheckJsonText(req.body));
  d.Parse(req.body.data(), req.body.size());
  if (d.HasParseError() || !d.IsObject()) return Status::ParseValue("the request body must be a JSON object");
  return d;
}

Result<bool> BoolQueryParam(const HttpRequest& req, std::string_view name, bool fallback) {
  if (!req.HasQueryParam(name)) return fallback;
  const std::string v = req.QueryParam(name);
  if (v == "true" || v.empty()) return true;
  if (v == "false") return false;
  return mapping::IllegalArgumentError("Failed to parse value [" + v + "] as only [true] or [false] are allowed.");
}

Result<IndicesOptions> ParseIndicesOptions(const HttpRequest& req, IndicesOptions defaults) {
  IndicesOptions out = defaults;
  auto flag = [&](const char* name, bool* value) -> Status {
    auto parsed = BoolQueryParam(req, name, *value);
    if (!parsed.ok()) return parsed.status();
    *value = *parsed;
    return Status::OK();
  };
  HOLDFAST_RETURN_IF_ERROR(flag("ignore_unavailable", &out.ignore_unavailable));
  HOLDFAST_RETURN_IF_ERROR(flag("allow_no_indices", &out.allow_no_indices));
  if (req.HasQueryParam("expand_wildcards")) {
    bool open = false, closed = false;
    for (const std::string& v : SplitCommaList(req.QueryParam("expand_wildcards"))) {
      if (v == "open" || v == "all") open = true;
      if (v == "closed" || v == "all") closed = true;
      if (v != "open" && v != "closed" && v != "all" && v != "hidden" && v != "none") {
        return mapping::IllegalArgumentError("No enum constant for expand_wildcards [" + v +
                                             "]: expected one of [open, closed, hidden, none, all]");
      }
    }
    out.expand_open = open;
    out.expand_closed = closed;
  }
  return out;
}

Result<std::vector<std::shared_ptr<IndexHandle>>> ResolveRequestIndices(ClusterIndices& registry,
                                                                        const HttpRequest& req,
                                                                        const IndicesOptions& defaults) {
  auto options = ParseIndicesOptions(req, defaults);
  if (!options.ok()) return options.status();
  return ResolveIndices(registry, req.PathParam("index"), *options);
}

Result<std::vector<std::shared_ptr<IndexHandle>>> ResolveIndices(ClusterIndices& registry,
                                                                std::string_view expression,
                                                                const IndicesOptions& options) {
  auto targets = registry.cluster()->Current()->ResolveSearchTargets(
      expression.empty() ? std::string_view("_all") : expression, options);
  if (!targets.ok()) return targets.status();
  std::vector<std::shared_ptr<IndexHandle>> out;
  out.reserve(targets->size());
  for (const ClusterStateSnapshot::SearchTarget& target : *targets) {
    auto index = registry.Get(target.name);
    if (!index) continue;  // deleted meanwhile
    if (target.filters.size() == 1) {
      index->set_alias_filter(target.filters[0]);
    } else if (!target.filters.empty()) {  // reached through several filtered aliases: any of them
      std::string any = R"({"bool":{"should":[)";
      for (size_t i = 0; i < target.filters.size(); ++i) any += (i ? "," : "") + target.filters[i];
      any += R"(],"minimum_should_match":1}})";
      index->set_alias_filter(std::move(any));
    }
    if (!target.search_routing.empty()) index->set_alias_search_routing(target.search_routing);
    out.push_back(std::move(index));
  }
  return out;
}

Status CheckJsonText(std::string_view json, size_t max_nesting) {
  if (!simdjson::validate_utf8(json.data(), json.size())) {
    return ParseException("the request body is not valid UTF-8");
  }
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_nesting) {
        return ParseException("the request body nests deeper than [" + std::to_string(max_nesting) + "] levels");
      }
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return Status::OK();
}

Status JsonError(std::string_view what, simdjson::error_code error) {
  return ParseException(std::string(what) + ": " + simdjson::error_message(error));
}

Status JsonBody::Parse(std::string_view body) {
  HOLDFAST_RETURN_IF_ERROR(CheckJsonText(body));
  buffer_ = simdjson::padded_string(body);
  if (auto error = parser_.iterate(buffer_).get(doc_); error) return JsonError("failed to parse the request body", error);
  return Status::OK();
}

Result<std::optional<int64_t>> Int64Param(const HttpRequest& req, std::string_view name) {
  if (!req.HasQueryParam(name)) return std::optional<int64_t>();
  const std::string text = req.QueryParam(name);
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return mapping::IllegalArgumentError("failed to parse [" + std::string(name) + "] with value [" + text +
                                         "] as a number");
  }
  return std::optional<int64_t>(v);
}

Status CheckConcurrencyPair(const std::optional<int64_t>& if_seq_no, const std::optional<int64_t>& if_primary_term) {
  if (if_seq_no && !if_primary_term) return ValidationError("ifSeqNo is set, but primary term is [0]");
  if (if_primary_term && !if_seq_no) return ValidationError("ifPrimaryTerm is set, but seq_no is unassigned");
  if (if_seq_no && *if_seq_no < 0) return ValidationError("ifSeqNo must be non-negative");
  if (if_primary_term && *if_primary_term <= 0) return ValidationError("ifPrimaryTerm must be positive");
  return Status::OK();
}

Status ApplyVersion(std::optional<int64_t> version, std::string_view version_type, bool for_update,
                    WriteRequest* w) {
  const bool external = version_type == "external" || version_type == "external_gte";
  if (!version_type.empty() && !external && version_type != "internal") {
    return mapping::IllegalArgumentError("No version type match [" + std::string(version_type) + "]");
  }
  if (!external) {
    if (!version) return Status::OK();
    return ValidationError("internal versioning can not be used for optimistic concurrency control. "
                           "Please use `if_seq_no` and `if_primary_term` instead");
  }
  if (for_update) {
    return ValidationError("version type [" + std::string(version_type) + "] is not supported by the update API");
  }
  const std::string name = version_type == "external" ? "EXTERNAL" : "EXTERNAL_GTE";
  if (!version || *version < 0) {
    return ValidationError("illegal version value [" + std::to_string(version.value_or(-3)) +
                           "] for version type [" + name + "]");
  }
  if (w->type == WriteOpType::kCreate) {
    return ValidationError("create operations only support internal versioning. use index instead");
  }
  if (w->if_seq_no || w->if_primary_term) {
    return ValidationError("compare and write operations can not use versioning");
  }
  w->external_version = version;
  w->external_gte = version_type == "external_gte";
  return Status::OK();
}

Status ValidateDocumentId(std::string_view id) {
  // As Elasticsearch: an IllegalArgumentException of the index request.
  if (id.empty()) return mapping::IllegalArgumentError("if _id is specified it must not be empty");
  if (id.size() > 512) {
    return ValidationError("id [" + std::string(id.substr(0, 32)) + "...] is too long, must be no longer than 512 bytes but was: " +
                           std::to_string(id.size()));
  }
  return Status::OK();
}

std::string NewDocumentId() {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  static std::atomic<uint32_t> sequence{static_cast<uint32_t>(std::random_device{}())};
  thread_local std::mt19937_64 random(std::random_device{}() ^
                                      std::hash<std::thread::id>{}(std::this_thread::get_id()));
  const uint64_t ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::system_clock::now().time_since_epoch()).count());
  const uint32_t seq = sequence.fetch_add(1, std::memory_order_relaxed);
  const uint64_t rnd = random();
  uint8_t bytes[15];
  for (int i = 0; i < 6; ++i) bytes[i] = static_cast<uint8_t>(ms >> (8 * (5 - i)));
  for (int i = 0; i < 3; ++i) bytes[6 + i] = static_cast<uint8_t>(seq >> (8 * (2 - i)));
  for (int i = 0; i < 6; ++i) bytes[9 + i] = static_cast<uint8_t>(rnd >> (8 * i));
  std::string id;
  id.reserve(20);
  for (int i = 0; i < 15; i += 3) {
    const uint32_t v = (uint32_t{bytes[i]} << 16) | (uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) id.push_back(kAlphabet[(v >> shift) & 63]);
  }
  return id;
}

Result<RefreshPolicy> ParseRefreshPolicy(const HttpRequest& req) {
  if (!req.HasQueryParam("refresh")) return RefreshPolicy::kNone;
  const std::string v = req.QueryParam("refresh");
  if (v.empty() || v == "true") return RefreshPolicy::kImmediate;
  if (v == "false") return RefreshPolicy::kNone;
  if (v == "wait_for") return RefreshPolicy::kWaitFor;
  return mapping::IllegalArgumentError("Unknown value for refresh: [" + v + "].");
}

bool ApplyRefresh(IndexHandle& index, RefreshPolicy policy, const WrittenOps& written) {
  if (policy == RefreshPolicy::kNone || written.empty()) return false;
  std::map<uint32_t, int64_t> highest;  // shard → highest seq_no written
  for (const auto& [shard, seq] : written) {
    auto [it, fresh] = highest.emplace(shard, seq);
    if (!fresh) it->second = std::max(it->second, seq);
  }
  auto refresh_written = [&] {
    for (const auto& [shard, seq] : highest) {
      Status s = index.RefreshShard(shard);
      if (!s.ok()) spdlog::warn("refresh of [{}][{}] failed: {}", index.name(), shard, s.ToString());
    }
    return true;
  };
  if (policy == RefreshPolicy::kImmediate || index.settings().refresh_interval.count() <= 0) return refresh_written();
  WrittenOps pairs(highest.begin(), highest.end());
  if (index.WaitForRefresh(pairs, std::chrono::seconds(30))) return false;
  return refresh_written();
}

int WriteStatusCode(const WriteResult& result) {
  if (!result.status.ok()) {
    return HttpStatusForKind(result.status.kind());
  }
  if (result.outcome == WriteOutcome::kCreated) return 201;
  if (result.outcome == WriteOutcome::kNotFound) return 404;
  return 200;
}

void WriteShardsHeader(JsonWriter& w, uint64_t total, uint64_t successful, uint64_t failed) {
  w.Key("_shards").StartObject().Field("total", total).Field("successful", successful).Field("failed", failed);
  w.EndObject();
}

void WriteDocumentResult(JsonWriter& w, const IndexHandle& index, std::string_view id, const WriteResult& result,
                         bool forced_refresh) {
  w.Field("_index", index.name()).Field("_type", "_doc").Field("_id", id);
  w.Field("_version", result.version).Field("result", WriteOutcomeName(result.outcome));
  if (forced_refresh) w.Field("forced_refresh", true);
  if (result.outcome == WriteOutcome::kNoop) {
    WriteShardsHeader(w, 0, 0);
  } else if (result.copies_total > 0) {
    WriteShardsHeader(w, result.copies_total, result.copies_successful, result.copies_failed);
  } else {
    WriteShardsHeader(w, 1 + uint64_t{index.settings().number_of_replicas}, 1);
  }
  w.Field("_seq_no", result.stamp.seq_no).Field("_primary_term", result.stamp.primary_term);
}

void WriteErrorMember(JsonWriter& w, const Status& status, const IndexHandle* index, std::string_view index_name) {
  w.Key("error").StartObject().Field("type", ErrorTypeForKind(status.kind())).Field("reason", status.message());
  if (index != nullptr) w.Field("index_uuid", index->uuid());
  if (!index_name.empty()) w.Field("index", index_name);
  w.EndObject();
}

void WriteGetResult(JsonWriter& w, std::string_view index_name, std::string_view id, const GetResult& result,
                    const SourceFilter& source) {
  w.Field("_index", index_name).Field("_type", "_doc").Field("_id", id);
  if (result.found) {
    w.Field("_version", result.version).Field("_seq_no", result.stamp.seq_no);
    w.Field("_primary_term", result.stamp.primary_term);
    if (!result.routing.empty()) w.Field("_routing", result.routing);
  }
  w.Field("found", result.found);
  if (result.found && source.enabled()) {
    if (source.filters()) {
      std::string filtered;
      source.Render(result.source, &filtered);
      w.Key("_source").RawJson(filtered);
    } else {
      w.Key("_source").RawJson(result.source);
    }
  }
}

SourceFilter SourceFilterOf(const HttpRequest& req) {
  return SourceFilter::FromParams(req.QueryParam("_source"), req.QueryParam("_source_includes"),
                                  req.QueryParam("_source_excludes"));
}

HttpResponse JsonResponse(int status, JsonWriter& w) {
  HttpResponse r;
  r.status = status;
  r.body = w.TakeString();
  return r;
}

}  // namespace holdfast
