// ShardStore: a shard's durable store (<shard>/store, RocksDB): the current
// source and version of every document, and the op log keyed by seq_no
// (DESIGN.md §3, §4). It is the source of truth; segments are derived from it
// and can always be rebuilt by replaying the op log above a flush point.
//
// Column families:
//   source  _id → DocRecord (version, stamp, tombstone flag, _source bytes);
//           written as merge operands: the record with the highest
//           (seq_no, primary term) wins, whatever order writes land in
//   oplog   big-endian seq_no → ShardOp
//   meta    small named values
// Write() is atomic per batch (one RocksDB WriteBatch) and, with
// Durability::kRequest, synced before it returns: one fsync per batch, and
// RocksDB's write-group leader merges concurrent batches into one fsync
// (group commit). Thread-safe; callers order ops (seq_no assignment) above it.
//
// A full volume (DESIGN.md §9): recovery at open replays the WAL into the
// memtables without flushing them, so it needs almost no free space; with
// none at all the store opens read-only (read_only()): every read works,
// every write is refused with kNoSpace until the store is opened again. A
// write that meets ENOSPC fails with kNoSpace; RocksDB then refuses every
// later write (its background error) until the store is reopened. RocksDB's
// own log never goes to the volume (store_logger.h).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "index/shard/doc_record.h"
#include "index/shard/op_stamp.h"
#include "index/util/status.h"

namespace rocksdb {
class Cache;
class DB;
class Logger;
class ColumnFamilyHandle;
class WriteBatch;
}  // namespace rocksdb

namespace holdfast {

// kEvent: a batch of user events (index/recommend/); its effects on the
// event spaces below are written atomically with the op log entry and the
// events-applied watermark, in seq_no order (EventOpSequencer).
// kNoop: fills a seq_no that was issued but never written (FillGaps), so
// the local checkpoint can pass it; `source` may say why.
enum class OpType : uint8_t { kIndex = 1, kDelete = 2, kEvent = 3, kNoop = 4 };
inline bool IsDocumentOp(OpType t) { return t == OpType::kIndex || t == OpType::kDelete; }

// One entry of the op log: what happened to one document (or a batch of
// events, encoded in `source`, or nothing: a no-op), stamped.
struct ShardOp {
  OpType type = OpType::kIndex;
  std::string id;
  OpStamp stamp;
  int64_t version = 0;
  std::string source;  // empty for deletes; the encoded events for kEvent
  std::string routing;  // document ops: the custom routing (_routing); empty: none
};

// Key spaces of the shard store that hold event-derived state
// (index/recommend/). Counters are updated with RocksDB merge operators,
// never read-modify-write:
//   kUsers       user → bounded recent history (plain values)
//   kPairs       item → its co-occurrence row (sparse row add)
//   kItemStats   item → per-item counters (int64 vector add)
//   kPopularity  item → time-decayed counts per event type (decay-and-add)
enum class EventSpace : uint8_t { kUsers = 0, kPairs = 1, kItemStats = 2, kPopularity = 3 };

class ShardStore;

// Writes to the event spaces, applied atomically with one op log entry by
// ShardStore::WriteEventOp.
class EventBatch {
 public:
  EventBatch();
  ~EventBatch();
  EventBatch(EventBatch&&) noexcept;
  EventBatch& operator=(EventBatch&&) noexcept;
  void Put(EventSpace space, std::string_view key, std::string_view value);
  void Merge(EventSpace space, std::string_view key, std::string_view operand);
  size_t size() const { return entries_.size(); }
  size_t bytes() const { return bytes_; }

