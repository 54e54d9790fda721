#include "index/shard/shard_engine.h"

#include <atomic>

#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <shared_mutex>

#include "index/segment/segment_reader.h"
#include "index/shard/event_op_sequencer.h"
#include "index/shard/file_snapshot.h"
#include "index/shard/indexing_lanes.h"
#include "index/shard/merge_scheduler.h"
#include "index/shard/retention_leases.h"
#include "index/shard/segment_set.h"
#include "index/shard/shard_failure.h"
#include "index/shard/shard_flusher.h"
#include "index/shard/shard_state.h"
#include "index/shard/shard_writer.h"
#include "index/util/file_util.h"
#include "index/util/uuid.h"

namespace holdfast {

namespace {
using Clock = std::chrono::steady_clock;
}  // namespace

const char* WriteOutcomeName(WriteOutcome o) {
  switch (o) {
    case WriteOutcome::kCreated: return "created";
    case WriteOutcome::kUpdated: return "updated";
    case WriteOutcome::kDeleted: return "deleted";
    case WriteOutcome::kNotFound: return "not_found";
    case WriteOutcome::kNoop: return "noop";
  }
  return "unknown";
}

// The parts of a shard engine and what ties them together: opening, the
// background loop (timed refresh, flush thresholds, WAL sync), flush.
class ShardEngine::Impl {
 public:
  Impl(ShardEngineOptions options, std::shared_ptr<MappingSource> mappings)
      : options_(std::move(options)),
        mappings_(std::move(mappings)),
        failure_(options_.on_failure),
        lanes_(options_.indexing_lanes),
        refresh_interval_ms_(options_.refresh_interval.count()) {}

  std::chrono::milliseconds refresh_interval() const {
    return std::chrono::milliseconds(refresh_interval_ms_.load(std::memory_order_relaxed));
  }
  void set_refresh_interval(std::chrono::milliseconds interval) {
    refresh_interval_ms_.store(interval.count(), std::memory_order_relaxed);
  }

  Status Open();
  Status OpenState();
  Status Recover(int64_t flushed_checkpoint, int64_t processed, int64_t retained_from);
  Status ApplyOps(int64_t request_primary_term, const std::vector<ShardOp>& ops);
  Status FillGaps();
  Status WriteGapNoops();  // FillGaps under the term lock
  Status DrainEvents() { return Guarded("applying event ops", [&] { return events_->Drain(); }); }
  Status SetPrimaryTerm(int64_t term);
  void StartBackground();
  void StopBackground();
  void WakeBackground() { bg_cv_.notify_one(); }

  Status Refresh() { return Guarded("refresh", [&] { return segments_.Refresh(lanes_, *tracker_); }); }
  bool WaitForRefresh(int64_t seq_no, std::chrono::milliseconds timeout);
  Status Flush() { return Guarded("flush", [&] { return FlushOnce(); }); }
  // Runs `op` unless the shard failed; a failure of `op` fails the shard
  // (its state and files may be out of step) and is returned.
  template <typename Op>
  Status Guarded(const char* what, Op&& op) {
    if (failure_.failed()) return failure_.status();
    Status s = op();
    if (s.ok()) return s;
    failure_.Fail(Status(s.code(), std::string(what) + " failed: " + s.message()));
    return failure_.status();
  }
  ShardStats Stats() const;
  Status CheckConsistency() const;

  const ShardEngineOptions options_;
  std::shared_ptr<MappingSource> mappings_;
  std::unique_ptr<ShardStore> store_;
  std::unique_ptr<LocalCheckpointTracker> tracker_;
  std::unique_ptr<ShardStateFile> state_;
  // Held shared by a replica write (ApplyOps) from its term check to its
  // store write, exclusive while the term changes: once SetPrimaryTerm
  // returns, no op of an older term is applied.
  std::shared_mutex term_mu_;
  ShardFailure failure_;
  IndexingLanes lanes_;
  std::atomic<int64_t> refresh_interval_ms_;
  SegmentSet segments_;
  std::unique_ptr<ShardFlusher> flusher_;
  std::unique_ptr<ShardWriter> writer_;
  std::unique_ptr<EventOpSequencer> events_;
  std::unique_ptr<MergeScheduler> merges_;
  std::unique_ptr<RetentionLeaseSet> leases_;
  std::atomic<int64_t> global_checkpoint_{kNoOpsPerformed};

