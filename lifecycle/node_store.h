// NodeStore: node-level metadata on the volume (<data-dir>/node, RocksDB):
// the run/clean-shutdown marker and, as the MetadataStore of a one-node
// cluster, the local cluster state (replication/local_cluster_state.h).
//
// Every write is synced (WriteOptions::sync) — these are rare and must survive
// power loss. Thread-safe: RocksDB serializes writers.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "index/util/status.h"
#include "replication/metadata_store.h"

namespace rocksdb {
class DB;
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
  static Result<std::unique_ptr<NodeStore>> Open(const std::string& dir);
  ~NodeStore() override;

  // Reads how the previous process stopped, then records "running" (synced),
  // so that a crash from here on is seen as unclean by the next start.
  Result<LastStop> BeginRun();
  // Records the clean-shutdown marker (synced). Call last, after every store closed.
  Status MarkCleanShutdown();

  Result<std::string> Get(const std::string& key) override;  // NotFound when absent
  Status Put(const std::string& key, const std::string& value) override;  // synced
  Status Delete(const std::string& key) override;                         // synced; OK when absent
  Status ForEachWithPrefix(std::string_view prefix,
                           const std::function<bool(std::string_view key, std::string_view value)>& fn) override;
  // One synced RocksDB write batch: all of `mutations` or none.
  Status Commit(const std::vector<Mutation>& mutations) override;

 private:
  explicit NodeStore(std::unique_ptr<rocksdb::DB> db);
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace holdfast
