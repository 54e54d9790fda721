// NodeStore: node-level metadata on the volume (<data-dir>/node, RocksDB):
// the run/clean-shutdown marker today; known indices and shard copies as the
// cluster issues land.
//
// Every write is synced (WriteOptions::sync) — these are rare and must survive
// power loss. Thread-safe: RocksDB serializes writers.
#pragma once

#include <memory>
#include <string>

#include "index/util/status.h"

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

class NodeStore {
 public:
  static Result<std::unique_ptr<NodeStore>> Open(const std::string& dir);
  ~NodeStore();

  // Reads how the previous process stopped, then records "running" (synced),
  // so that a crash from here on is seen as unclean by the next start.
  Result<LastStop> BeginRun();
  // Records the clean-shutdown marker (synced). Call last, after every store closed.
  Status MarkCleanShutdown();

  Result<std::string> Get(const std::string& key);  // NotFound when absent
  Status Put(const std::string& key, const std::string& value);  // synced

 private:
  explicit NodeStore(std::unique_ptr<rocksdb::DB> db);
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace holdfast
