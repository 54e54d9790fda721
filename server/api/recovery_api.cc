// Peer recoveries across the cluster, Elasticsearch-shaped:
//
//   GET /_recovery, /{index}/_recovery   per index, its shards' recoveries:
//                                        type, stage, source and target
//                                        node, files, bytes, ops, times
//   GET /_cat/recovery[/{index}]         the same as a table; ?h= adds
//                                        method (ops | files), files_reused
//                                        and bytes_reused
//
// Every node keeps the recoveries it ran as target (moves, new replicas,
// returning copies); the node asked gathers them from every member over
// the Shard service (Recoveries), in parallel, each call with a deadline.
// `active_only=true` keeps the running ones. A member that does not answer
// is left out (its recoveries are unknown), and the answer says so in a
// Warning header. Copies that never recovered from a peer (a new primary,
// a copy reopened from its own volume) are not listed.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "index/util/clock.h"
#include "replication/shard_client.h"
#include "server/api/api_errors.h"
#include "server/api/cat_table.h"
#include "server/api/index_api_support.h"
#include "server/coordinator/cluster_indices.h"
#include "server/coordinator/shard_router.h"
#include "server/http/json_writer.h"

namespace holdfast {

namespace {

constexpr std::chrono::seconds kGatherTimeout{10};

struct Gathered {
  ClusterStatePtr state;  // the view they were gathered by
  // Target node id and its recoveries, in the order they started.
  std::vector<std::pair<std::string, pb::RecoveryInfo>> recoveries;
  std::vector<std::string> unanswered;  // "node name: why"
};

// The recoveries of the indices in `uuids` (every index when empty) from
// every member of the cluster.
Gathered Gather(ClusterIndices& registry, const ClusterStateSnapshot& state, const std::set<std::string>& uuids,
                bool active_only) {
  Gathered out;
  const size_t n = state.nodes.size();
  std::vector<std::string> ids;
  std::vector<pb::RecoveriesRequest> requests(n);
  std::vector<pb::RecoveriesResponse> responses(n);
  std::vector<ShardCall> calls(n);
  std::vector<std::unique_ptr<ShardClient::PendingBatch>> pending(n);
  std::vector<Status> statuses(n, Status::OK());
  const Deadline deadline = DeadlineIn(kGatherTimeout);
  size_t i = 0;
  for (const auto& [id, node] : state.nodes) {
    ids.push_back(id);
    requests[i].set_active_only(active_only);
    if (uuids.size() == 1) requests[i].set_index_uuid(*uuids.begin());
    auto client = registry.router()->ClientFor(state, id);
    if (!client.ok()) {
      statuses[i] = client.status();
    } else {
      calls[i] = ShardCall{ShardMethod::kRecoveries, &requests[i], &responses[i], Status::OK()};
      pending[i] = (*client)->StartBatch(std::span<ShardCall>(&calls[i], 1), deadline);
    }
    ++i;
  }
  for (i = 0; i < n; ++i) {
    if (pending[i]) {
      pending[i]->Wait();
      statuses[i] = calls[i].status;
    }
    if (!statuses[i].ok()) {
      auto node = state.nodes.find(ids[i]);
      out.unanswered.push_back((node != state.nodes.end() ? node->second.name : ids[i]) + ": " +
                               statuses[i].message());
      continue;
    }
    for (const pb::RecoveryInfo& r : responses[i].recoveries()) {
      if (!uuids.empty() && uuids.count(r.shard().index_uuid()) == 0) continue;
      out.recoveries.emplace_back(ids[i], r);
    }
  }
  // By index, shard, then start.
  std::stable_sort(out.recoveries.begin(), out.recoveries.end(), [](const auto& a, const auto& b) {
    if (a.second.index_name() != b.second.index_name()) return a.second.index_name() < b.second.index_name();
    if (a.second.shard().shard() != b.second.shard().shard()) return a.second.shard().shard() < b.second.shard().shard();
    return a.second.start_time_ms() < b.second.start_time_ms();
  });
  return out;
}

// The request's indices (all without {index}) as uuids: an empty set is
// every index.
Result<std::set<std::string>> RequestedUuids(ClusterIndices& registry, const HttpRequest& req) {
  std::set<std::string> uuids;
  if (req.PathParam("index").empty()) return uuids;
  auto indices = ResolveRequestIndices(registry, req);
  if (!indices.ok()) return indices.status();
  for (const auto& index : *indices) uuids.insert(index->uuid());
  if (uuids.empty()) uuids.insert("");  // matched nothing: list nothing
  return uuids;
}

// What the request asks for ({index}, active_only) from every member.
Result<Gathered> GatherForRequest(ClusterIndices& registry, const HttpRequest& req) {
  auto uuids = RequestedUuids(registry, req);
  if (!uuids.ok()) return uuids.status();
  ClusterStatePtr state = registry.cluster()->Current();
  Gathered g = Gather(registry, *state, *uuids, req.QueryParam("active_only") == "true");
  g.state = std::move(state);
  return g;
}

std::string Percent(uint64_t done, uint64_t total) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%.1f%%",
                total == 0 ? 100.0 : 100.0 * static_cast<double>(done) / static_cast<double>(total));
  return buf;
}

