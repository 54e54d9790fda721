// ShardEngine: one copy of one shard of an index on one node — a small
// Lucene-like engine (DESIGN.md §4) that can be a primary or a replica (§6).
//
// Write path (primary): parse + analyze outside any lock (per-thread parser
// and analyzers) → under a lane lock and the write lock: version /
// optimistic-concurrency checks, seq_no assignment, add to the indexing
// buffer → outside the locks: the ShardStore write (source + op log; fsync
// per batch, group-committed across threads, unless durability is async) →
// ack. One batch of a bulk request is one store write. Replica path
// (ApplyOps): the same with ops stamped by the primary, in any order; the
// newest seq_no of an id is its document.
//
// Refresh (every refresh_interval, on demand, or when the buffer passes its
// limit) turns the buffer into an in-memory segment and publishes a new
// searcher snapshot once the store holds its ops; deletes of older copies
// are applied in the same publish. Flush writes in-memory segments and
// deletions as checksummed files, then atomically replaces the manifest
// (which records the local checkpoint at that refresh: every op up to it is
// in the segments), updates STATE, and trims the op log as far as retention
// allows (global checkpoint, retention leases). Open = STATE + manifest +
// mmap + one pass over the op log above the manifest's checkpoint (replay,
// local checkpoint, event ops not applied yet). Merges run in the background
// on their own thread and never block searches or writes. Searchers are
// snapshots: a segment file is removed only when no snapshot holds it.
//
// Thread-safe: any thread may write, apply ops, get, search or refresh
// concurrently.
//
// Parts (each its own file, saying what it owns and promises):
//   ShardWriter       shard_writer.h        the write path: parse, versions, stamping, store write
//   IndexingLanes     indexing_lanes.h      its in-memory state: lanes, version map, pending deletes
//   SegmentSet        segment_set.h         published segments, refresh, searcher snapshots
//   ShardFlusher      shard_flusher.h       segment/live-docs files, the manifest, op log trimming
//   MergeScheduler    merge_scheduler.h     tiered and forced merges, the merge thread
//   EventOpSequencer  event_op_sequencer.h  event ops' effects in seq_no order (EventOpApplier)
//   ShardStateFile    shard_state.h         <shard>/STATE: allocation id, term, checkpoint, history
//   RetentionLeaseSet retention_leases.h    which history copies still need
//   FileSnapshot      file_snapshot.h       the files of a shard frozen for copying
//   ShardFailure      shard_failure.h       whether the shard failed, and why
//
// Lock order (a thread holding one may only take those below it):
//   1. term lock        ShardEngine        shared by ApplyOps/FillGaps up to their store
//                                          write, exclusive by SetPrimaryTerm
//   2. event lock       EventOpSequencer   event ops applied one at a time; the
//                                          applier (EventShard) is called under it
//   3. flush lock       ShardFlusher       flush, merge install, trim, file snapshot
//   4. refresh lock     SegmentSet         one refresh at a time
//   5. lane locks       IndexingLanes      in ascending lane order
//   6. write lock       IndexingLanes      version map, pending deletes, seq_no stamping
//   7. leaves, never held while taking another engine lock: the published-
//      segment list (SegmentSet), the checkpoint tracker, STATE (held across
//      its file write), the retention leases (held across their store
//      write), the failure state, the merge and background threads' signals.
// The store write of a batch runs with no engine lock held but the term
// lock (replica path); the failure callback with none. AcquireSearcher takes
// only the published-list lock; the primary write path takes one lane lock
// and the write lock per lane of a batch, and no lock per op.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "index/search/search_context.h"
#include "index/shard/event_op_applier.h"
#include "index/shard/local_checkpoint_tracker.h"
#include "index/shard/manifest.h"
#include "index/shard/mapping_source.h"
#include "index/shard/retention_leases.h"
#include "index/shard/shard_store.h"
#include "index/util/status.h"

