#include "index/shard/shard_store.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <charconv>

#include <xxhash.h>

#include "index/codec/varint.h"
#include "index/shard/doc_record.h"
#include "index/shard/shard_store_options.h"
#include "index/shard/store_logger.h"

namespace holdfast {

namespace {

using codec::PutVarint64;
using store_internal::CfOf;
using store_internal::FromRocks;
using store_internal::kMeta;
using store_internal::kOplog;
using store_internal::kSource;

std::string SeqKey(int64_t seq) {
  std::string k(8, '\0');
  uint64_t v = static_cast<uint64_t>(seq);
  for (int i = 7; i >= 0; --i) {
    k[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  return k;
}

int64_t SeqFromKey(const rocksdb::Slice& k) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < k.size(); ++i) v = (v << 8) | static_cast<uint8_t>(k[i]);
  return static_cast<int64_t>(v);
}

}  // namespace

std::shared_ptr<rocksdb::Cache> NewSourceCache(size_t capacity) { return rocksdb::NewLRUCache(capacity); }

size_t SourceCacheUsage(const rocksdb::Cache& cache) { return cache.GetUsage(); }

EventBatch::EventBatch() = default;
EventBatch::~EventBatch() = default;
EventBatch::EventBatch(EventBatch&&) noexcept = default;
EventBatch& EventBatch::operator=(EventBatch&&) noexcept = default;

void EventBatch::Put(EventSpace space, std::string_view key, std::string_view value) {
  entries_.push_back(Entry{space, false, std::string(key), std::string(value)});
  bytes_ += key.size() + value.size();
}

void EventBatch::Merge(EventSpace space, std::string_view key, std::string_view operand) {
  entries_.push_back(Entry{space, true, std::string(key), std::string(operand)});
  bytes_ += key.size() + operand.size();
}

// The high bit of the type byte says a routing value (varint64 length +
// bytes) follows the id; ops without routing are encoded as before it existed.
constexpr char kOpHasRouting = static_cast<char>(0x80);

std::string EncodeShardOp(const ShardOp& op) {
  std::string out;
  out.push_back(static_cast<char>(static_cast<char>(op.type) | (op.routing.empty() ? 0 : kOpHasRouting)));
  PutVarint64(&out, static_cast<uint64_t>(op.stamp.primary_term));
  PutVarint64(&out, static_cast<uint64_t>(op.version));
  PutVarint64(&out, op.id.size());
  out.append(op.id);
  if (!op.routing.empty()) {
    PutVarint64(&out, op.routing.size());
    out.append(op.routing);
  }
  out.append(op.source);
  return out;
}

Result<ShardOp> DecodeShardOp(int64_t seq_no, std::string_view in) {
  ShardOp op;
  const bool has_routing = !in.empty() && (in[0] & kOpHasRouting) != 0;
  const char type = in.empty() ? 0 : static_cast<char>(in[0] & ~kOpHasRouting);
  if (in.empty() || type < static_cast<char>(OpType::kIndex) || type > static_cast<char>(OpType::kNoop)) {
    return Status::Corruption("bad op type in op log entry " + std::to_string(seq_no));
  }
  op.type = static_cast<OpType>(type);
  in.remove_prefix(1);
  uint64_t term, version, id_len;
  if (!codec::ConsumeVarint64(&in, &term) || !codec::ConsumeVarint64(&in, &version) || !codec::ConsumeVarint64(&in, &id_len) ||
      id_len > in.size()) {
    return Status::Corruption("truncated op log entry " + std::to_string(seq_no));
  }
  op.stamp = {static_cast<int64_t>(term), seq_no};
  op.version = static_cast<int64_t>(version);
  op.id.assign(in.data(), id_len);
  in.remove_prefix(id_len);
  if (has_routing) {
    uint64_t routing_len;
    if (!codec::ConsumeVarint64(&in, &routing_len) || routing_len > in.size()) {
      return Status::Corruption("truncated op log entry " + std::to_string(seq_no));
    }
    op.routing.assign(in.data(), routing_len);
    in.remove_prefix(routing_len);
  }
  op.source.assign(in.data(), in.size());
  return op;
}

ShardStore::ShardStore(ShardStoreOptions options, rocksdb::DB* db,
                       std::vector<rocksdb::ColumnFamilyHandle*> cfs, Status read_only)
    : options_(options), read_only_(std::move(read_only)), db_(db), cfs_(std::move(cfs)) {
  // 'R' + 8 bytes unique to this store in this process: block cache keys are
  // binary file/offset keys, and other stores get other prefixes.
  static std::atomic<uint64_t> next_store{0};
  const uint64_t n = XXH3_64bits_withSeed(this, sizeof(this), next_store.fetch_add(1) + 1);
  cache_prefix_.push_back('R');
  cache_prefix_.append(reinterpret_cast<const char*>(&n), sizeof(n));
}

std::string ShardStore::RecordCacheKey(std::string_view id) const {
  std::string key;
  key.reserve(cache_prefix_.size() + id.size());
  key.append(cache_prefix_).append(id);
  return key;
}

std::mutex& ShardStore::RecordCacheStripe(std::string_view key) const {
  return cache_stripes_[XXH3_64bits(key.data(), key.size()) % cache_stripes_.size()];
}

ShardStore::~ShardStore() {
  for (auto* cf : cfs_) db_->DestroyColumnFamilyHandle(cf);
  db_->Close();
}

Status ShardStore::Write(const std::vector<ShardOp>& ops) {
  if (ops.empty()) return Status::OK();
  if (read_only()) return read_only_;
  rocksdb::WriteBatch batch;
  for (const ShardOp& op : ops) {
    // A merge operand, not a put: the newest record wins (NewNewestRecordOperator).
    if (IsDocumentOp(op.type)) {
      batch.Merge(cfs_[kSource], op.id,
                  EncodeDocRecord(op.type == OpType::kDelete, op.version, op.stamp, op.source, op.routing));
    }
    batch.Put(cfs_[kOplog], SeqKey(op.stamp.seq_no), EncodeShardOp(op));
  }
  rocksdb::WriteOptions wo;
  wo.sync = options_.durability == Durability::kRequest;
  rocksdb::Cache* cache = options_.source_cache.get();
  Status s = FromRocks(db_->Write(wo, &batch), "write shard ops");
  if (cache != nullptr) {  // failed or not, the cached records may be stale now
    write_epoch_.fetch_add(1);
    for (const ShardOp& op : ops) {
      if (!IsDocumentOp(op.type)) continue;
      const std::string key = RecordCacheKey(op.id);
      std::lock_guard<std::mutex> lock(RecordCacheStripe(key));
      cache->Erase(key);
    }
  }
  return s;
}

Status ShardStore::WriteEventOp(const ShardOp& op, const EventBatch& events) {
  if (read_only()) return read_only_;
  rocksdb::WriteBatch batch;
  for (const EventBatch::Entry& e : events.entries_) {
    if (e.merge) {
      batch.Merge(cfs_[CfOf(e.space)], e.key, e.value);
    } else {
      batch.Put(cfs_[CfOf(e.space)], e.key, e.value);
    }
  }
  batch.Put(cfs_[kOplog], SeqKey(op.stamp.seq_no), EncodeShardOp(op));
  batch.Put(cfs_[kMeta], kEventsAppliedKey, std::to_string(op.stamp.seq_no));
  rocksdb::WriteOptions wo;
  wo.sync = options_.durability == Durability::kRequest;
  return FromRocks(db_->Write(wo, &batch), "write event op");
}

Result<std::string> ShardStore::GetEvent(EventSpace space, std::string_view key) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cfs_[CfOf(space)], rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return Status::NotFound("no event state for key");
  if (!s.ok()) return FromRocks(s, "read event state");
  return value;
}