  int64_t GlobalCheckpoint() const {
    return options_.sole_copy ? tracker_->checkpoint() : global_checkpoint_.load();
  }
  // How far a flush may trim the op log (see ShardEngine::AddRetentionLease).
  Result<int64_t> TrimBound(int64_t flushed_checkpoint);

 private:
  void BackgroundLoop();
  Status FlushOnce();

  std::mutex bg_mu_;
  std::condition_variable bg_cv_;
  bool stop_ = false;  // under bg_mu_
  std::thread bg_thread_;
};

// ---------------------------------------------------------------- opening

Status ShardEngine::Impl::Open() {
  const std::string segments_dir = options_.dir + "/segments";
  HOLDFAST_RETURN_IF_ERROR(CreateDirectories(segments_dir));
  ShardStoreOptions store_options;
  store_options.durability = options_.durability;
  store_options.source_cache = options_.source_cache;
  store_options.info_log = options_.store_log;
  HOLDFAST_RETURN_IF_ERROR(OpenState());
  auto store = ShardStore::Open(options_.dir + "/store", store_options);
  if (!store.ok()) return store.status();
  store_ = std::move(store).value();
  flusher_ = std::make_unique<ShardFlusher>(segments_dir, store_.get());
  merges_ = std::make_unique<MergeScheduler>(&segments_, flusher_.get(), &failure_, options_.merge_factor,
                                             options_.merge_max_bytes_per_sec);
  std::vector<SegmentEntry> flushed;
  HOLDFAST_RETURN_IF_ERROR(flusher_->Open(&flushed));
  ShardManifest manifest;
  {
    ShardFlusher::Lock lock = flusher_->LockFlush();
    manifest = flusher_->manifest(lock);
  }
  segments_.Load(std::move(flushed), {manifest.local_checkpoint, manifest.max_seq_no}, manifest.next_segment);
  auto max_seq = store_->MaxSeqNo();
  if (!max_seq.ok()) return max_seq.status();
  const int64_t top = std::max(max_seq.value(), manifest.max_seq_no);
  // Every op up to the flushed (or persisted) checkpoint was processed;
  // above it the op log says which were: a gap stays a gap (FillGaps).
  const int64_t processed = std::max(manifest.local_checkpoint, state_->Get().local_checkpoint);
  tracker_ = std::make_unique<LocalCheckpointTracker>(processed, std::max(processed, top));
  writer_ = std::make_unique<ShardWriter>(mappings_, store_.get(), tracker_.get(), &lanes_, &failure_,
                                          state_->Get().primary_term);
  events_ = std::make_unique<EventOpSequencer>(store_.get(), tracker_.get());
  HOLDFAST_RETURN_IF_ERROR(events_->Open(top));
  leases_ = std::make_unique<RetentionLeaseSet>(store_.get(), options_.retention_lease_period);
  HOLDFAST_RETURN_IF_ERROR(leases_->Load());
  // Written before the mark existed: every flush trimmed up to its manifest.
  auto retained_from = store_->OplogRetainedFrom(manifest.local_checkpoint + 1);
  if (!retained_from.ok()) return retained_from.status();
  HOLDFAST_RETURN_IF_ERROR(Recover(manifest.local_checkpoint, processed, retained_from.value()));
  HOLDFAST_RETURN_IF_ERROR(segments_.Refresh(lanes_, *tracker_));
  flusher_->RemoveUnreferencedFiles();
  // Recovered and searchable, but no space to write: failed until reopened.
  if (store_->read_only()) failure_.Fail(store_->read_only_reason());
  return Status::OK();
}

// One pass over the op log: ops above `processed` count as processed,
// document ops above the flushed checkpoint go back into the buffers (seq_no
// order: the newest op of an id wins; a copy already in the segments is
// deleted at the refresh), event ops above the watermark wait for their
// applier.
Status ShardEngine::Impl::Recover(int64_t flushed_checkpoint, int64_t processed, int64_t retained_from) {
  const int64_t watermark = events_->watermark();
  Status replay;
  // Ops below the op log's start are trimmed: they are in the segments, and
  // trimming never passes an event op waiting to be applied.
  const int64_t from = std::max(std::min(flushed_checkpoint, watermark) + 1, retained_from);
  HOLDFAST_RETURN_IF_ERROR(store_->ForEachOp(from, [&](const ShardOp& op) {
    const int64_t seq = op.stamp.seq_no;
    if (op.type == OpType::kEvent && seq > watermark) events_->AddPending(op);
    if (seq > processed) tracker_->MarkProcessed(seq);
    if (IsDocumentOp(op.type) && seq > flushed_checkpoint && replay.ok()) replay = writer_->Replay(op);
    return true;
  }));
  // Accepted once, so it fit the mapping then: keep the op log, fail the
  // shard (it opens, searches answer) and say why.
  if (!replay.ok()) failure_.Fail(replay);
  return Status::OK();
}

Status ShardEngine::Impl::ApplyOps(int64_t request_primary_term, const std::vector<ShardOp>& ops) {
  if (failure_.failed()) return failure_.status();
  std::shared_lock<std::shared_mutex> lock(term_mu_);
  while (request_primary_term > writer_->primary_term()) {
    lock.unlock();
    HOLDFAST_RETURN_IF_ERROR(SetPrimaryTerm(request_primary_term));
    lock.lock();
  }
  if (request_primary_term < writer_->primary_term()) {
    return Status::Fenced("stale primary term: the request's term " + std::to_string(request_primary_term) +
                          " is older than the shard's term " + std::to_string(writer_->primary_term()));
  }
  for (const ShardOp& op : ops) {
    if (op.stamp.primary_term > request_primary_term) {
      return Status::InvalidArgument("op " + std::to_string(op.stamp.seq_no) + " has term " +
                                     std::to_string(op.stamp.primary_term) + ", newer than the request's " +
                                     std::to_string(request_primary_term));
    }
  }
  Status applied = writer_->ApplyOps(ops, events_.get());
  lock.unlock();
  failure_.ReportPending();
  HOLDFAST_RETURN_IF_ERROR(applied);
  return DrainEvents();
}

Status ShardEngine::Impl::FillGaps() {
  if (failure_.failed()) return failure_.status();
  Status filled = WriteGapNoops();
  failure_.ReportPending();
  HOLDFAST_RETURN_IF_ERROR(filled);
  return DrainEvents();
}

Status ShardEngine::Impl::WriteGapNoops() {
  {
    std::shared_lock<std::shared_mutex> lock(term_mu_);
    const int64_t term = writer_->primary_term();
    const int64_t top = tracker_->max_seq_no();
    std::vector<ShardOp> noops;
    for (int64_t seq = tracker_->checkpoint() + 1; seq <= top; ++seq) {
      if (tracker_->IsProcessed(seq)) continue;
      ShardOp op;
      op.type = OpType::kNoop;
      op.stamp = {term, seq};
      op.source = "filling a gap";
      noops.push_back(std::move(op));
      if (noops.size() == 1024) {
        HOLDFAST_RETURN_IF_ERROR(writer_->ApplyOps(noops, events_.get()));
        noops.clear();
      }
    }
    if (!noops.empty()) HOLDFAST_RETURN_IF_ERROR(writer_->ApplyOps(noops, events_.get()));
  }
  return Status::OK();
}

Status ShardEngine::Impl::OpenState() {
  ShardState initial;
  initial.allocation_id = options_.allocation_id.empty() ? NewUuid() : options_.allocation_id;
  initial.primary_term = std::max<int64_t>(options_.primary_term, 1);
  bool created = false;
  auto state = ShardStateFile::OpenOrCreate(options_.dir, initial, &created);
  if (!state.ok()) return state.status();
  state_ = std::move(state).value();
  if (created) return Status::OK();
  // The owner knows better what this copy is now: a newer term, another allocation.
  return state_->Update([&](ShardState* s) {
    s->primary_term = std::max(s->primary_term, options_.primary_term);
    if (options_.allocation_id.empty() || s->allocation_id == options_.allocation_id) return;
    if (options_.new_history_if_reallocated) s->history_uuid = NewUuid();
    s->allocation_id = options_.allocation_id;
  });
}

Status ShardEngine::Impl::SetPrimaryTerm(int64_t term) {
  std::unique_lock<std::shared_mutex> lock(term_mu_);
  const int64_t current = writer_->primary_term();
  if (term == current) return Status::OK();
  if (term < current) {
    return Status::Fenced("primary term " + std::to_string(term) + " is older than the shard's term " +
                          std::to_string(current));
  }
  HOLDFAST_RETURN_IF_ERROR(state_->Update([&](ShardState* s) { s->primary_term = term; }));
  writer_->set_primary_term(term);
  return Status::OK();
}

// ---------------------------------------------------------------- refresh and flush

bool ShardEngine::Impl::WaitForRefresh(int64_t seq_no, std::chrono::milliseconds timeout) {
  if (refresh_interval().count() <= 0) return Refresh().ok();
  return segments_.WaitForRefresh(seq_no, timeout);
}

Status ShardEngine::Impl::FlushOnce() {
  ShardFlusher::Lock lock = flusher_->LockFlush();
  HOLDFAST_RETURN_IF_ERROR(segments_.Refresh(lanes_, *tracker_));
  SegmentCoverage coverage;
  std::vector<SegmentEntry> snapshot = segments_.Snapshot(&coverage);
  // Every op up to here is in the store (durable once the WAL is synced below).
  const int64_t local_checkpoint = tracker_->checkpoint();
  HOLDFAST_RETURN_IF_ERROR(flusher_->WriteSegments(lock, &snapshot));
  // The manifest claims every op up to the checkpoint: make them durable
  // in the store first (they are, unless durability is async).
  if (store_->durability() == Durability::kAsync) HOLDFAST_RETURN_IF_ERROR(store_->SyncWal());
  // Segments published after the snapshot are in memory and above its checkpoint.
  HOLDFAST_RETURN_IF_ERROR(flusher_->WriteManifest(lock, coverage, segments_.next_segment(), &snapshot));
  segments_.AdoptWritten(snapshot);
  writer_->ResetOpsSinceFlush();
  const int64_t global_checkpoint = std::min(GlobalCheckpoint(), local_checkpoint);
  HOLDFAST_RETURN_IF_ERROR(state_->Update([&](ShardState* s) {
    s->local_checkpoint = local_checkpoint;
    s->global_checkpoint = std::max(s->global_checkpoint, global_checkpoint);
  }));
  HOLDFAST_RETURN_IF_ERROR(events_->AdvanceWatermark(local_checkpoint));
  auto bound = TrimBound(coverage.local_checkpoint);
  if (!bound.ok()) return bound.status();
  HOLDFAST_RETURN_IF_ERROR(flusher_->TrimOpLog(lock, bound.value()));
  merges_->Wake();
  return Status::OK();
}

Result<int64_t> ShardEngine::Impl::TrimBound(int64_t flushed_checkpoint) {
  auto leased = leases_->MinRetainedSeqNo();
  if (!leased.ok()) return leased.status();
  int64_t bound = std::min(flushed_checkpoint, GlobalCheckpoint());
  if (leased.value() != INT64_MAX) bound = std::min(bound, leased.value() - 1);
  // Event ops waiting to be applied are read back from the op log.
  const int64_t pending = events_->lowest_pending();
  if (pending != INT64_MAX) bound = std::min(bound, pending - 1);
  return bound;
}

// ---------------------------------------------------------------- background

void ShardEngine::Impl::StartBackground() {
  bg_thread_ = std::thread([this] { BackgroundLoop(); });
  if (options_.background_merges) {
    merges_->Start([this](const Status& s) { failure_.Fail(s); }, options_.hold_background_writes);
  }
}

void ShardEngine::Impl::StopBackground() {
  {
    std::lock_guard<std::mutex> lock(bg_mu_);
    stop_ = true;
  }
  bg_cv_.notify_all();
  if (bg_thread_.joinable()) bg_thread_.join();
  if (merges_) merges_->Stop();
}

void ShardEngine::Impl::BackgroundLoop() {
  auto last_refresh = Clock::now(), last_sync = Clock::now();
  const auto tick = std::chrono::milliseconds(100);
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(bg_mu_);
      bg_cv_.wait_for(lock, tick);
      if (stop_) return;
    }
    // A failed shard changes nothing more: what is published stays searchable.
    if (failure_.failed()) continue;
    const auto now = Clock::now();
    bool refresh = lanes_.BufferBytes() > options_.indexing_buffer_bytes;
    const std::chrono::milliseconds interval = refresh_interval();  // index.refresh_interval, changed live
    if (interval.count() > 0 && now - last_refresh >= interval) refresh = true;
    if (refresh) {
      last_refresh = now;
      if (!Refresh().ok()) continue;  // the shard failed, with the reason
    }
    const SegmentSetStats st = segments_.Stats();
    const bool held = options_.hold_background_writes && options_.hold_background_writes();
    if (!held && (st.memory_bytes > options_.indexing_buffer_bytes || st.memory_segments > options_.merge_factor ||
                  writer_->ops_since_flush() > options_.flush_threshold_ops)) {
      if (!Flush().ok()) continue;
    }
    if (options_.durability == Durability::kAsync && now - last_sync >= options_.async_sync_interval) {
      last_sync = now;
      // Acknowledged writes were to be durable by now: a failed sync fails the shard.
      (void)Guarded("WAL sync", [&] { return store_->SyncWal(); });
    }
  }
}