namespace holdfast {

class FileSnapshot;  // index/shard/file_snapshot.h

struct ShardEngineOptions {
  std::string dir;  // holds store/ and segments/
  Durability durability = Durability::kRequest;
  size_t indexing_buffer_bytes = 64u << 20;
  // Parallel indexing buffers (each id always uses the same one); each
  // becomes its own segment at refresh.
  size_t indexing_lanes = 2;
  // Automatic refresh period; zero or negative disables it (refresh on demand only).
  std::chrono::milliseconds refresh_interval{1000};
  std::chrono::milliseconds async_sync_interval{5000};  // Durability::kAsync
  // The shard's primary term when STATE is created; a larger one adopts it
  // at open (the term in STATE wins otherwise).
  int64_t primary_term = 1;
  // This copy's allocation id; empty: the one in STATE (a new random id
  // when STATE is created).
  std::string allocation_id;
  // Files of another allocation (STATE names another id) start a new
  // history uuid at open: a copy forced to be primary over what it holds,
  // which no other copy may then catch up from by comparing ops.
  bool new_history_if_reallocated = false;
  bool background_merges = true;
  // Merge output is written at most this fast (0 = unlimited), so merges leave
  // disk bandwidth to the op log and searches.
  uint64_t merge_max_bytes_per_sec = 128ull << 20;
  // Merge policy (tiered): merge this many segments of a similar size at once.
  size_t merge_factor = 10;
  // Flushed state is also written when the op log holds more than this.
  size_t flush_threshold_ops = 500'000;
  std::shared_ptr<rocksdb::Cache> source_cache;  // see ShardStoreOptions
  std::shared_ptr<rocksdb::Logger> store_log;    // ShardStoreOptions::info_log
  // True while the disk is nearly full (the node's write block is on): the
  // background loop starts no flush and the merge thread no merge — files
  // written on a disk without room for them fail the shard — until it turns
  // false. Writes are blocked meanwhile, so the buffers do not grow (except
  // for deletes and replicated ops). Close() does not flush either (the op
  // log holds every acknowledged write); Flush() and ForceMerge() still run
  // when asked. Null: never held. Called from the engine's threads.
  std::function<bool()> hold_background_writes;
  // Hears, once, why the shard failed (a store write, refresh, flush, WAL
  // sync or merge failed, in the foreground or the background): the owner
  // logs it (index/ does not log). Called on the thread that met the
  // error with no engine lock held; it may call the engine's read methods.
  std::function<void(const Status&)> on_failure;
  // A retention lease not renewed for this long expires and stops holding
  // op log history (Elasticsearch's index.soft_deletes.retention_lease.period).
  std::chrono::milliseconds retention_lease_period = std::chrono::hours(12);
  // The shard has no other copies (a single node): its global checkpoint is
  // its local checkpoint. Otherwise the owner sets the global checkpoint
  // (UpdateGlobalCheckpoint) — a replica learns it from its primary, a
  // primary computes it over its in-sync copies — and until then the op
  // log is not trimmed.
  bool sole_copy = false;
};

enum class WriteOpType { kIndex, kCreate, kDelete };

struct WriteRequest {
  WriteOpType type = WriteOpType::kIndex;
  std::string id;
  std::string source;  // kIndex, kCreate
  std::optional<int64_t> if_seq_no;
  std::optional<int64_t> if_primary_term;
  // version_type=external (external_gte when external_gte): the document's
  // version becomes this value, which must be above (or at least) the
  // current one; kIndex and kDelete only.
  std::optional<int64_t> external_version;
  bool external_gte = false;
  // The custom routing (Elasticsearch's _routing) stored with the document;
  // empty: none. The shard does not route: the coordinator sent the request
  // to ShardOfRouting(id, routing) (replication/shard_routing.h).
  std::string routing;
};

enum class WriteOutcome { kCreated, kUpdated, kDeleted, kNotFound, kNoop };
const char* WriteOutcomeName(WriteOutcome o);  // "created", "updated", ... as in ES

struct WriteResult {
  // Errors: kMapperParsing, kStrictDynamicMapping or kInvalidArgument for
  // documents that do not fit the mapping; kConflict
  // (version_conflict_engine_exception) for create-on-existing and if_seq_no
  // mismatches; IOError (NoSpace for a full disk) when the store failed.
  Status status;
  WriteOutcome outcome = WriteOutcome::kCreated;
  int64_t version = 0;
  OpStamp stamp;
  // The shard copies the write reached (Elasticsearch's `_shards`), as the
  // primary counted them after replicating (replication/write_replication.h);
  // copies_total 0: not counted (the caller counts the primary alone).
  uint32_t copies_total = 0;
  uint32_t copies_successful = 0;
  uint32_t copies_failed = 0;
};

struct GetResult {
  bool found = false;
  int64_t version = 0;
  OpStamp stamp;
  std::string source;
  std::string routing;  // the document's _routing; empty: none
};

struct ShardStats {
  uint64_t docs = 0;           // live docs in the searcher
  uint64_t deleted_docs = 0;   // deleted but not yet merged away
  uint64_t segments = 0;
  uint64_t segment_bytes = 0;  // flushed + in-memory segment bytes
  uint64_t buffered_docs = 0;  // indexed, not yet refreshed
  size_t buffer_bytes = 0;
  int64_t max_seq_no = kNoOpsPerformed;
  int64_t local_checkpoint = kNoOpsPerformed;
  int64_t global_checkpoint = kNoOpsPerformed;
  int64_t flushed_seq_no = kNoOpsPerformed;  // the manifest's local checkpoint
  uint64_t merges_done = 0;
  int64_t primary_term = kUnassignedPrimaryTerm;
  std::string failure;  // empty while healthy; else why the shard failed
};

class ShardEngine {
 public:
  static Result<std::unique_ptr<ShardEngine>> Open(const ShardEngineOptions& options,
                                                   std::shared_ptr<MappingSource> mappings);
  ~ShardEngine();  // stops background work; does not flush (Close() does)
  ShardEngine(const ShardEngine&) = delete;
  ShardEngine& operator=(const ShardEngine&) = delete;

