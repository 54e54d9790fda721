#include "index/shard/shard_writer.h"

#include "index/mapping/document_parser.h"
#include "index/segment/analyzed_document.h"
#include "index/shard/document_merge.h"

namespace holdfast {

namespace {

// Per-thread parsing and analysis state: parsers and analyzers are not
// thread-safe and are expensive to build, so each indexing thread keeps one.
struct ThreadState {
  mapping::DocumentParser parser;
  segment::DocumentAnalyzer analyzer;
};
ThreadState& LocalState() {
  thread_local ThreadState state;
  return state;
}

// Optimistic concurrency (if_seq_no / if_primary_term), external versions and
// create-only checks.
Status CheckPreconditions(const WriteRequest& r, const std::optional<VersionEntry>& cur) {
  const bool exists = cur && !cur->deleted;
  if (r.if_seq_no || r.if_primary_term) {
    const int64_t want_seq = r.if_seq_no.value_or(-1), want_term = r.if_primary_term.value_or(-1);
    const std::string required = "[" + r.id + "]: version conflict, required seqNo [" + std::to_string(want_seq) +
                                 "], primary term [" + std::to_string(want_term) + "]. ";
    if (!exists) return Status::Conflict(required + "but no document was found");
    if (cur->stamp.seq_no != want_seq || cur->stamp.primary_term != want_term) {
      return Status::Conflict(required + "current document has seqNo [" + std::to_string(cur->stamp.seq_no) +
                      "] and primary term [" + std::to_string(cur->stamp.primary_term) + "]");
    }
  }
  // External versions compare with the last version, a delete's included.
  if (r.external_version && cur) {
    const bool stale = r.external_gte ? *r.external_version < cur->version : *r.external_version <= cur->version;
    if (stale) {
      return Status::Conflict("[" + r.id + "]: version conflict, current version [" + std::to_string(cur->version) +
                              (r.external_gte ? "] is higher than" : "] is higher or equal to") +
                              " the one provided [" + std::to_string(*r.external_version) + "]");
    }
  }
    if (r.type == WriteOpType::kCreate && exists) {
    return Status::Conflict("[" + r.id + "]: version conflict, document already exists (current version [" +
                    std::to_string(cur->version) + "])");
  }
  return Status::OK();
}

}  // namespace

struct ShardWriter::Prepared {
  Status status;
  mapping::ParsedDocument parsed;
  segment::AnalyzedDocument analyzed;
};

GetResult GetResultFromRecord(DocRecord&& record) {
  GetResult g;
  if (record.deleted) return g;
  g.found = true;
  g.version = record.version;
  g.stamp = record.stamp;
  g.source = std::move(record.source);
  g.routing = std::move(record.routing);
  return g;
}

Status ShardWriter::PrepareDocument(const std::string& id, const std::string& source, Prepared* out) {
  ThreadState& ts = LocalState();
  auto mapping = mappings_->Current();
  for (int attempt = 0; attempt < 4; ++attempt) {
    mapping::MappingUpdate update;
    HOLDFAST_RETURN_IF_ERROR(ts.parser.Parse(*mapping, id, source, &out->parsed, &update));
    if (update.empty()) return ts.analyzer.Analyze(out->parsed, &out->analyzed);
    auto merged = mappings_->Apply(update);
    if (!merged.ok()) return merged.status();
    mapping = merged.value();
  }
  return Status::Internal("mapping kept changing while parsing document " + id);
}

Result<std::optional<VersionEntry>> ShardWriter::LookupVersion(const std::string& id) {
  if (const VersionEntry* e = lanes_->FindVersion(id)) return std::optional<VersionEntry>(*e);
  auto record = store_->GetRecord(id);
  if (!record.ok()) {
    if (record.status().code() == StatusCode::kNotFound) return std::optional<VersionEntry>();
    return record.status();
  }
  return std::optional<VersionEntry>(VersionEntry{record->version, record->stamp, record->deleted});
}

std::vector<WriteResult> ShardWriter::Write(const std::vector<WriteRequest>& requests) {
  std::vector<WriteResult> results(requests.size());
  std::vector<Prepared> prepared(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) {
    const WriteRequest& r = requests[i];
    if (r.id.empty() || r.id.size() > 512) {
      results[i].status = Status::InvalidArgument("id must be 1 to 512 bytes long");
    } else if (r.type != WriteOpType::kDelete) {
      results[i].status = PrepareDocument(r.id, r.source, &prepared[i]);
    }
  }
  std::vector<ShardOp> ops;
  std::vector<size_t> op_items;
  std::vector<std::vector<size_t>> by_lane(lanes_->size());
  for (size_t i = 0; i < requests.size(); ++i) {
    if (results[i].status.ok()) by_lane[lanes_->LaneOf(requests[i].id)].push_back(i);
  }
  const int64_t term = primary_term_.load();
  int ticket = -1;  // the store write in flight, once an op is buffered
  for (size_t l = 0; l < lanes_->size(); ++l) {
    if (by_lane[l].empty()) continue;
    auto lane_lock = lanes_->LockLane(l);
    const size_t first_op = ops.size();
    {
      auto lock = lanes_->LockWrite();
      for (size_t i : by_lane[l]) {
        WriteResult& res = results[i];
        if (failure_->failed()) res.status = failure_->status();
        if (!res.status.ok()) continue;
        const WriteRequest& r = requests[i];
        auto current = LookupVersion(r.id);
        if (!current.ok()) {
          res.status = current.status();
          continue;
        }
        const std::optional<VersionEntry>& cur = current.value();
        res.status = CheckPreconditions(r, cur);
        if (!res.status.ok()) continue;
        const bool exists = cur && !cur->deleted;
        ShardOp op;
        op.type = r.type == WriteOpType::kDelete ? OpType::kDelete : OpType::kIndex;
        op.id = r.id;
        op.version = r.external_version ? *r.external_version : cur ? cur->version + 1 : 1;
        op.stamp = {term, tracker_->GenerateSeqNo()};
        if (op.type == OpType::kIndex) op.source = r.source;
        if (!r.routing.empty()) op.routing = r.routing;
        if (cur.has_value()) lanes_->AddPendingDelete(r.id);  // older copies in published segments
        lanes_->SetVersion(r.id, VersionEntry{op.version, op.stamp, op.type == OpType::kDelete});
        res.version = op.version;
        res.stamp = op.stamp;
        res.outcome = op.type == OpType::kDelete ? (exists ? WriteOutcome::kDeleted : WriteOutcome::kNotFound)
                                                 : (exists ? WriteOutcome::kUpdated : WriteOutcome::kCreated);
        ops.push_back(std::move(op));
        op_items.push_back(i);
      }
      if (ticket < 0 && ops.size() > first_op) ticket = lanes_->BeginStore();
    }
    // Still under the lane lock: buffered in seq_no order per id.
    for (size_t k = first_op; k < ops.size(); ++k) {
      const size_t i = op_items[k];
      lanes_->Buffer(l, ops[k].id, ops[k].type == OpType::kIndex ? &prepared[i].analyzed : nullptr);
    }
  }
  if (ops.empty()) return results;
  Status s = store_->Write(ops);
  if (s.ok()) {
    for (const ShardOp& op : ops) tracker_->MarkProcessed(op.stamp.seq_no);
  }
  lanes_->EndStore(ticket, s.ok());
  if (!s.ok()) {
    // Nothing of this batch is acknowledged, and the buffer now holds docs the
    // store may not: the shard stops taking writes until it is reopened.
    failure_->Fail(Status(s.code(), "shard failed: " + s.message()));
    for (size_t i : op_items) results[i].status = failure_->status();
    return results;
  }
  ops_since_flush_ += ops.size();
  return results;
}

WriteResult ShardWriter::Update(const std::string& id, const std::string& partial, bool doc_as_upsert,
                                std::optional<int64_t> if_seq_no, std::optional<int64_t> if_primary_term,
                                const std::string& routing) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    auto current = Get(id);
    WriteResult res;
    if (!current.ok()) {
      res.status = current.status();
      return res;
    }
    WriteRequest req;
    req.id = id;
    // The request's routing, else the document's own (Elasticsearch's
    // UpdateHelper): a partial update never drops a document's routing.
    req.routing = !routing.empty() ? routing : current->routing;
    if (!current->found) {
      if (!doc_as_upsert) {
        res.status = Status::DocumentMissing("[" + id + "]: document missing");
        return res;
      }
      req.type = WriteOpType::kCreate;
      req.source = partial;
    } else {
      if ((if_seq_no && *if_seq_no != current->stamp.seq_no) ||
          (if_primary_term && *if_primary_term != current->stamp.primary_term)) {
        res.status = Status::Conflict("[" + id + "]: version conflict, required seqNo [" + std::to_string(if_seq_no.value_or(-1)) +
                              "], primary term [" + std::to_string(if_primary_term.value_or(-1)) +
                              "]. current document has seqNo [" + std::to_string(current->stamp.seq_no) +
                              "] and primary term [" + std::to_string(current->stamp.primary_term) + "]");
        return res;
      }
      bool changed = false;
      auto merged = MergeDocuments(current->source, partial, &changed);
      if (!merged.ok()) {
        res.status = merged.status();
        return res;
      }
      if (!changed) {
        res.outcome = WriteOutcome::kNoop;
        res.version = current->version;
        res.stamp = current->stamp;
        return res;
      }
      req.type = WriteOpType::kIndex;
      req.source = std::move(merged).value();
      req.if_seq_no = current->stamp.seq_no;
      req.if_primary_term = current->stamp.primary_term;
    }
    res = Write({req}).front();
    const bool raced = res.status.kind() == StatusCode::kConflict;
    if (!raced) return res;
  }
  WriteResult res;
  res.status = Status::Conflict("[" + id + "]: too many concurrent updates");
  return res;
}

