#include "lifecycle/node_store.h"

#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <mutex>

#include "index/shard/store_logger.h"

namespace holdfast {

namespace {

constexpr char kRunStateKey[] = "node/run_state";
constexpr char kRunning[] = "running";
constexpr char kStoppedClean[] = "stopped_clean";

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::OK();
  if (s.IsNotFound()) return Status::NotFound(what);
  if (s.IsCorruption()) return Status::Corruption(what + ": " + s.ToString());
  if (s.IsNoSpace()) return Status::NoSpace(what + ": " + s.ToString());
  return Status::IOError(what + ": " + s.ToString());
}

}  // namespace

struct NodeStore::Db {
  std::unique_ptr<rocksdb::DB> db;
  Status read_only;  // OK: opened for writing
  ~Db() {
    if (db) (void)db->Close();
  }
};

const char* LastStopName(LastStop stop) {
  switch (stop) {
    case LastStop::kFirstStart: return "first_start";
    case LastStop::kClean: return "clean";
    case LastStop::kUnclean: return "unclean";
  }
  return "unknown";
}

NodeStore::NodeStore(std::string dir, std::shared_ptr<rocksdb::Logger> info_log)
    : dir_(std::move(dir)), info_log_(info_log ? std::move(info_log) : NewStoreLogger(nullptr)) {}

NodeStore::~NodeStore() = default;

Result<std::unique_ptr<NodeStore>> NodeStore::Open(const std::string& dir, std::shared_ptr<rocksdb::Logger> info_log) {
  std::unique_ptr<NodeStore> store(new NodeStore(dir, std::move(info_log)));
  std::unique_lock<std::shared_mutex> lock(store->mu_);
  HOLDFAST_RETURN_IF_ERROR(store->OpenDb());
  lock.unlock();
  return store;
}

Status NodeStore::OpenDb() {
  db_.reset();
  writable_ = false;
  rocksdb::Options options;
  options.create_if_missing = true;
  options.paranoid_checks = true;
  options.max_open_files = 64;
  options.recycle_log_file_num = 0;
  options.avoid_flush_during_recovery = true;  // recovery writes (almost) nothing
  options.allow_fallocate = false;             // no WAL/MANIFEST space reserved up front (shard_store_open.cc)
  options.info_log = info_log_;               // never a LOG file on the volume
  auto db = std::make_unique<Db>();
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, dir_, &raw);
  if (s.IsNoSpace()) {
    // Not a byte free: read-only (the WAL replayed into memory), so the node
    // still starts; writes wait for a reopen.
    rocksdb::Status ro = rocksdb::DB::OpenForReadOnly(options, dir_, &raw);
    if (!ro.ok()) return FromRocks(s, "open node store " + dir_);
    db->read_only = FromRocks(s, "node store " + dir_ + " is open read-only: no space to open it for writing");
  } else if (!s.ok()) {
    return FromRocks(s, "open node store " + dir_);
  }
  db->db.reset(raw);
  writable_ = db->read_only.ok();
  db_ = std::move(db);
  return Status::OK();
}

Status NodeStore::ReopenIfNotWritable() {
  if (writable_) return Status::OK();
  std::unique_lock<std::shared_mutex> lock(mu_);
  if (writable_) return Status::OK();
  Status opened = OpenDb();
  if (!opened.ok()) return opened;  // db_ is null: every call answers with why (a retry may open it)
  return db_->read_only;
}

Status NodeStore::Write(const std::function<Status(rocksdb::DB&)>& write) {
  std::shared_lock<std::shared_mutex> lock(mu_);
  if (!db_) return Status::IOError("node store " + dir_ + " is not open");
  if (!db_->read_only.ok()) return db_->read_only;
  Status s = write(*db_->db);
  // RocksDB refuses every write after this one (its background error).
  if (s.code() == StatusCode::kNoSpace) writable_ = false;
  return s;
}

Result<std::string> NodeStore::Get(const std::string& key) {
  std::shared_lock<std::shared_mutex> lock(mu_);
  if (!db_) return Status::IOError("node store " + dir_ + " is not open");
  std::string value;
  rocksdb::Status s = db_->db->Get(rocksdb::ReadOptions(), key, &value);
  if (!s.ok()) return FromRocks(s, "node store key " + key);
  return value;
}

Status NodeStore::Put(const std::string& key, const std::string& value) {
  return Write([&](rocksdb::DB& db) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    return FromRocks(db.Put(wo, key, value), "write node store key " + key);
  });
}

Status NodeStore::Delete(const std::string& key) {
  return Write([&](rocksdb::DB& db) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    return FromRocks(db.Delete(wo, key), "delete node store key " + key);
  });
}

Status NodeStore::ForEachWithPrefix(std::string_view prefix,
                                    const std::function<bool(std::string_view key, std::string_view value)>& fn) {
  std::shared_lock<std::shared_mutex> lock(mu_);
  if (!db_) return Status::IOError("node store " + dir_ + " is not open");
  std::unique_ptr<rocksdb::Iterator> it(db_->db->NewIterator(rocksdb::ReadOptions()));
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
  return Write([&](rocksdb::DB& db) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    return FromRocks(db.Write(wo, &batch), "write node store batch");
  });
}

Result<LastStop> NodeStore::BeginRun(bool* recorded) {
  auto previous = Get(kRunStateKey);
  LastStop stop = LastStop::kFirstStart;
  if (previous.ok()) {
    stop = previous.value() == kStoppedClean ? LastStop::kClean : LastStop::kUnclean;
  } else if (previous.status().code() != StatusCode::kNotFound) {
    return previous.status();
  }
  Status marked = Put(kRunStateKey, kRunning);
  if (recorded != nullptr) *recorded = marked.ok();
  if (!marked.ok() && marked.code() != StatusCode::kNoSpace) return marked;
  return stop;
}

Status NodeStore::MarkCleanShutdown() {
  // Every write is synced already: no FlushWAL, which after a failed write
  // (ENOSPC) would sync the failed WAL writer and trip RocksDB's assertions.
  return Put(kRunStateKey, kStoppedClean);
}

}  // namespace holdfast