  // Applies the requests in order as one batch (one store write). Per-item
  // results; an item refused by parsing or versioning does not affect others.
  std::vector<WriteResult> Write(const std::vector<WriteRequest>& requests);
  WriteResult Write(const WriteRequest& request);

  // Partial update (`doc` merged into the current source), or upsert when
  // `doc_as_upsert` and the doc is missing (else kDocumentMissing).
  // Retries internally on concurrent modification. The document keeps its
  // routing unless `routing` (non-empty) replaces it, as in Elasticsearch.
  WriteResult Update(const std::string& id, const std::string& partial_doc, bool doc_as_upsert,
                     std::optional<int64_t> if_seq_no = {}, std::optional<int64_t> if_primary_term = {},
                     const std::string& routing = {});

  // Realtime get from the store (sees acknowledged writes before a refresh).
  Result<GetResult> Get(const std::string& id) const;
  // Realtime gets of several ids in one batched read; (*out)[i].found is
  // false for a missing or deleted ids[i].
  Status MultiGet(const std::vector<std::string_view>& ids, std::vector<GetResult>* out) const;

  // ---- events (DESIGN.md §5)

  // Registers what computes event ops' effects (recommend::EventShard; null
  // unregisters — before the applier is destroyed). Event ops waiting for
  // it (above the events-applied watermark at open, or received through
  // ApplyOps) are applied at once, in seq_no order, as far as the local
  // checkpoint allows. An error fails the shard.
  Status SetEventOpApplier(EventOpApplier* applier);
  // The primary path: appends one event op (`payload`: the encoded events,
  // for recovery and replication) to the op log atomically with its effects
  // (from the applier) and the events-applied watermark, durable as
  // document writes are. FailedPrecondition without an applier, or while
  // event ops wait for a gap below them (FillGaps first).
  Result<OpStamp> WriteEvents(std::string payload);
  // Read access to the store (the event spaces).
  const ShardStore& store() const;

  // ---- the replica path (DESIGN.md §6)

  // Applies ops stamped by the primary — index, delete, event, no-op — in
  // one durable store write. Ops may come in any order and more than once:
  // an op whose seq_no was processed is skipped; a document op older than
  // the document's current state (a lower seq_no; deletes keep tombstones)
  // is only recorded in the op log; versions come from the ops. Event ops
  // are logged at once and their effects applied once every lower seq_no is
  // processed. The local checkpoint advances over gap-free seq_nos.
  // A request of an older primary term than the shard's is refused and
  // changes nothing (kFenced); a newer one is adopted (persisted) first. InvalidArgument for
  // a malformed op or a document that does not parse (nothing applied).
  Status ApplyOps(int64_t request_primary_term, const std::vector<ShardOp>& ops);
  // Writes a no-op for every seq_no up to max_seq_no not processed, so the
  // local checkpoint reaches max_seq_no, and applies the event ops that
  // waited for them. Whoever opens a shard as primary, or promotes a copy
  // to primary, calls it before taking writes: at open the local checkpoint
  // is recomputed from the op log and a gap (a write in flight at a crash,
  // never acknowledged; an op a replica never received) stays a gap until
  // filled. A shard copy opening as primary calls it (replication/shard_copy.cc).
  Status FillGaps();
  // Every seq_no <= local_checkpoint() is processed; max_seq_no() is the
  // highest seen (issued, on a primary).
  int64_t local_checkpoint() const;
  int64_t max_seq_no() const;

  // ---- history a lagging copy can still use (DESIGN.md §6)