int64_t TimeMs(const pb::RecoveryInfo& r, int64_t now) {
  return std::max<int64_t>(0, (r.stop_time_ms() > 0 ? r.stop_time_ms() : now) - r.start_time_ms());
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Elasticsearch's Warning header form: 299 <agent> "<text>".
void AddWarning(const Gathered& g, HttpResponse* response) {
  if (g.unanswered.empty()) return;
  std::string text = "recoveries of nodes that did not answer are left out:";
  for (const std::string& u : g.unanswered) text += " [" + u + "]";
  std::replace(text.begin(), text.end(), '"', '\'');
  response->headers.emplace_back("Warning", "299 holdfast \"" + text + "\"");
}

void WriteNode(JsonWriter& w, const ClusterStateSnapshot& state, const std::string& id) {
  w.StartObject().Field("id", id);
  auto node = state.nodes.find(id);
  if (node != state.nodes.end()) {
    w.Field("host", IpOf(node->second.http_address)).Field("transport_address", node->second.grpc_address);
    w.Field("ip", IpOf(node->second.http_address)).Field("name", node->second.name);
  }
  w.EndObject();
}

// Whether the copy of `shard` on `node_id` is the primary now.
bool IsPrimaryOn(const ClusterStateSnapshot& state, const pb::ShardId& shard, const std::string& node_id) {
  const ShardRouting* routing = state.RoutingOf(ShardId{shard.index_uuid(), shard.shard()});
  if (routing == nullptr) return false;
  for (const ShardCopyRouting& copy : routing->copies) {
    if (copy.node_id == node_id) return copy.primary;
  }
  return false;
}

HttpResponse IndicesRecovery(const Gathered& g, const HttpRequest&) {
  const ClusterStatePtr& state = g.state;
  const int64_t now = WallClockMs();
  std::map<std::string, std::vector<const std::pair<std::string, pb::RecoveryInfo>*>> by_index;
  for (const auto& r : g.recoveries) by_index[r.second.index_name()].push_back(&r);
  JsonWriter w;
  w.StartObject();
  for (const auto& [name, list] : by_index) {
    w.Key(name).StartObject().Key("shards").StartArray();
    for (const auto* entry : list) {
      const std::string& target = entry->first;
      const pb::RecoveryInfo& r = entry->second;
      w.StartObject();
      w.Field("id", static_cast<uint64_t>(r.shard().shard())).Field("type", "PEER").Field("stage", Upper(r.stage()));
      w.Field("primary", IsPrimaryOn(*state, r.shard(), target));
      w.Field("start_time_in_millis", r.start_time_ms());
      if (r.stop_time_ms() > 0) w.Field("stop_time_in_millis", r.stop_time_ms());
      w.Field("total_time_in_millis", TimeMs(r, now));
      w.Key("source");
      WriteNode(w, *state, r.source_node_id());
      w.Key("target");
      WriteNode(w, *state, target);
      w.Field("method", r.method());
      w.Key("index").StartObject();
      w.Key("size").StartObject();
      w.Field("total_in_bytes", r.bytes_total()).Field("reused_in_bytes", r.bytes_reused());
      w.Field("recovered_in_bytes", r.bytes_recovered());
      w.Field("percent", Percent(r.bytes_recovered() + r.bytes_reused(), r.bytes_total()));
      w.EndObject();
      w.Key("files").StartObject();
      w.Field("total", r.files_total()).Field("reused", r.files_reused()).Field("recovered", r.files_recovered());
      w.Field("percent", Percent(r.files_recovered() + r.files_reused(), r.files_total()));
      w.EndObject();
      w.EndObject();
      w.Key("translog").StartObject();
      w.Field("recovered", r.ops()).Field("total", r.ops()).Field("percent", "100.0%");
      w.EndObject();
      w.EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndObject();
  return JsonResponse(200, w);
}

HttpResponse CatRecovery(const Gathered& g, const HttpRequest& req) {
  const ClusterStatePtr& state = g.state;
  CatTable table({{"index", false}, {"shard", true}, {"time", true}, {"type", false}, {"stage", false},
                  {"source_node", false}, {"target_node", false}, {"files", true}, {"files_recovered", true},
                  {"files_percent", true}, {"bytes", true}, {"bytes_recovered", true}, {"bytes_percent", true},
                  {"translog_ops", true}, {"method", false, false}, {"files_reused", true, false},
                  {"bytes_reused", true, false}});
  auto name_of = [&](const std::string& id) {
    auto n = state->nodes.find(id);
    return n == state->nodes.end() ? id : n->second.name;
  };
  const int64_t now = WallClockMs();
  for (const auto& [target, r] : g.recoveries) {
    table.AddRow({r.index_name(), std::to_string(r.shard().shard()), std::to_string(TimeMs(r, now)) + "ms",
                  r.relocation() ? "peer (relocation)" : "peer", r.stage(), name_of(r.source_node_id()),
                  name_of(target), std::to_string(r.files_total()), std::to_string(r.files_recovered()),
                  Percent(r.files_recovered() + r.files_reused(), r.files_total()), std::to_string(r.bytes_total()),
                  std::to_string(r.bytes_recovered()), Percent(r.bytes_recovered() + r.bytes_reused(), r.bytes_total()),
                  std::to_string(r.ops()), r.method(), std::to_string(r.files_reused()),
                  std::to_string(r.bytes_reused())});
  }
  return table.Render(req);
}

// A handler that gathers what the request asks for, renders it with
// `render` and names the members that did not answer.
RegistryHandler Recoveries(HttpResponse (*render)(const Gathered&, const HttpRequest&)) {
  return [render](ClusterIndices& registry, const HttpRequest& req) {
    auto gathered = GatherForRequest(registry, req);
    if (!gathered.ok()) return ErrorFromStatus(gathered.status());
    HttpResponse response = render(gathered.value(), req);
    AddWarning(gathered.value(), &response);
    return response;
  };
}

}  // namespace

void AddRecoveryApiRoutes(ApiContext* ctx, HttpRouter* router) {
  for (const char* pattern : {"/_recovery", "/{index}/_recovery"}) {
    router->Add(HttpMethod::kGet, pattern, "indices_recovery", WithIndices(ctx, Recoveries(IndicesRecovery)));
  }
  for (const char* pattern : {"/_cat/recovery", "/_cat/recovery/{index}"}) {
    router->Add(HttpMethod::kGet, pattern, "cat_recovery", WithIndices(ctx, Recoveries(CatRecovery)));
  }
}

}  // namespace holdfast