Status ShardStore::MultiGetEvent(EventSpace space, const std::vector<std::string>& keys,
                                 std::vector<std::optional<std::string>>* values) const {
  values->assign(keys.size(), std::nullopt);
  if (keys.empty()) return Status::OK();
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> out(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  db_->MultiGet(rocksdb::ReadOptions(), cfs_[CfOf(space)], keys.size(), slices.data(), out.data(), statuses.data());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    if (!statuses[i].ok()) return FromRocks(statuses[i], "read event state");
    (*values)[i] = out[i].ToString();
  }
  return Status::OK();
}

Status ShardStore::ForEachEventWithPrefix(EventSpace space, std::string_view prefix,
                                          const std::function<bool(std::string_view, std::string_view)>& fn) const {
  rocksdb::ReadOptions ro;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cfs_[CfOf(space)]));
  const rocksdb::Slice p(prefix.data(), prefix.size());
  for (it->Seek(p); it->Valid() && it->key().starts_with(p); it->Next()) {
    if (!fn(std::string_view(it->key().data(), it->key().size()),
            std::string_view(it->value().data(), it->value().size()))) {
      break;
    }
  }
  return FromRocks(it->status(), "scan event state");
}

Result<DocRecord> ShardStore::GetRecord(std::string_view id) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cfs_[kSource], rocksdb::Slice(id.data(), id.size()), &value);
  if (s.IsNotFound()) return Status::NotFound("no document with id " + std::string(id));
  if (!s.ok()) return FromRocks(s, "read document");
  return DecodeDocRecord(value);
}

