#include "lifecycle/node_store.h"

#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

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

Status NodeStore::Delete(const std::string& key) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(db_->Delete(wo, key), "delete node store key " + key);
}

Status NodeStore::ForEachWithPrefix(std::string_view prefix,
                                    const std::function<bool(std::string_view key, std::string_view value)>& fn) {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  const rocksdb::Slice p(prefix.data(), prefix.size());
  for (it->Seek(p); it->Valid() && it->key().starts_with(p); it->Next()) {
    if (!fn(it->key().ToStringView(), it->value().ToStringView())) break;
  }
  return FromRocks(it->status(), "scan node store prefix " + std::string(prefix));
}

Status NodeStore::Commit(const std::vector<Mutation>& mutations) {
  rocksdb::WriteBatch batch;
  for (const Mutation& m : mutations) {
    rocksdb::Status s = m.value ? batch.Put(m.key, *m.value) : batch.Delete(m.key);
    if (!s.ok()) return FromRocks(s, "node store batch key " + m.key);
  }
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(db_->Write(wo, &batch), "write node store batch");
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
