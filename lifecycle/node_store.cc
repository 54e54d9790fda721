#include "lifecycle/node_store.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>

namespace holdfast {

namespace {

constexpr char kRunStateKey[] = "node/run_state";
constexpr char kRunning[] = "running";
constexpr char kStoppedClean[] = "stopped_clean";

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::OK();
  if (s.IsNotFound()) return Status::NotFound(what);
  if (s.IsCorruption()) return Status::Corruption(what + ": " + s.ToString());
  return Status::IOError(what + ": " + s.ToString());
}

}  // namespace

const char* LastStopName(LastStop stop) {
  switch (stop) {
    case LastStop::kFirstStart: return "first_start";
    case LastStop::kClean: return "clean";
    case LastStop::kUnclean: return "unclean";
  }
  return "unknown";
}

NodeStore::NodeStore(std::unique_ptr<rocksdb::DB> db) : db_(std::move(db)) {}

NodeStore::~NodeStore() {
  if (db_) db_->Close();
}

Result<std::unique_ptr<NodeStore>> NodeStore::Open(const std::string& dir) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.paranoid_checks = true;
  options.max_open_files = 64;
  options.keep_log_file_num = 2;
  options.recycle_log_file_num = 0;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, dir, &raw);
  if (!s.ok()) return FromRocks(s, "open node store " + dir);
  return std::unique_ptr<NodeStore>(new NodeStore(std::unique_ptr<rocksdb::DB>(raw)));
}

Result<std::string> NodeStore::Get(const std::string& key) {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), key, &value);
  if (!s.ok()) return FromRocks(s, "node store key " + key);
  return value;
}

Status NodeStore::Put(const std::string& key, const std::string& value) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(db_->Put(wo, key, value), "write node store key " + key);
}

Result<LastStop> NodeStore::BeginRun() {
  auto previous = Get(kRunStateKey);
  LastStop stop = LastStop::kFirstStart;
  if (previous.ok()) {
    stop = previous.value() == kStoppedClean ? LastStop::kClean : LastStop::kUnclean;
  } else if (previous.status().code() != StatusCode::kNotFound) {
    return previous.status();
  }
  HOLDFAST_RETURN_IF_ERROR(Put(kRunStateKey, kRunning));
  return stop;
}

Status NodeStore::MarkCleanShutdown() {
  HOLDFAST_RETURN_IF_ERROR(Put(kRunStateKey, kStoppedClean));
  return FromRocks(db_->FlushWAL(true), "sync node store WAL");
}

}  // namespace holdfast