Status ShardStore::GetRecords(const std::vector<std::string_view>& ids,
                              std::vector<std::optional<DocRecord>>* out) const {
  out->assign(ids.size(), std::nullopt);
  if (ids.empty()) return Status::OK();
  rocksdb::Cache* cache = options_.source_cache.get();
  std::vector<size_t> misses;
  std::vector<std::string> cache_keys;
  if (cache != nullptr) {
    cache_keys.reserve(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
      cache_keys.push_back(RecordCacheKey(ids[i]));
      rocksdb::Cache::Handle* h = cache->Lookup(cache_keys.back());
      if (h == nullptr) {
        misses.push_back(i);
        continue;
      }
      auto record = DecodeDocRecord(*static_cast<const std::string*>(cache->Value(h)));
      cache->Release(h);
      if (!record.ok()) return record.status();
      (*out)[i] = std::move(record).value();
    }
    if (misses.empty()) return Status::OK();
  } else {
    for (size_t i = 0; i < ids.size(); ++i) misses.push_back(i);
  }
  const uint64_t epoch = write_epoch_.load();
  std::vector<rocksdb::Slice> keys;
  keys.reserve(misses.size());
  for (size_t i : misses) keys.emplace_back(ids[i].data(), ids[i].size());
  std::vector<rocksdb::PinnableSlice> values(misses.size());
  std::vector<rocksdb::Status> statuses(misses.size());
  db_->MultiGet(rocksdb::ReadOptions(), cfs_[kSource], keys.size(), keys.data(), values.data(), statuses.data());
  for (size_t m = 0; m < misses.size(); ++m) {
    if (statuses[m].IsNotFound()) continue;
    if (!statuses[m].ok()) return FromRocks(statuses[m], "read documents");
    const std::string_view encoded(values[m].data(), values[m].size());
    auto record = DecodeDocRecord(encoded);
    if (!record.ok()) return record.status();
    (*out)[misses[m]] = std::move(record).value();
    if (cache == nullptr) continue;
    const std::string& key = cache_keys[misses[m]];
    std::lock_guard<std::mutex> lock(RecordCacheStripe(key));
    if (write_epoch_.load() != epoch) continue;  // a write ran meanwhile: this may be stale
    auto* copy = new std::string(encoded);
    cache->Insert(key, copy, key.size() + copy->capacity() + sizeof(std::string),
                  [](const rocksdb::Slice&, void* value) { delete static_cast<std::string*>(value); });
  }
  return Status::OK();
}

Status ShardStore::ForEachOp(int64_t from_seq_no, const std::function<bool(const ShardOp&)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cfs_[kOplog]));
  for (it->Seek(SeqKey(std::max<int64_t>(from_seq_no, 0))); it->Valid(); it->Next()) {
    auto op = DecodeShardOp(SeqFromKey(it->key()), std::string_view(it->value().data(), it->value().size()));
    if (!op.ok()) return op.status();
    if (!fn(op.value())) break;
  }
  return FromRocks(it->status(), "scan op log");
}

