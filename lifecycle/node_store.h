// NodeStore: node-level metadata on the volume (<data-dir>/node, RocksDB):
// the run/clean-shutdown marker and, as the MetadataStore of a one-node
// cluster, the local cluster state (replication/local_cluster_state.h).
//
// Every write is synced (WriteOptions::sync) — these are rare and must survive
// power loss.
//
// A full disk (DESIGN.md §9): opening replays the WAL without flushing it,
// and with no byte free the store opens read-only, so a node always starts;
// RocksDB's own log never goes to the volume (index/shard/store_logger.h).
// A write refused for lack of space returns kNoSpace, and RocksDB refuses
// every later write until the store is reopened: writable() turns false, and
// ReopenIfNotWritable() — which the node calls once the disk has room —
// reopens it for writing.
// Thread-safe: RocksDB serializes writers; a reopen waits for calls in flight.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "index/util/status.h"
#include "replication/metadata_store.h"

namespace rocksdb {
class DB;
class Logger;
}

namespace holdfast {

enum class LastStop {
  kFirstStart,  // no marker: this volume never ran
  kClean,       // the previous process wrote the clean-shutdown marker
  kUnclean,     // the previous process was running and never wrote it (crash, SIGKILL)
};
const char* LastStopName(LastStop stop);

class NodeStore : public MetadataStore {
 public:
  // `info_log`: where RocksDB's diagnostics go (null: discarded).
  static Result<std::unique_ptr<NodeStore>> Open(const std::string& dir,
                                                 std::shared_ptr<rocksdb::Logger> info_log = nullptr);
  ~NodeStore() override;

  // Reads how the previous process stopped, then records "running" (synced),
  // so that a crash from here on is seen as unclean by the next start.
  // *recorded is false when the marker could not be written (a full disk:
  // kNoSpace is not an error here — the next start then sees an unclean
  // stop, which is what a crash would leave).
  Result<LastStop> BeginRun(bool* recorded = nullptr);
  // Records the clean-shutdown marker (synced). Call last, after every store closed.
  Status MarkCleanShutdown();

  Result<std::string> Get(const std::string& key) override;  // NotFound when absent
  Status Put(const std::string& key, const std::string& value) override;  // synced
  Status Delete(const std::string& key) override;                         // synced; OK when absent
  Status ForEachWithPrefix(std::string_view prefix,
                           const std::function<bool(std::string_view key, std::string_view value)>& fn) override;
  // One synced RocksDB write batch: all of `mutations` or none.
  Status Commit(const std::vector<Mutation>& mutations) override;

  // False once a write met a full disk, or when the store could only be
  // opened read-only: writes are refused (kNoSpace) until reopened.
  bool writable() const { return writable_.load(); }
  // Reopens the store for writing unless it is writable; OK when writable
  // now, else why not (kNoSpace while the disk is still full).
  Status ReopenIfNotWritable();

 private:
  struct Db;
  NodeStore(std::string dir, std::shared_ptr<rocksdb::Logger> info_log);
  Status OpenDb();  // under an exclusive lock
  Status Write(const std::function<Status(rocksdb::DB&)>& write);

  const std::string dir_;
  const std::shared_ptr<rocksdb::Logger> info_log_;
  mutable std::shared_mutex mu_;  // shared by every call, exclusive by a reopen
  std::unique_ptr<Db> db_;        // under mu_
  std::atomic<bool> writable_{false};
};

}  // namespace holdfast