Result<GetResult> ShardWriter::Get(const std::string& id) const {
  auto record = store_->GetRecord(id);
  if (!record.ok()) {
    if (record.status().code() == StatusCode::kNotFound) return GetResult{};
    return record.status();
  }
  return GetResultFromRecord(std::move(record).value());
}

Status ShardWriter::Replay(const ShardOp& op) {
  Prepared p;
  if (op.type == OpType::kIndex) {
    Status parsed = PrepareDocument(op.id, op.source, &p);
    if (!parsed.ok()) {
      return Status::Corruption("op " + std::to_string(op.stamp.seq_no) + " no longer parses: " + parsed.message());
    }
  }
  const size_t lane = lanes_->LaneOf(op.id);
  auto lane_lock = lanes_->LockLane(lane);
  {
    auto lock = lanes_->LockWrite();
    lanes_->AddPendingDelete(op.id);
  }
  lanes_->Buffer(lane, op.id, op.type == OpType::kIndex ? &p.analyzed : nullptr);
  return Status::OK();
}

Status ShardWriter::ApplyOps(const std::vector<ShardOp>& ops, EventOpSequencer* events) {
  if (failure_->failed()) return failure_->status();
  // Check and parse everything before anything changes.
  std::vector<Prepared> prepared(ops.size());
  std::vector<size_t> fresh;  // ops not processed yet
  for (size_t i = 0; i < ops.size(); ++i) {
    const ShardOp& op = ops[i];
    const std::string where = "op " + std::to_string(op.stamp.seq_no) + ": ";
    if (op.stamp.seq_no < 0 || op.stamp.primary_term <= 0) return Status::InvalidArgument(where + "not stamped");
    if (IsDocumentOp(op.type) && (op.id.empty() || op.id.size() > 512)) {
      return Status::InvalidArgument(where + "id must be 1 to 512 bytes long");
    }
    if (tracker_->IsProcessed(op.stamp.seq_no)) continue;
    if (op.type == OpType::kIndex) {
      Status parsed = PrepareDocument(op.id, op.source, &prepared[i]);
      if (!parsed.ok()) return Status(parsed.code(), where + parsed.message());
    }
    fresh.push_back(i);
  }
  if (fresh.empty()) return Status::OK();
  std::vector<std::vector<size_t>> by_lane(lanes_->size());
  for (size_t i : fresh) {
    tracker_->AdvanceMaxSeqNo(ops[i].stamp.seq_no);
    if (IsDocumentOp(ops[i].type)) by_lane[lanes_->LaneOf(ops[i].id)].push_back(i);
  }
  int ticket = -1;
  std::vector<size_t> newest;  // document ops that become their id's state
  Status lookup;               // a failed read of a current version
  for (size_t l = 0; l < lanes_->size() && lookup.ok(); ++l) {
    if (by_lane[l].empty()) continue;
    auto lane_lock = lanes_->LockLane(l);
    const size_t first = newest.size();
    {
      auto lock = lanes_->LockWrite();
      for (size_t i : by_lane[l]) {
        const ShardOp& op = ops[i];
        auto current = LookupVersion(op.id);
        if (!current.ok()) {
          lookup = current.status();
          break;
        }
        const std::optional<VersionEntry>& cur = current.value();
        // The highest seq_no is the document; an older op (a late arrival,
        // or one before a delete's tombstone) only goes to the op log.
        if (cur && (cur->stamp.seq_no > op.stamp.seq_no ||
                    (cur->stamp.seq_no == op.stamp.seq_no && cur->stamp.primary_term >= op.stamp.primary_term))) {
          continue;
        }
        if (cur) lanes_->AddPendingDelete(op.id);
        lanes_->SetVersion(op.id, VersionEntry{op.version, op.stamp, op.type == OpType::kDelete});
        newest.push_back(i);
      }
      if (ticket < 0 && newest.size() > first) ticket = lanes_->BeginStore();
    }
    for (size_t k = first; k < newest.size(); ++k) {
      const size_t i = newest[k];
      lanes_->Buffer(l, ops[i].id, ops[i].type == OpType::kIndex ? &prepared[i].analyzed : nullptr);
    }
  }
  if (!lookup.ok()) {
    if (newest.empty()) return lookup;  // nothing changed
    // Ops are buffered (and in the version map) that will not be stored.
    if (ticket >= 0) lanes_->EndStore(ticket, false);
    failure_->Set(Status(lookup.code(), "shard failed: " + lookup.message()));  // reported by the caller
    return failure_->status();
  }
  std::vector<ShardOp> some;  // only when some ops were processed already
  if (fresh.size() < ops.size()) {
    some.reserve(fresh.size());
    for (size_t i : fresh) some.push_back(ops[i]);
  }
  const std::vector<ShardOp>& batch = fresh.size() < ops.size() ? some : ops;
  Status s = store_->Write(batch);
  if (s.ok()) {
    for (const ShardOp& op : batch) {
      if (op.type == OpType::kEvent) events->AddPending(op);
    }
    for (const ShardOp& op : batch) tracker_->MarkProcessed(op.stamp.seq_no);
    ops_since_flush_ += batch.size();
  }
  if (ticket >= 0) lanes_->EndStore(ticket, s.ok());
  if (!s.ok()) {
    failure_->Set(Status(s.code(), "shard failed: " + s.message()));  // reported by the caller
    return failure_->status();
  }
  return Status::OK();
}

}  // namespace holdfast