Result<int64_t> ShardStore::MaxSeqNo() const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cfs_[kOplog]));
  it->SeekToLast();
  if (!it->status().ok()) return FromRocks(it->status(), "scan op log");
  return it->Valid() ? SeqFromKey(it->key()) : kNoOpsPerformed;
}

namespace {

Result<int64_t> ParseSeqMeta(const std::string& v, const char* what) {
  int64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size()) return Status::Corruption(std::string("bad ") + what + ": " + v);
  return n;
}

}  // namespace

Status ShardStore::TrimOpLog(int64_t up_to) {
  if (up_to < 0) return Status::OK();
  if (read_only()) return read_only_;
  auto from = OplogRetainedFrom(0);
  if (!from.ok()) return from.status();
  if (up_to < from.value()) return Status::OK();  // trimmed already
  rocksdb::WriteBatch batch;
  batch.DeleteRange(cfs_[kOplog], SeqKey(0), SeqKey(up_to + 1));
  batch.Put(cfs_[kMeta], kOplogRetainedFromKey, std::to_string(up_to + 1));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(db_->Write(wo, &batch), "trim op log");
}

Result<int64_t> ShardStore::OplogRetainedFrom(int64_t fallback) {
  auto v = GetMeta(kOplogRetainedFromKey);
  if (v.ok()) return ParseSeqMeta(v.value(), "op log start");
  if (v.status().code() != StatusCode::kNotFound) return v.status();
  if (read_only()) return fallback;  // recorded by the next writable open
  HOLDFAST_RETURN_IF_ERROR(PutMeta(kOplogRetainedFromKey, std::to_string(fallback)));
  return fallback;
}

struct OpLogSnapshot::Rep {
  rocksdb::DB* db = nullptr;
  const rocksdb::Snapshot* snapshot = nullptr;
  std::unique_ptr<rocksdb::Iterator> it;
  ~Rep() {
    it.reset();
    if (snapshot != nullptr) db->ReleaseSnapshot(snapshot);
  }
};

OpLogSnapshot::OpLogSnapshot(std::unique_ptr<Rep> rep, int64_t max_seq_no)
    : rep_(std::move(rep)), max_seq_no_(max_seq_no) {}

OpLogSnapshot::~OpLogSnapshot() = default;

bool OpLogSnapshot::Next(ShardOp* op) {
  rocksdb::Iterator& it = *rep_->it;
  if (!status_.ok() || !it.Valid()) {
    if (status_.ok()) status_ = FromRocks(it.status(), "scan op log");
    return false;
  }
  auto decoded = DecodeShardOp(SeqFromKey(it.key()), std::string_view(it.value().data(), it.value().size()));
  if (!decoded.ok()) {
    status_ = decoded.status();
    return false;
  }
  *op = std::move(decoded).value();
  it.Next();
  return true;
}

Result<std::unique_ptr<OpLogSnapshot>> ShardStore::SnapshotOpLog(int64_t from_seq_no) const {
  auto rep = std::make_unique<OpLogSnapshot::Rep>();
  rep->db = db_.get();
  rep->snapshot = db_->GetSnapshot();
  rocksdb::ReadOptions ro;
  ro.snapshot = rep->snapshot;
  // The trim mark and the op log at the same instant: a trim is one atomic write of both.
  std::string mark;
  rocksdb::Status s = db_->Get(ro, cfs_[kMeta], kOplogRetainedFromKey, &mark);
  int64_t retained_from = 0;
  if (s.ok()) {
    auto parsed = ParseSeqMeta(mark, "op log start");
    if (!parsed.ok()) return parsed.status();
    retained_from = parsed.value();
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "read op log start");
  }
  if (from_seq_no < retained_from) {
    return Status::HistoryTrimmed("history trimmed: ops from seq_no " + std::to_string(from_seq_no) +
                                  " were requested, the op log holds them from " + std::to_string(retained_from));
  }
  int64_t max_seq_no = kNoOpsPerformed;
  {
    std::unique_ptr<rocksdb::Iterator> last(db_->NewIterator(ro, cfs_[kOplog]));
    last->SeekToLast();
    if (!last->status().ok()) return FromRocks(last->status(), "scan op log");
    if (last->Valid()) max_seq_no = SeqFromKey(last->key());
  }
  rep->it.reset(db_->NewIterator(ro, cfs_[kOplog]));
  rep->it->Seek(SeqKey(std::max<int64_t>(from_seq_no, 0)));
  return std::unique_ptr<OpLogSnapshot>(new OpLogSnapshot(std::move(rep), max_seq_no));
}

