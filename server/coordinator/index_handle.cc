#include "server/coordinator/index_handle.h"

#include <future>
#include <thread>

#include <algorithm>
#include <map>

#include "replication/proto_convert.h"
#include "replication/shard_routing.h"

namespace holdfast {

namespace {
WriteResult FailedWrite(Status status) {
  WriteResult r;
  r.status = std::move(status);
  return r;
}
}  // namespace

IndexHandle::IndexHandle(ClusterStatePtr state, const IndexMetadata* metadata, const ShardRouter* router,
                         ClusterState* cluster)
    : state_(std::move(state)), metadata_(metadata), router_(router), cluster_(cluster) {}

uint32_t IndexHandle::ShardOf(std::string_view id, std::string_view routing) const {
  return ShardOfRouting(id, routing, num_shards());
}

Result<std::string> IndexHandle::RoutingFor(std::string_view id, std::string_view routing) const {
  if (!alias_index_routing_.empty()) {
    if (alias_index_routing_.find(',') != std::string::npos) {
      return Status::InvalidArgument("index/alias [" + alias_name_ + "] provided with routing value [" +
                                     alias_index_routing_ +
                                     "] that resolved to several routing values, rejecting operation");
    }
    if (!routing.empty() && routing != alias_index_routing_) {
      return Status::InvalidArgument("Alias [" + alias_name_ + "] has index routing associated with it [" +
                                     alias_index_routing_ + "], and was provided with routing value [" +
                                     std::string(routing) + "], rejecting operation");
    }
    return alias_index_routing_;
  }
  if (routing.empty() && metadata_->mapping != nullptr && metadata_->mapping->routing_required()) {
    return Status::RoutingMissing("routing is required for [" + name() + "]/[" + std::string(id) + "]");
  }
  return std::string(routing);
}

std::optional<std::set<uint32_t>> IndexHandle::SearchShards(const std::vector<std::string>& routing) const {
  std::set<std::string_view> values(alias_search_routing_.begin(), alias_search_routing_.end());
  if (!alias_search_routing_.empty() && !routing.empty()) {
    std::erase_if(values,
                  [&](std::string_view v) { return std::find(routing.begin(), routing.end(), v) == routing.end(); });
  } else if (alias_search_routing_.empty()) {
    values.insert(routing.begin(), routing.end());
  }
  if (values.empty()) return std::nullopt;
  std::set<uint32_t> shards;
  for (std::string_view v : values) shards.insert(ShardOfId(v, num_shards()));
  return shards;
}

Result<ShardTarget> IndexHandle::Primary(uint32_t shard) const { return router_->Primary(*state_, shard_id(shard)); }

namespace {

constexpr int kMovedRetries = 3;
constexpr std::chrono::seconds kMovedWait{10};

}  // namespace

namespace {

void SetCopies(const pb::ReplicationInfo& info, WriteResult* result) {
  result->copies_total = info.total();
  result->copies_successful = info.successful();
  result->copies_failed = info.failed();
}

}  // namespace

template <typename Call>
Status IndexHandle::OnPrimary(uint32_t shard, const Call& call) const {
  ClusterStatePtr state = state_;
  for (int attempt = 0;; ++attempt) {
    auto to = router_->Primary(*state, shard_id(shard));
    if (!to.ok()) return to.status();
    Status st = call(to.value());
    // kFenced: the request was not applied (the primary moved or its term
    // is older): once the cluster state names the new primary, send it there.
    if (st.code() != StatusCode::kFenced || cluster_ == nullptr || attempt >= kMovedRetries) return st;
    const ShardRouting* before = state->RoutingOf(shard_id(shard));
    const std::string old_allocation = before != nullptr && before->primary() ? before->primary()->allocation_id : "";
    const auto deadline = std::chrono::steady_clock::now() + kMovedWait;
    ClusterStatePtr next = cluster_->Current();
    while (std::chrono::steady_clock::now() < deadline) {
      const ShardRouting* now = next->RoutingOf(shard_id(shard));
      const ShardCopyRouting* primary = now != nullptr ? now->primary() : nullptr;
      if (primary != nullptr && primary->allocation_id != old_allocation &&
          (primary->state == ShardCopyState::kStarted || primary->state == ShardCopyState::kRelocating)) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      next = cluster_->Current();
    }
    if (next->version == state->version) return st;
    state = next;
  }
}

std::vector<WriteResult> IndexHandle::Write(const std::vector<WriteRequest>& requests) const {
  std::vector<WriteResult> results(requests.size());
  std::vector<std::vector<size_t>> by_shard(num_shards());
  for (size_t i = 0; i < requests.size(); ++i) by_shard[ShardOf(requests[i].id, requests[i].routing)].push_back(i);
  auto build = [&](uint32_t s) {
    const std::vector<size_t>& items = by_shard[s];
    pb::WriteRequest request;
    request.mutable_items()->Reserve(static_cast<int>(items.size()));
    for (size_t i : items) {
      const WriteRequest& w = requests[i];
      pb::DocWrite* item = request.add_items();
      item->set_op(w.type == WriteOpType::kDelete   ? pb::DocWrite::DELETE
                   : w.type == WriteOpType::kCreate ? pb::DocWrite::CREATE
                                                    : pb::DocWrite::INDEX);
      item->set_id(w.id);
      item->set_source(w.source);
      if (w.if_seq_no) item->set_if_seq_no(*w.if_seq_no);
      if (w.if_primary_term) item->set_if_primary_term(*w.if_primary_term);
      if (w.external_version) item->set_external_version(*w.external_version);
      item->set_external_gte(w.external_gte);
      if (!w.routing.empty()) item->set_routing(w.routing);
    }
    return request;
  };
  auto answer = [&](uint32_t s, Status st, const pb::WriteResponse& response) {
    const std::vector<size_t>& items = by_shard[s];
    if (st.ok() && response.results_size() != static_cast<int>(items.size())) {
      st = Status::Internal("shard " + shard_id(s).ToString() + " answered " + std::to_string(response.results_size()) +
                            " results for " + std::to_string(items.size()) + " writes");
    }
    for (size_t k = 0; k < items.size(); ++k) {
      results[items[k]] = st.ok() ? FromProto(response.results(static_cast<int>(k))) : FailedWrite(st);
      if (st.ok()) SetCopies(response.replication(), &results[items[k]]);
    }
  };
  // One shard's request on its primary, following a primary that moved.
  auto write_shard = [&](uint32_t s) {
    pb::WriteRequest request = build(s);
    pb::WriteResponse response;
    Status st = OnPrimary(s, [&](const ShardTarget& to) {
      *request.mutable_target() = to.target;
      response.Clear();
      return to.client->Write(request, &response);
    });
    answer(s, std::move(st), response);
  };
  // The shards' requests for one other node go in one batch (one round
  // trip); a shard whose primary turns out to have moved (kFenced: not
  // applied) is sent again on its own, to its new place. Nodes are written
  // in parallel (a bulk waits for the slowest, not for the sum of round
  // trips); this node's shards one after the other.
  std::vector<uint32_t> local;
  std::map<ShardClient*, std::vector<std::pair<uint32_t, ShardTarget>>> remote;
  for (uint32_t s = 0; s < by_shard.size(); ++s) {
    if (by_shard[s].empty()) continue;
    auto to = router_->Primary(*state_, shard_id(s));
    if (to.ok() && to->client->batches()) {
      remote[to->client].emplace_back(s, std::move(to).value());
    } else {
      local.push_back(s);
    }
  }
  auto write_node = [&](ShardClient* client, const std::vector<std::pair<uint32_t, ShardTarget>>& shards) {
    if (shards.size() == 1) return write_shard(shards[0].first);
    std::vector<pb::WriteRequest> requests_out(shards.size());
    std::vector<pb::WriteResponse> responses(shards.size());
    std::vector<ShardCall> calls(shards.size());
    for (size_t k = 0; k < shards.size(); ++k) {
      requests_out[k] = build(shards[k].first);
      *requests_out[k].mutable_target() = shards[k].second.target;
      calls[k] = ShardCall{ShardMethod::kWrite, &requests_out[k], &responses[k], Status::OK()};
    }
    client->CallBatch(calls, DefaultDeadline());
    for (size_t k = 0; k < shards.size(); ++k) {
      if (calls[k].status.code() == StatusCode::kFenced) {
        write_shard(shards[k].first);
      } else {
        answer(shards[k].first, std::move(calls[k].status), responses[k]);
      }
    }
  };
  std::vector<std::future<void>> running;
  running.reserve(remote.size());
  for (const auto& [client, shards] : remote) {
    if (remote.size() == 1 && local.empty()) {
      write_node(client, shards);
    } else {
      running.push_back(std::async(std::launch::async, [&write_node, client, &shards] { write_node(client, shards); }));
    }
  }
  for (uint32_t s : local) write_shard(s);
  for (auto& f : running) f.get();
  return results;
}

WriteResult IndexHandle::Write(const WriteRequest& request) const { return Write(std::vector<WriteRequest>{request}).front(); }

WriteResult IndexHandle::Update(const std::string& id, const std::string& partial_doc, bool doc_as_upsert,
                                std::optional<int64_t> if_seq_no, std::optional<int64_t> if_primary_term,
                                const std::string& routing) const {
  pb::UpdateRequest request;
  request.set_id(id);
  if (!routing.empty()) request.set_routing(routing);
  request.set_partial_doc(partial_doc);
  request.set_doc_as_upsert(doc_as_upsert);
  if (if_seq_no) request.set_if_seq_no(*if_seq_no);
  if (if_primary_term) request.set_if_primary_term(*if_primary_term);
  pb::UpdateResponse response;
  Status st = OnPrimary(ShardOf(id, routing), [&](const ShardTarget& to) {
    *request.mutable_target() = to.target;
    response.Clear();
    return to.client->Update(request, &response);
  });
  if (!st.ok()) return FailedWrite(st);
  WriteResult result = FromProto(response.result());
  SetCopies(response.replication(), &result);
  return result;
}

Result<GetResult> IndexHandle::Get(const std::string& id, std::string_view routing,
                                   const ReadPreference* preference) const {
  std::vector<GetResult> out;
  if (routing.empty()) {
    HOLDFAST_RETURN_IF_ERROR(MultiGet({std::string_view(id)}, &out, nullptr, preference));
  } else {
    const std::vector<std::string_view> routings{routing};
    HOLDFAST_RETURN_IF_ERROR(MultiGet({std::string_view(id)}, &out, &routings, preference));
  }
  return std::move(out.front());
}

Status IndexHandle::MultiGet(const std::vector<std::string_view>& ids, std::vector<GetResult>* out,
                             const std::vector<std::string_view>* routings, const ReadPreference* preference) const {
  out->assign(ids.size(), GetResult{});
  std::vector<std::vector<size_t>> by_shard(num_shards());
  for (size_t i = 0; i < ids.size(); ++i) {
    by_shard[ShardOf(ids[i], routings != nullptr ? (*routings)[i] : std::string_view())].push_back(i);
  }
  for (uint32_t s = 0; s < by_shard.size(); ++s) {
    if (by_shard[s].empty()) continue;
    auto copies = preference == nullptr
                      ? router_->ReadCopies(*state_, shard_id(s))
                      : router_->ReadCopies(*state_, shard_id(s),
                                            preference->NodeFilter(*state_, router_->local_node_id()),
                                            preference->copies);
    if (!copies.ok()) {
      if (preference != nullptr && (preference->only_local || !preference->only_nodes.empty())) {
        return Status::Unavailable("no copy of shard " + shard_id(s).ToString() + " on the nodes " +
                                   (preference->only_local ? std::string("_only_local") : "_only_nodes") +
                                   " names: " + copies.status().message());
      }
      return copies.status();
    }
    pb::GetRequest request;
    for (size_t i : by_shard[s]) request.add_ids(std::string(ids[i]));
    pb::GetResponse response;
    HOLDFAST_RETURN_IF_ERROR(ReadFromCopies(*copies, [&](const ShardTarget& to) {
      *request.mutable_target() = to.target;
      response.Clear();
      return to.client->Get(request, &response);
    }));
    if (response.docs_size() != static_cast<int>(by_shard[s].size())) return Status::Internal("short get answer");
    for (size_t k = 0; k < by_shard[s].size(); ++k) (*out)[by_shard[s][k]] = FromProto(response.docs(static_cast<int>(k)));
  }
  return Status::OK();
}

Status IndexHandle::ShardMaintenance(uint32_t shard, pb::MaintenanceRequest::Action action,
                                     uint32_t max_segments) const {
  auto to = Primary(shard);
  if (!to.ok()) return to.status();
  pb::MaintenanceRequest request;
  *request.mutable_target() = to->target;
  request.set_action(action);
  request.set_max_segments(max_segments);
  pb::MaintenanceResponse response;
  // Merges of a large shard take long: no deadline but the shard's own.
  HOLDFAST_RETURN_IF_ERROR(to->client->Maintenance(request, &response, Deadline::max()));
  // The started replicas too (a refresh makes what they hold searchable
  // there as well); one that fails is left out, as Elasticsearch counts it.
  for (const ShardTarget& replica : router_->Replicas(*state_, shard_id(shard))) {
    *request.mutable_target() = replica.target;
    Status s = replica.client->Maintenance(request, &response, Deadline::max());
    (void)s;
  }
  return Status::OK();
}

Status IndexHandle::EveryShard(pb::MaintenanceRequest::Action action, uint32_t max_segments) const {
  for (uint32_t s = 0; s < num_shards(); ++s) HOLDFAST_RETURN_IF_ERROR(ShardMaintenance(s, action, max_segments));
  return Status::OK();
}

Status IndexHandle::RefreshShard(uint32_t shard) const {
  return ShardMaintenance(shard, pb::MaintenanceRequest::REFRESH, 0);
}

Status IndexHandle::Refresh() const { return EveryShard(pb::MaintenanceRequest::REFRESH, 0); }
Status IndexHandle::Flush() const { return EveryShard(pb::MaintenanceRequest::FLUSH, 0); }
Status IndexHandle::ForceMerge(size_t max_segments) const {
  return EveryShard(pb::MaintenanceRequest::FORCE_MERGE, static_cast<uint32_t>(max_segments));
}
Status IndexHandle::FinishMerges() const { return EveryShard(pb::MaintenanceRequest::FINISH_MERGES, 0); }

bool IndexHandle::WaitForRefresh(const std::vector<std::pair<uint32_t, int64_t>>& shard_seq_nos,
                                 std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (const auto& [shard, seq] : shard_seq_nos) {
    // Every copy a search may read (the in-sync replicas hold the write too).
    auto copies = router_->ReadCopies(*state_, shard_id(shard));
    if (!copies.ok()) return false;
    for (const ShardTarget& to : *copies) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pb::WaitForRefreshRequest request;
      *request.mutable_target() = to.target;
      request.set_seq_no(seq);
      request.set_timeout_ms(std::max<int64_t>(0, left.count()));
      pb::WaitForRefreshResponse response;
      if (!to.client->WaitForRefresh(request, &response, deadline + std::chrono::seconds(5)).ok() ||
          !response.refreshed()) {
        return false;
      }
    }
  }
  return true;
}