 private:
  friend class ShardStore;
  struct Entry {
    EventSpace space;
    bool merge;
    std::string key, value;
  };
  std::vector<Entry> entries_;
  size_t bytes_ = 0;
};
std::string EncodeShardOp(const ShardOp& op);
Result<ShardOp> DecodeShardOp(int64_t seq_no, std::string_view bytes);

enum class Durability {
  kRequest,  // fsync before Write() returns (default; ES translog.durability=request)
  kAsync,    // no fsync per write; SyncWal() is called periodically by the owner
};

struct ShardStoreOptions {
  Durability durability = Durability::kRequest;
  size_t write_buffer_bytes = 64u << 20;
  // Uncompressed blocks of document sources and, for GetRecords, whole
  // records, shared by the shards of a node (NewSourceCache). Null: each
  // store keeps RocksDB's small default block cache and no record cache.
  std::shared_ptr<rocksdb::Cache> source_cache;
  // RocksDB's diagnostics (NewStoreLogger); null: discarded.
  std::shared_ptr<rocksdb::Logger> info_log;
  // When a writable open fails for lack of space, open read-only instead.
  bool read_only_when_full = true;
};

// An LRU cache of `capacity` bytes for ShardStoreOptions::source_cache.
std::shared_ptr<rocksdb::Cache> NewSourceCache(size_t capacity);
// Bytes the cache holds now.
size_t SourceCacheUsage(const rocksdb::Cache& cache);

// A consistent view of the op log from one seq_no on (a RocksDB snapshot
// and an iterator over it): writes and trims continue meanwhile and the
// view does not change. Yields ops in seq_no order (a replica's gaps are
// skipped). Must not outlive its store. One thread at a time.
class OpLogSnapshot {
 public:
  ~OpLogSnapshot();
  OpLogSnapshot(const OpLogSnapshot&) = delete;
  OpLogSnapshot& operator=(const OpLogSnapshot&) = delete;
  // The next op into *op; false at the end or on an error (see status()).
  bool Next(ShardOp* op);
  const Status& status() const { return status_; }
  // The highest seq_no in the op log when the snapshot was taken.
  int64_t max_seq_no() const { return max_seq_no_; }

 private:
  friend class ShardStore;
  struct Rep;
  OpLogSnapshot(std::unique_ptr<Rep> rep, int64_t max_seq_no);
  std::unique_ptr<Rep> rep_;
  Status status_;
  int64_t max_seq_no_;
};

class ShardStore {
 public:
  static Result<std::unique_ptr<ShardStore>> Open(const std::string& dir, const ShardStoreOptions& options);
  ~ShardStore();
  ShardStore(const ShardStore&) = delete;
  ShardStore& operator=(const ShardStore&) = delete;

  // Records the ops atomically: op log entries, and for document ops their
  // sources or tombstones. A record older than the id's stored one does not
  // replace it (the op log still gets the op). Event ops are only logged
  // here; their effects come with WriteEventOp.
  Status Write(const std::vector<ShardOp>& ops);
  // Records one kEvent op log entry, its effects `batch` and the
  // events-applied watermark (= its seq_no) atomically (synced as Write).
  Status WriteEventOp(const ShardOp& op, const EventBatch& batch);
  // Meta keys: the seq_no up to which event ops' effects are applied, and
  // the lowest seq_no the op log still holds (every op below was trimmed).
  static constexpr char kEventsAppliedKey[] = "events_applied";
  static constexpr char kOplogRetainedFromKey[] = "oplog_retained_from";