// ---------------------------------------------------------------- stats and checks

ShardStats ShardEngine::Impl::Stats() const {
  ShardStats st;
  const SegmentSetStats seg = segments_.Stats();
  st.docs = seg.docs;
  st.deleted_docs = seg.deleted_docs;
  st.segments = seg.segments;
  st.segment_bytes = seg.bytes;
  st.buffered_docs = lanes_.BufferedDocs();
  st.buffer_bytes = lanes_.BufferBytes();
  st.max_seq_no = tracker_->max_seq_no();
  st.local_checkpoint = tracker_->checkpoint();
  st.global_checkpoint = GlobalCheckpoint();
  st.flushed_seq_no = flusher_->flushed_checkpoint();
  st.merges_done = merges_->merges_done();
  st.primary_term = writer_->primary_term();
  if (failure_.failed()) st.failure = failure_.status().ToString();
  return st;
}

Status ShardEngine::Impl::CheckConsistency() const {
  absl::flat_hash_map<std::string, int> in_segments;
  search::SearcherSnapshot snap = segments_.Acquire();
  for (const search::SegmentView& v : snap.Views()) {
    for (uint32_t d = 0; d < v.reader->doc_count(); ++d) {
      if (!v.IsLive(d)) continue;
      if (++in_segments[std::string(v.reader->id(d))] > 1) {
        return Status::Corruption("document [" + std::string(v.reader->id(d)) + "] is live in more than one place");
      }
    }
  }
  size_t live_in_store = 0;
  Status mismatch;
  Status s = store_->ForEachDoc([&](std::string_view id, const DocRecord& r) {
    const bool searchable = in_segments.contains(std::string(id));
    if (r.deleted && searchable) {
      mismatch = Status::Corruption("deleted document [" + std::string(id) + "] is still searchable");
      return false;
    }
    if (!r.deleted) {
      ++live_in_store;
      if (!searchable) {
        mismatch = Status::Corruption("document [" + std::string(id) + "] is stored but not searchable");
        return false;
      }
    }
    return true;
  });
  HOLDFAST_RETURN_IF_ERROR(s);
  HOLDFAST_RETURN_IF_ERROR(mismatch);
  if (live_in_store != in_segments.size()) {
    return Status::Corruption(std::to_string(in_segments.size()) + " searchable documents but " +
                              std::to_string(live_in_store) + " stored");
  }
  return Status::OK();
}