Result<pb::ShardStatsResponse> IndexHandle::ShardStatsOf(uint32_t shard, bool with_store_bytes,
                                                         const std::string& node_id) const {
  auto to = node_id.empty() ? router_->ForRead(*state_, shard_id(shard))
                            : router_->ForRead(*state_, shard_id(shard),
                                               [&node_id](const std::string& n) { return n == node_id; });
  if (!to.ok()) return to.status();
  pb::ShardStatsRequest request;
  *request.mutable_target() = to->target;
  request.set_with_store_bytes(with_store_bytes);
  pb::ShardStatsResponse response;
  HOLDFAST_RETURN_IF_ERROR(to->client->Stats(request, &response));
  return response;
}

Result<ShardStats> IndexHandle::Stats() const {
  ShardStats total;
  for (uint32_t s = 0; s < num_shards(); ++s) {
    auto st = ShardStatsOf(s);
    if (!st.ok()) return st.status();
    total.docs += st->docs();
    total.deleted_docs += st->deleted_docs();
    total.segments += st->segments();
    total.segment_bytes += st->segment_bytes();
    total.buffered_docs += st->buffered_docs();
    total.buffer_bytes += st->buffer_bytes();
    total.merges_done += st->merges_done();
  }
  return total;
}

Status IndexHandle::PutMapping(const mapping::MappingUpdate& update) const {
  auto merged = cluster_->PutMapping(uuid(), update);
  return merged.ok() ? Status::OK() : merged.status();
}

