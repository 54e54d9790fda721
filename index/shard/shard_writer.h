// ShardWriter: a shard's document write path (DESIGN.md §4) — parse and
// analyze, version checks, seq_no stamping, buffering and the durable store
// write — for the primary (Write: it stamps) and for a replica (ApplyOps:
// ops stamped elsewhere); and the replay of the op log at open.
//
// Owns no state of its own beyond the primary term it stamps with: it works
// on the indexing lanes (buffers, version map), the store and the
// checkpoint tracker it is given.
// Promises: an acknowledged op is durable in the store (source + op log, one
// write per batch) and buffered, so the next refresh makes it searchable;
// ops on one id are buffered in seq_no order, and of the ops of one id the
// highest seq_no is the document, whatever order they arrive in; a failed
// store write fails the shard (nothing of the batch is acknowledged).
// Threads: any thread, concurrently. Parsing and analysis run outside every
// lock; a lane's lock and the write lock are held only to check versions,
// stamp and buffer.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "index/shard/event_op_sequencer.h"
#include "index/shard/indexing_lanes.h"
#include "index/shard/local_checkpoint_tracker.h"
#include "index/shard/mapping_source.h"
#include "index/shard/shard_engine.h"
#include "index/shard/shard_failure.h"
#include "index/shard/shard_store.h"

namespace holdfast {

class ShardWriter {
 public:
  ShardWriter(std::shared_ptr<MappingSource> mappings, ShardStore* store, LocalCheckpointTracker* tracker,
              IndexingLanes* lanes, ShardFailure* failure, int64_t primary_term)
      : mappings_(std::move(mappings)),
        store_(store),
        tracker_(tracker),
        lanes_(lanes),
        failure_(failure),
        primary_term_(primary_term) {}

  // The primary path: stamps each accepted request with the next seq_no.
  std::vector<WriteResult> Write(const std::vector<WriteRequest>& requests);
  // The document keeps its routing unless `routing` (non-empty) replaces it.
  WriteResult Update(const std::string& id, const std::string& partial, bool doc_as_upsert,
                     std::optional<int64_t> if_seq_no, std::optional<int64_t> if_primary_term,
                     const std::string& routing);
  Result<GetResult> Get(const std::string& id) const;
  // The replica path: ops stamped by a primary (document ops, event ops,
  // no-ops), in any order. An op whose seq_no is processed already is
  // skipped; a document op older than its id's current state is only
  // logged (history); event ops are logged and handed to `events`
  // (AddPending) before they count as processed. One store write. Errors:
  // InvalidArgument for a malformed op or a document that does not parse
  // (nothing is written), the shard's failure once a store write failed
  // (set, not reported: the caller holds the term lock and calls
  // ShardFailure::ReportPending after releasing it).
  Status ApplyOps(const std::vector<ShardOp>& ops, EventOpSequencer* events);

  // At open, called for the document ops of the op log above the manifest's
  // checkpoint in seq_no order (so the newest op of an id wins): buffers
  // the op; older copies in the published segments go at the next refresh.
  // Corruption when a document no longer parses.
  Status Replay(const ShardOp& op);

  int64_t primary_term() const { return primary_term_.load(); }
  void set_primary_term(int64_t term) { primary_term_.store(term); }
  // Ops written since the last flush (the flush threshold).
  uint64_t ops_since_flush() const { return ops_since_flush_.load(); }
  void ResetOpsSinceFlush() { ops_since_flush_ = 0; }

 private:
  struct Prepared;
  Status PrepareDocument(const std::string& id, const std::string& source, Prepared* out);
  // Under the write lock: the latest version of `id` (version map, then store).
  Result<std::optional<VersionEntry>> LookupVersion(const std::string& id);

  std::shared_ptr<MappingSource> mappings_;
  ShardStore* const store_;
  LocalCheckpointTracker* const tracker_;
  IndexingLanes* const lanes_;
  ShardFailure* const failure_;
  std::atomic<int64_t> primary_term_;
  std::atomic<uint64_t> ops_since_flush_{0};
};

// A get's answer from the latest record (a tombstone: not found).
GetResult GetResultFromRecord(DocRecord&& record);

}  // namespace holdfast