Status ShardStore::Compact() {
  if (read_only()) return read_only_;
  rocksdb::FlushOptions flush;
  flush.wait = true;
  HOLDFAST_RETURN_IF_ERROR(FromRocks(db_->Flush(flush, cfs_), "flush shard store"));
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  return FromRocks(db_->CompactRange(compact, cfs_[kSource], nullptr, nullptr), "compact shard store");
}

Status ShardStore::SyncWal() {
  if (read_only()) return Status::OK();  // nothing was written
  // An empty synced write, not FlushWAL(true): once a WAL append has failed
  // (ENOSPC), FlushWAL syncs the failed writer directly and RocksDB's
  // assertions abort the process; the write path returns the error instead.
  rocksdb::WriteBatch empty;
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(db_->Write(wo, &empty), "sync shard WAL");
}

Status ShardStore::CreateCheckpoint(const std::string& dir, int64_t* max_seq_no) {
  if (read_only()) return read_only_;
  rocksdb::Checkpoint* raw = nullptr;
  HOLDFAST_RETURN_IF_ERROR(FromRocks(rocksdb::Checkpoint::Create(db_.get(), &raw), "create store checkpoint"));
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  HOLDFAST_RETURN_IF_ERROR(FromRocks(checkpoint->CreateCheckpoint(dir), ("create store checkpoint " + dir).c_str()));
  rocksdb::DBOptions options;
  options.info_log = NewStoreLogger(nullptr);  // reading the checkpoint back adds no LOG file to it
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors = {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
      {"oplog", store_internal::OplogOptions(options_)},
  };
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  HOLDFAST_RETURN_IF_ERROR(FromRocks(rocksdb::DB::OpenForReadOnly(options, dir, descriptors, &handles, &db),
                                     ("read store checkpoint " + dir).c_str()));
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), handles[1]));
  it->SeekToLast();
  *max_seq_no = it->Valid() ? SeqFromKey(it->key()) : kNoOpsPerformed;
  Status s = FromRocks(it->status(), "scan store checkpoint");
  it.reset();
  for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
  delete db;
  return s;
}

Status ShardStore::FlushMeta() {
  if (read_only()) return Status::OK();
  rocksdb::FlushOptions flush;
  flush.wait = true;
  return FromRocks(db_->Flush(flush, cfs_[kMeta]), "flush shard meta");
}

Status ShardStore::PutMeta(const std::string& key, const std::string& value, bool sync) {
  if (read_only()) return read_only_;
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  return FromRocks(db_->Put(wo, cfs_[kMeta], key, value), "write shard meta");
}

Result<std::string> ShardStore::GetMeta(const std::string& key) const {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), cfs_[kMeta], key, &value);
  if (s.IsNotFound()) return Status::NotFound("shard meta " + key);
  if (!s.ok()) return FromRocks(s, "read shard meta");
  return value;
}

Status ShardStore::ForEachDoc(const std::function<bool(std::string_view, const DocRecord&)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cfs_[kSource]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto record = DecodeDocRecord(std::string_view(it->value().data(), it->value().size()));
    if (!record.ok()) return record.status();
    if (!fn(std::string_view(it->key().data(), it->key().size()), record.value())) break;
  }
  return FromRocks(it->status(), "scan documents");
}

Result<uint64_t> ShardStore::CountLiveDocs() const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cfs_[kSource]));
  uint64_t n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->value().size() > 0 && it->value()[0] == 0) ++n;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scan documents");
  return n;
}

}  // namespace holdfast
