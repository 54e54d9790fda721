#include "replication/shard_service.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "index/mapping/mapping_error.h"
#include "replication/grpc_shard_client.h"
#include "replication/proto_convert.h"

namespace holdfast {

ShardService::ShardService(ShardRegistry* registry, ShardServiceOptions options)
    : registry_(registry), options_(options), contexts_(options.max_reader_contexts), replicator_(options.replication) {
  // A closed copy's scroll contexts go with it (a scroll then answers
  // search_context_missing_exception), so its files are released.
  if (registry_ != nullptr) registry_->SetOnCopyClosed([this](const ShardId& id) { contexts_.FreeShard(id); });
  if (registry_ != nullptr && replicator_.enabled()) {
    resync_thread_ = std::thread([this] { RunResyncs(); });
    registry_->SetOnPromoted([this](const std::shared_ptr<ShardCopy>& copy) {
      // Before its first flush as primary can trim what they need.
      replicator_.RetainForOtherCopies(*copy);
      std::lock_guard<std::mutex> lock(resync_mu_);
      resync_queue_.push_back(copy);
      resync_cv_.notify_one();
    });
  }
}

ShardService::~ShardService() {
  if (registry_ != nullptr) {
    registry_->SetOnCopyClosed(nullptr);
    registry_->SetOnPromoted(nullptr);
  }
  {
    std::lock_guard<std::mutex> lock(resync_mu_);
    stopping_ = true;
    resync_cv_.notify_all();
  }
  if (resync_thread_.joinable()) resync_thread_.join();
}

void ShardService::RunResyncs() {
  std::unique_lock<std::mutex> lock(resync_mu_);
  while (true) {
    // Every half second: the primaries' global checkpoints to their replicas.
    if (!resync_cv_.wait_for(lock, std::chrono::milliseconds(500),
                             [&] { return stopping_ || !resync_queue_.empty(); })) {
      lock.unlock();
      for (const std::shared_ptr<ShardCopy>& copy : registry_->All()) {
        if (copy->primary()) replicator_.SyncGlobalCheckpoint(*copy);
      }
      lock.lock();
      continue;
    }
    if (stopping_) return;
    std::shared_ptr<ShardCopy> copy = resync_queue_.front().lock();
    resync_queue_.pop_front();
    if (!copy) continue;
    lock.unlock();
    Status s = replicator_.Resync(*copy);
    if (!s.ok()) {
      spdlog::warn("shard {} of [{}]: resync after promotion failed: {}", copy->id().ToString(), copy->index_name(),
                   s.ToString());
    }
    lock.lock();
  }
}

Status ShardService::Handle(ShardMethod method, const google::protobuf::Message& request,
                            google::protobuf::Message* response) {
  switch (method) {
#define HOLDFAST_SHARD_DISPATCH(name, req, resp) \
  case ShardMethod::k##name:                     \
    return name(static_cast<const pb::req&>(request), static_cast<pb::resp*>(response));
    HOLDFAST_SHARD_METHODS(HOLDFAST_SHARD_DISPATCH)
#undef HOLDFAST_SHARD_DISPATCH
  }
  return Status::Internal("unknown shard method");
}

void ShardService::HandleBatch(const pb::BatchRequest& request, pb::BatchResponse* response) {
  if (HandleNodePage(request, response)) return;
  response->mutable_results()->Reserve(request.calls_size());
  for (const pb::ShardCall& call : request.calls()) {
    pb::ShardCallResult* result = response->add_results();
    Status status;
    std::optional<ShardMethod> method = ShardMethodFromName(call.method());
    if (call.method() == kNestedBatchMethod) {
      // A whole batch (a serialized BatchRequest), answered with its
      // BatchResponse: a coordinator sends several searches' batches to this
      // node in one rpc when they meet on the way
      // (replication/grpc_shard_client.h, "Coalescing"). One level only.
      pb::BatchRequest batch;
      pb::BatchResponse answer;
      if (!batch.ParseFromString(call.request())) {
        status = Status::InvalidArgument("cannot parse a batch in a batch");
      } else if (std::any_of(batch.calls().begin(), batch.calls().end(),
                             [](const pb::ShardCall& c) { return c.method() == kNestedBatchMethod; })) {
        status = Status::InvalidArgument("a batch in a batch holds batches (one level only)");
      } else {
        HandleBatch(batch, &answer);
        if (!answer.SerializeToString(result->mutable_response())) status = Status::Internal("cannot serialize a batch answer");
      }
    } else if (!method) {
      status = Status::InvalidArgument("unknown shard method [" + call.method() + "] in a batch");
    } else {
      std::unique_ptr<google::protobuf::Message> in = NewShardRequest(*method);
      std::unique_ptr<google::protobuf::Message> out = NewShardResponse(*method);
      if (!in->ParseFromString(call.request())) {
        status = Status::InvalidArgument(std::string("cannot parse a ") + ShardMethodName(*method) + " request in a batch");
      } else {
        status = Handle(*method, *in, out.get());
        if (status.ok() && !out->SerializeToString(result->mutable_response())) {
          status = Status::Internal(std::string("cannot serialize a ") + ShardMethodName(*method) + " answer");
        }
      }
    }
    if (!status.ok()) {
      result->clear_response();
      ToProto(status, result->mutable_error());
    }
  }
}

Result<std::shared_ptr<ShardCopy>> ShardService::CopyFor(const pb::ShardTarget& target) const {
  ShardId id{target.shard().index_uuid(), target.shard().shard()};
  std::shared_ptr<ShardCopy> copy = registry_->Get(id);
  if (!copy) {
    // A request for the primary (it carries a term) that finds none here was
    // not applied: the shard moved, or is not open yet — safe to retry.
    if (target.primary_term() != 0) {
      return Status::Fenced("no copy of shard " + id.ToString() + " on this node (it moved; not applied)");
    }
    return Status::Unavailable("no copy of shard " + id.ToString() + " on this node");
  }
  const int64_t term = copy->engine().primary_term();
  if (target.primary_term() != 0 && target.primary_term() < term) {
    return Status::Fenced(
        "request for shard " + id.ToString() + " carries primary term [" + std::to_string(target.primary_term()) +
        "], older than the copy's [" + std::to_string(term) + "]");
  }
  return copy;
}

Result<std::shared_ptr<ShardCopy>> ShardService::PrimaryFor(const pb::ShardTarget& target) const {
  auto copy = CopyFor(target);
  if (!copy.ok()) return copy.status();
  const int64_t term = target.primary_term();
  if (!(*copy)->primary() || (*copy)->engine().primary_term() < term) {
    if (!(*copy)->WaitPrimary(term, std::chrono::seconds(10))) {
      return Status::Fenced("the copy of shard " + (*copy)->id().ToString() +
                            " on this node is not the primary (not applied)");
    }
  }
  return copy;
}

Status ShardService::CheckWriteBlock(const ShardCopy& copy) const {
  return options_.write_block != nullptr ? options_.write_block->Check(copy.index_name()) : Status::OK();
}

// ------------------------------------------------------------ documents

Status ShardService::Write(const pb::WriteRequest& request, pb::WriteResponse* response) {
  auto copy = PrimaryFor(request.target());
  if (!copy.ok()) return copy.status();
  std::vector<WriteRequest> writes(static_cast<size_t>(request.items_size()));
  for (int i = 0; i < request.items_size(); ++i) {
    const pb::DocWrite& item = request.items(i);
    WriteRequest& w = writes[static_cast<size_t>(i)];
    w.type = item.op() == pb::DocWrite::DELETE   ? WriteOpType::kDelete
             : item.op() == pb::DocWrite::CREATE ? WriteOpType::kCreate
                                                 : WriteOpType::kIndex;
    w.id = item.id();
    w.source = item.source();
    if (item.has_if_seq_no()) w.if_seq_no = item.if_seq_no();
    if (item.has_if_primary_term()) w.if_primary_term = item.if_primary_term();
    if (item.has_external_version()) w.external_version = item.external_version();
    w.external_gte = item.external_gte();
    if (!item.routing().empty()) w.routing = item.routing();
  }
  auto ticket = (*copy)->EnterWrite();  // waits while a move hands the shard off
  if (!ticket.ok()) return ticket.status();
  std::vector<WriteResult> results;
  if (Status blocked = CheckWriteBlock(**copy); !blocked.ok()) {
    // Deletes free space and still run; every item that adds data is refused.
    std::vector<WriteRequest> deletes;
    for (const WriteRequest& w : writes) {
      if (w.type == WriteOpType::kDelete) deletes.push_back(w);
    }
    std::vector<WriteResult> deleted = deletes.empty() ? std::vector<WriteResult>{} : (*copy)->engine().Write(deletes);
    results.resize(writes.size());
    for (size_t i = 0, d = 0; i < writes.size(); ++i) {
      if (writes[i].type == WriteOpType::kDelete) {
        results[i] = std::move(deleted[d++]);
      } else {
        results[i].status = blocked;
      }
    }
  } else {
    results = (*copy)->engine().Write(writes);
  }
  std::vector<int64_t> written;
  for (const WriteResult& r : results) {
    if (r.status.ok() && r.outcome != WriteOutcome::kNoop && r.stamp.seq_no >= 0) written.push_back(r.stamp.seq_no);
  }
  // Acknowledged only once every in-sync copy has the ops (or left the set).
  HOLDFAST_RETURN_IF_ERROR(replicator_.Replicate(**copy, written, response->mutable_replication()));
  response->mutable_results()->Reserve(static_cast<int>(results.size()));
  for (const WriteResult& r : results) ToProto(r, response->add_results());
  return Status::OK();
}

Status ShardService::Update(const pb::UpdateRequest& request, pb::UpdateResponse* response) {
  auto copy = PrimaryFor(request.target());
  if (!copy.ok()) return copy.status();
  std::optional<int64_t> if_seq_no, if_primary_term;
  if (request.has_if_seq_no()) if_seq_no = request.if_seq_no();
  if (request.has_if_primary_term()) if_primary_term = request.if_primary_term();
  auto ticket = (*copy)->EnterWrite();
  if (!ticket.ok()) return ticket.status();
  if (Status blocked = CheckWriteBlock(**copy); !blocked.ok()) {
    WriteResult refused;
    refused.status = std::move(blocked);
    ToProto(refused, response->mutable_result());
    return Status::OK();
  }
  WriteResult r = (*copy)->engine().Update(request.id(), request.partial_doc(), request.doc_as_upsert(), if_seq_no,
                                           if_primary_term, request.routing());
  std::vector<int64_t> written;
  if (r.status.ok() && r.outcome != WriteOutcome::kNoop && r.stamp.seq_no >= 0) written.push_back(r.stamp.seq_no);
  HOLDFAST_RETURN_IF_ERROR(replicator_.Replicate(**copy, written, response->mutable_replication()));
  ToProto(r, response->mutable_result());
  return Status::OK();
}

Status ShardService::Get(const pb::GetRequest& request, pb::GetResponse* response) {
  auto copy = CopyFor(request.target());
  if (!copy.ok()) return copy.status();
  std::vector<std::string_view> ids(request.ids().begin(), request.ids().end());
  std::vector<GetResult> got;
  if (ids.size() == 1) {
    auto one = (*copy)->engine().Get(request.ids(0));
    if (!one.ok()) return one.status();
    got.push_back(std::move(one).value());
  } else {
    HOLDFAST_RETURN_IF_ERROR((*copy)->engine().MultiGet(ids, &got));
  }
  response->mutable_docs()->Reserve(static_cast<int>(got.size()));
  for (const GetResult& g : got) ToProto(g, response->add_docs());
  return Status::OK();
}

// ------------------------------------------------------------ maintenance

Status ShardService::Maintenance(const pb::MaintenanceRequest& request, pb::MaintenanceResponse* /*response*/) {
  auto copy = CopyFor(request.target());
  if (!copy.ok()) return copy.status();
  ShardEngine& engine = (*copy)->engine();
  switch (request.action()) {
    case pb::MaintenanceRequest::REFRESH: return engine.Refresh();
    case pb::MaintenanceRequest::FLUSH: return engine.Flush();
    case pb::MaintenanceRequest::FORCE_MERGE: return engine.ForceMerge(request.max_segments());
    case pb::MaintenanceRequest::FINISH_MERGES: return engine.FinishMerges();
    default: return Status::InvalidArgument("unknown maintenance action");
  }
}

Status ShardService::WaitForRefresh(const pb::WaitForRefreshRequest& request, pb::WaitForRefreshResponse* response) {
  auto copy = CopyFor(request.target());
  if (!copy.ok()) return copy.status();
  response->set_refreshed(
      (*copy)->engine().WaitForRefresh(request.seq_no(), std::chrono::milliseconds(std::max<int64_t>(0, request.timeout_ms()))));
  return Status::OK();
}

Status ShardService::Stats(const pb::ShardStatsRequest& request, pb::ShardStatsResponse* response) {
  auto copy = CopyFor(request.target());
  if (!copy.ok()) return copy.status();
  const ShardStats st = (*copy)->engine().Stats();
  response->set_docs(st.docs);
  response->set_deleted_docs(st.deleted_docs);
  response->set_segments(st.segments);
  response->set_segment_bytes(st.segment_bytes);
  if (request.with_store_bytes()) response->set_store_bytes((*copy)->StoreBytes());
  response->set_buffered_docs(st.buffered_docs);
  response->set_buffer_bytes(st.buffer_bytes);
  response->set_max_seq_no(st.max_seq_no);
  response->set_local_checkpoint(st.local_checkpoint);
  response->set_global_checkpoint(st.global_checkpoint);
  response->set_flushed_seq_no(st.flushed_seq_no);
  response->set_merges_done(st.merges_done);
  response->set_primary_term((*copy)->engine().primary_term());
  response->set_allocation_id((*copy)->allocation_id());
  response->set_state(ShardCopyStateName((*copy)->state()));
  response->set_failure((*copy)->failure());
  return Status::OK();
}

Status ShardService::Recoveries(const pb::RecoveriesRequest& request, pb::RecoveriesResponse* response) {
  for (const ShardRecoveryInfo& r : registry_->Recoveries()) {
    const RecoveryProgress& p = r.progress;
    if (!request.index_uuid().empty() && r.shard.index_uuid != request.index_uuid()) continue;
    if (request.active_only() && p.finished_ms > 0) continue;
    pb::RecoveryInfo* out = response->add_recoveries();
    out->mutable_shard()->set_index_uuid(r.shard.index_uuid);
    out->mutable_shard()->set_shard(r.shard.shard);
    out->set_index_name(r.index_name);
    out->set_source_node_id(r.source_node);
    out->set_relocation(r.relocation);
    out->set_stage(p.stage);
    out->set_method(p.method);
    out->set_files_total(p.files_total);
    out->set_files_recovered(p.files_done);
    out->set_files_reused(p.files_reused);
    out->set_bytes_total(p.bytes_total);
    out->set_bytes_recovered(p.bytes_done);
    out->set_bytes_reused(p.bytes_reused);
    out->set_ops(p.ops);
    out->set_start_time_ms(p.started_ms);
    out->set_stop_time_ms(p.finished_ms);
  }
  return Status::OK();
}

}  // namespace holdfast