  // The global checkpoint: every in-sync copy has every op up to it. Only
  // moves up (a lower value is ignored). With ShardEngineOptions::sole_copy
  // it is the local checkpoint and this call is not needed.
  void UpdateGlobalCheckpoint(int64_t global_checkpoint);
  int64_t global_checkpoint() const;
  // Retention leases (persisted in the store): a flush trims the op log
  // only up to min(flushed checkpoint, global checkpoint, every unexpired
  // lease's retaining seq_no - 1). Add: AlreadyExists for a held id. Renew
  // refreshes the lease's time and never moves its seq_no backwards;
  // NotFound for an unknown (or expired) id, as Remove.
  Status AddRetentionLease(const std::string& id, int64_t retaining_seq_no, const std::string& source);
  Status RenewRetentionLease(const std::string& id, int64_t retaining_seq_no);
  Status RemoveRetentionLease(const std::string& id);
  Result<std::vector<RetentionLease>> RetentionLeases() const;
  // A consistent snapshot of the op log from `from_seq_no` on, in seq_no
  // order, while writes continue. When ops at or above `from_seq_no` were
  // trimmed already: kHistoryTrimmed, never a partial answer. Must not outlive the engine.
  Result<std::unique_ptr<OpLogSnapshot>> OpsSince(int64_t from_seq_no) const;
  // The lowest seq_no from which the op log holds every op (below it ops
  // were trimmed: covered by flushed segments and, on a copy with others,
  // below a global checkpoint it was told — so shared by every copy that
  // was in sync then). OpsSince(from) answers for any from >= it.
  Result<int64_t> OplogRetainedFrom() const;
  // The shard's files frozen in `dir` (which must not exist) for copying
  // while writes continue: the current manifest and the files it names
  // (hard links), a RocksDB checkpoint of the store, and STATE; each listed
  // with length and checksum. A shard opened on a copy of them holds the
  // checkpoint's documents. The directory goes with the returned object.
  Result<std::unique_ptr<FileSnapshot>> TakeFileSnapshot(const std::string& dir) const;

  // Makes everything indexed so far searchable.
  Status Refresh();
  // index.refresh_interval changed on an open shard (<= 0: on demand only).
  void SetRefreshInterval(std::chrono::milliseconds interval);
  // Waits until a refresh covers `seq_no` (refresh=wait_for), up to `timeout`.
  bool WaitForRefresh(int64_t seq_no, std::chrono::milliseconds timeout);
  // Refresh + write segments and deletions to files + new manifest + trim op log.
  Status Flush();
  // Merges down to at most `max_segments` segments (force merge); blocks.
  Status ForceMerge(size_t max_segments);
  // Flush, then runs every merge the tiered policy still wants (what Lucene's
  // IndexWriter.close() waits for) and waits for background merges; blocks.
  Status FinishMerges();
  // Flush and stop background threads. Idempotent.
  Status Close();

  search::SearcherSnapshot AcquireSearcher() const;
  ShardStats Stats() const;

  // OK while healthy. Once a store write, refresh, flush, WAL sync or merge
  // failed (foreground or background), the reason: writes, refreshes and
  // flushes are refused with it from then on, searches and gets keep
  // answering from what is published and stored, and Close() returns it
  // without flushing. Reopening the shard recovers from its files.
  // kNoSpace when the disk was full (ENOSPC), or when the store could only
  // be opened read-only for lack of space (the shard opens failed, with
  // everything recovered searchable): nothing acknowledged is lost, and
  // reopening once space is freed makes the shard writable again.
  Status failure() const;

  // Cross-checks segments against the store: every live store doc is live in
  // exactly one segment with the same version's source, and nothing else is.
  // Corruption with a description of the first difference.
  Status CheckConsistency() const;

  std::shared_ptr<MappingSource> mappings() const { return mappings_; }

  // ---- the copy's identity (<shard>/STATE, DESIGN.md §3)

  // The primary term this copy knows: writes are stamped with it, and
  // ApplyOps refuses requests of an older one.
  int64_t primary_term() const;
  // Adopts a newer primary term (persisted in STATE before it returns); the
  // same term is a no-op; an older one is refused (kFenced).
  Status SetPrimaryTerm(int64_t term);
  std::string allocation_id() const;
  // Which op history this copy holds; set when STATE is created and kept
  // by file snapshots (a recovered copy shares its source's history).
  std::string history_uuid() const;
  // The global checkpoint known at the last flush (persisted in STATE;
  // kNoOpsPerformed before the first).
  int64_t persisted_global_checkpoint() const;

 private:
  class Impl;
  explicit ShardEngine(std::unique_ptr<Impl> impl, std::shared_ptr<MappingSource> mappings,
                       const ShardEngineOptions& options);
  std::unique_ptr<Impl> impl_;
  std::shared_ptr<MappingSource> mappings_;
  ShardEngineOptions options_;
};

}  // namespace holdfast