  // Event spaces: point reads (NotFound when absent; merge operands applied),
  // batched reads (missing keys give empty optionals), and prefix scans.
  Result<std::string> GetEvent(EventSpace space, std::string_view key) const;
  Status MultiGetEvent(EventSpace space, const std::vector<std::string>& keys,
                       std::vector<std::optional<std::string>>* values) const;
  Status ForEachEventWithPrefix(EventSpace space, std::string_view prefix,
                                const std::function<bool(std::string_view key, std::string_view value)>& fn) const;
  // The latest record of `id`, tombstones included. NotFound when never seen.
  Result<DocRecord> GetRecord(std::string_view id) const;
  // The latest records of `ids` in one batched read (the fetch of a search
  // page); (*out)[i] is empty when ids[i] was never seen. Records read are
  // kept in the source cache (a hit costs one hash lookup, where a read
  // seeks the SST index and a block); Write drops the ids it writes.
  Status GetRecords(const std::vector<std::string_view>& ids, std::vector<std::optional<DocRecord>>* out) const;
  // The op log from `from_seq_no` upward, in order, until `fn` returns false.
  Status ForEachOp(int64_t from_seq_no, const std::function<bool(const ShardOp&)>& fn) const;
  // Highest seq_no in the op log (kNoOpsPerformed when empty).
  Result<int64_t> MaxSeqNo() const;
  // Drops op log entries with seq_no <= `up_to` (covered by flushed segments
  // and no longer retained), and records atomically that the op log now
  // starts at up_to + 1 (OplogRetainedFrom). Never moves that mark back.
  Status TrimOpLog(int64_t up_to);
  // The lowest seq_no the op log still holds every op from: ops below it
  // were trimmed. 0 for a store that never trimmed; a store written before
  // this mark existed gets `fallback` (recorded).
  Result<int64_t> OplogRetainedFrom(int64_t fallback);
  // A consistent view of the op log from `from_seq_no` on. When ops at or
  // above `from_seq_no` were already trimmed: kHistoryTrimmed — never a
  // partial view.
  Result<std::unique_ptr<OpLogSnapshot>> SnapshotOpLog(int64_t from_seq_no) const;
  // Makes every write so far durable (for Durability::kAsync). Never
  // aborts after a failed write: it returns that failure.
  Status SyncWal();
  // A RocksDB checkpoint of the whole store in `dir` (which must not
  // exist): immutable files hard-linked, the rest copied; a consistent point
  // of the store while writes continue. *max_seq_no: the highest seq_no in
  // the checkpoint's op log (read back from it).
  Status CreateCheckpoint(const std::string& dir, int64_t* max_seq_no);
  // Flushes the memtables and compacts the sources into the last level (a
  // settled store, as after a long run; benchmarks and tests).
  Status Compact();

  // Synced unless `sync` is false (a value whose loss in a crash is harmless).
  Status PutMeta(const std::string& key, const std::string& value, bool sync = true);
  // Writes the meta space's memtable to a file: its few small writes would
  // otherwise keep WAL files alive until max_total_wal_size forces it (all
  // replayed at the next open). At close.
  Status FlushMeta();
  Result<std::string> GetMeta(const std::string& key) const;  // NotFound when absent

  // Every record in id order (tombstones included) until `fn` returns false.
  Status ForEachDoc(const std::function<bool(std::string_view id, const DocRecord&)>& fn) const;

  // Number of live (non-tombstone) documents; a full scan, for checks and tests.
  Result<uint64_t> CountLiveDocs() const;

  Durability durability() const { return options_.durability; }
  // Opened read-only for lack of space: writes are refused with
  // read_only_reason() (kNoSpace), which says why.
  bool read_only() const { return !read_only_.ok(); }
  const Status& read_only_reason() const { return read_only_; }

 private:
  ShardStore(ShardStoreOptions options, rocksdb::DB* db, std::vector<rocksdb::ColumnFamilyHandle*> cfs,
             Status read_only);
  std::string RecordCacheKey(std::string_view id) const;
  std::mutex& RecordCacheStripe(std::string_view key) const;

  ShardStoreOptions options_;
  const Status read_only_;  // OK: writable
  // Record cache: keys are cache_prefix_ + id (the prefix is unique to this
  // store, so shards sharing the cache never collide). A stale record is
  // never left cached: Write writes, then bumps write_epoch_, then drops its
  // ids, each under its stripe lock; a reader caches what it read only if
  // the epoch it saw before reading is unchanged, checked under that lock.
  // (A reader that saw the old record either sees the bump, or caches it
  // before the drop — which then removes it.)
  std::string cache_prefix_;
  std::atomic<uint64_t> write_epoch_{0};
  mutable std::array<std::mutex, 64> cache_stripes_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs_;  // default(meta), source, oplog, event spaces
};

}  // namespace holdfast