Result<std::vector<bool>> IndexHandle::MatchingIds(const pb::SearchSource& source,
                                                   const std::vector<std::string>& ids) const {
  std::vector<bool> out(ids.size(), false);
  std::vector<std::vector<size_t>> by_shard(num_shards());
  for (size_t i = 0; i < ids.size(); ++i) by_shard[ShardOf(ids[i])].push_back(i);
  for (uint32_t s = 0; s < by_shard.size(); ++s) {
    if (by_shard[s].empty()) continue;
    auto copies = router_->ReadCopies(*state_, shard_id(s));
    if (!copies.ok()) return copies.status();
    pb::MatchIdsRequest request;
    *request.mutable_source() = source;
    for (size_t i : by_shard[s]) request.add_ids(ids[i]);
    pb::MatchIdsResponse response;
    HOLDFAST_RETURN_IF_ERROR(ReadFromCopies(*copies, [&](const ShardTarget& to) {
      *request.mutable_target() = to.target;
      response.Clear();
      return to.client->MatchIds(request, &response);
    }));
    if (response.matches_size() != static_cast<int>(by_shard[s].size())) return Status::Internal("short match answer");
    for (size_t k = 0; k < by_shard[s].size(); ++k) out[by_shard[s][k]] = response.matches(static_cast<int>(k));
  }
  return out;
}

}  // namespace holdfast