// ---------------------------------------------------------------- ShardEngine

ShardEngine::ShardEngine(std::unique_ptr<Impl> impl, std::shared_ptr<MappingSource> mappings,
                         const ShardEngineOptions& options)
    : impl_(std::move(impl)), mappings_(std::move(mappings)), options_(options) {}

ShardEngine::~ShardEngine() { impl_->StopBackground(); }

Result<std::unique_ptr<ShardEngine>> ShardEngine::Open(const ShardEngineOptions& options,
                                                       std::shared_ptr<MappingSource> mappings) {
  auto impl = std::make_unique<Impl>(options, mappings);
  HOLDFAST_RETURN_IF_ERROR(impl->Open());
  impl->StartBackground();
  return std::unique_ptr<ShardEngine>(new ShardEngine(std::move(impl), std::move(mappings), options));
}

std::vector<WriteResult> ShardEngine::Write(const std::vector<WriteRequest>& requests) {
  std::vector<WriteResult> results = impl_->writer_->Write(requests);
  if (impl_->lanes_.BufferBytes() > options_.indexing_buffer_bytes) impl_->WakeBackground();
  return results;
}
WriteResult ShardEngine::Write(const WriteRequest& request) { return Write(std::vector<WriteRequest>{request}).front(); }
WriteResult ShardEngine::Update(const std::string& id, const std::string& partial_doc, bool doc_as_upsert,
                                std::optional<int64_t> if_seq_no, std::optional<int64_t> if_primary_term,
                                const std::string& routing) {
  return impl_->writer_->Update(id, partial_doc, doc_as_upsert, if_seq_no, if_primary_term, routing);
}
Result<GetResult> ShardEngine::Get(const std::string& id) const { return impl_->writer_->Get(id); }
Status ShardEngine::MultiGet(const std::vector<std::string_view>& ids, std::vector<GetResult>* out) const {
  std::vector<std::optional<DocRecord>> records;
  HOLDFAST_RETURN_IF_ERROR(impl_->store_->GetRecords(ids, &records));
  out->assign(ids.size(), GetResult{});
  for (size_t i = 0; i < ids.size(); ++i) {
    if (records[i]) (*out)[i] = GetResultFromRecord(std::move(*records[i]));
  }
  return Status::OK();
}
Result<OpStamp> ShardEngine::WriteEvents(std::string payload) {
  if (impl_->failure_.failed()) return impl_->failure_.status();
  Impl& impl = *impl_;
  bool store_failed = false;
  auto stamp = impl.events_->Write(
      std::move(payload), [&] { return OpStamp{impl.writer_->primary_term(), impl.tracker_->GenerateSeqNo()}; },
      &store_failed);
  if (store_failed) {  // a seq_no was spent and the op may or may not be stored
    impl.failure_.Fail(Status(stamp.status().code(), "shard failed: " + stamp.status().message()));
    return impl.failure_.status();
  }
  return stamp;
}
Status ShardEngine::SetEventOpApplier(EventOpApplier* applier) {
  // A failed shard still registers (and unregisters) its applier, but applies nothing more.
  const bool apply = applier != nullptr && !impl_->failure_.failed();
  Status s = impl_->events_->SetApplier(applier, apply);
  if (s.ok()) return s;
  impl_->failure_.Fail(Status(s.code(), "applying event ops failed: " + s.message()));
  return impl_->failure_.status();
}
Status ShardEngine::ApplyOps(int64_t request_primary_term, const std::vector<ShardOp>& ops) {
  return impl_->ApplyOps(request_primary_term, ops);
}
Status ShardEngine::FillGaps() { return impl_->FillGaps(); }
int64_t ShardEngine::local_checkpoint() const { return impl_->tracker_->checkpoint(); }
int64_t ShardEngine::max_seq_no() const { return impl_->tracker_->max_seq_no(); }
void ShardEngine::UpdateGlobalCheckpoint(int64_t global_checkpoint) {
  int64_t cur = impl_->global_checkpoint_.load();
  while (global_checkpoint > cur && !impl_->global_checkpoint_.compare_exchange_weak(cur, global_checkpoint)) {
  }
}
int64_t ShardEngine::global_checkpoint() const { return impl_->GlobalCheckpoint(); }
Status ShardEngine::AddRetentionLease(const std::string& id, int64_t retaining_seq_no, const std::string& source) {
  return impl_->leases_->Add(id, retaining_seq_no, source);
}
Status ShardEngine::RenewRetentionLease(const std::string& id, int64_t retaining_seq_no) {
  return impl_->leases_->Renew(id, retaining_seq_no);
}
Status ShardEngine::RemoveRetentionLease(const std::string& id) { return impl_->leases_->Remove(id); }
Result<std::vector<RetentionLease>> ShardEngine::RetentionLeases() const { return impl_->leases_->List(); }
Result<std::unique_ptr<OpLogSnapshot>> ShardEngine::OpsSince(int64_t from_seq_no) const {
  return impl_->store_->SnapshotOpLog(from_seq_no);
}
Result<int64_t> ShardEngine::OplogRetainedFrom() const {
  // Recorded when the engine opened (the fallback is never used here).
  return impl_->store_->OplogRetainedFrom(0);
}
Result<std::unique_ptr<FileSnapshot>> ShardEngine::TakeFileSnapshot(const std::string& dir) const {
  if (impl_->failure_.failed()) return impl_->failure_.status();
  return FileSnapshot::Take(dir, impl_->flusher_.get(), impl_->store_.get(), impl_->state_->Get());
}
const ShardStore& ShardEngine::store() const { return *impl_->store_; }
Status ShardEngine::Refresh() { return impl_->Refresh(); }
void ShardEngine::SetRefreshInterval(std::chrono::milliseconds interval) { impl_->set_refresh_interval(interval); }
bool ShardEngine::WaitForRefresh(int64_t seq_no, std::chrono::milliseconds timeout) {
  return impl_->WaitForRefresh(seq_no, timeout);
}
Status ShardEngine::Flush() { return impl_->Flush(); }
Status ShardEngine::ForceMerge(size_t max_segments) {
  HOLDFAST_RETURN_IF_ERROR(Flush());
  return impl_->Guarded("force merge", [&] { return impl_->merges_->ForceMerge(max_segments); });
}
Status ShardEngine::FinishMerges() {
  HOLDFAST_RETURN_IF_ERROR(Flush());
  HOLDFAST_RETURN_IF_ERROR(impl_->Guarded("merge", [&] { return impl_->merges_->FinishMerges(); }));
  return Flush();
}
Status ShardEngine::Close() {
  impl_->StopBackground();
  // A disk without room for the files: no flush (the op log holds every
  // acknowledged write; the next open replays it).
  if (options_.hold_background_writes && options_.hold_background_writes()) return impl_->failure_.status();
  HOLDFAST_RETURN_IF_ERROR(impl_->Flush());  // a failed shard is not flushed: Close returns why it failed
  return impl_->store_->FlushMeta();         // the next open replays no WAL kept only by meta writes
}
Status ShardEngine::failure() const { return impl_->failure_.status(); }
int64_t ShardEngine::primary_term() const { return impl_->writer_->primary_term(); }
Status ShardEngine::SetPrimaryTerm(int64_t term) { return impl_->SetPrimaryTerm(term); }
std::string ShardEngine::allocation_id() const { return impl_->state_->Get().allocation_id; }
std::string ShardEngine::history_uuid() const { return impl_->state_->Get().history_uuid; }
int64_t ShardEngine::persisted_global_checkpoint() const { return impl_->state_->Get().global_checkpoint; }
search::SearcherSnapshot ShardEngine::AcquireSearcher() const { return impl_->segments_.Acquire(); }
ShardStats ShardEngine::Stats() const { return impl_->Stats(); }
Status ShardEngine::CheckConsistency() const { return impl_->CheckConsistency(); }

}  // namespace holdfast
