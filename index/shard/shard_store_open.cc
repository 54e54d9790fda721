// ShardStore: opening — the RocksDB options of a shard store and Open(),
// which on a full volume falls back to a read-only open (see shard_store.h).
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>

#include "index/shard/event_merge_operators.h"
#include "index/shard/shard_store.h"
#include "index/shard/shard_store_options.h"
#include "index/shard/store_logger.h"
#include "index/util/file_util.h"

namespace holdfast {

namespace store_internal {

Status FromRocks(const rocksdb::Status& s, const char* what) {
  if (s.ok()) return Status::OK();
  if (s.IsNotFound()) return Status::NotFound(what);
  if (s.IsCorruption()) return Status::Corruption(std::string(what) + ": " + s.ToString());
  if (s.IsNoSpace()) return Status::NoSpace(std::string(what) + ": " + s.ToString());
  return Status::IOError(std::string(what) + ": " + s.ToString());
}

namespace {

rocksdb::ColumnFamilyOptions SourceOptions(const ShardStoreOptions& o) {
  rocksdb::ColumnFamilyOptions cf;
  cf.merge_operator = NewNewestRecordOperator();
  cf.write_buffer_size = o.write_buffer_bytes;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.whole_key_filtering = true;
  table.format_version = 5;
  if (o.source_cache) table.block_cache = o.source_cache;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // LZ4 at every level: a search page decompresses a block per hit.
  cf.compression = rocksdb::kLZ4Compression;
  return cf;
}

rocksdb::ColumnFamilyOptions EventSpaceOptions(EventSpace space) {
  rocksdb::ColumnFamilyOptions cf;
  cf.write_buffer_size = 16u << 20;
  cf.compression = rocksdb::kLZ4Compression;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.format_version = 5;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  switch (space) {
    case EventSpace::kUsers: break;
    case EventSpace::kPairs: cf.merge_operator = NewSparseRowAddOperator(); break;
    case EventSpace::kItemStats:
      cf.merge_operator = NewInt64VectorAddOperator();
      // Reads of hot counters stay cheap: the memtable folds a key's operands
      // once it holds this many.
      cf.max_successive_merges = 16;
      break;
    case EventSpace::kPopularity: cf.merge_operator = NewDecayedCountsOperator(); break;
  }
  return cf;
}

}  // namespace

rocksdb::ColumnFamilyOptions OplogOptions(const ShardStoreOptions& o) {
  rocksdb::ColumnFamilyOptions cf;
  cf.write_buffer_size = o.write_buffer_bytes;
  cf.compression = rocksdb::kLZ4Compression;
  return cf;
}

rocksdb::DBOptions DbOptions(const ShardStoreOptions& options) {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.paranoid_checks = true;
  db_options.max_open_files = 256;
  db_options.max_background_jobs = 2;
  db_options.bytes_per_sync = 1 << 20;
  // A column family with few writes (meta, event spaces) must not pin old
  // WAL files until its memtable fills: past this, RocksDB flushes it.
  db_options.max_total_wal_size = 4 * options.write_buffer_bytes;
  // Recovery writes as little as it can: the WAL is replayed into the
  // memtables, not flushed into tables (which needs as much free space as
  // the WAL holds — up to the write buffers — and fails on a full volume).
  db_options.avoid_flush_during_recovery = true;
  // No preallocation: RocksDB would reserve 1.1x the write buffer for each
  // WAL (~70 MB per shard) and 4 MB per MANIFEST up front — space a nearly
  // full volume does not have, and that the disk watermarks count as used.
  db_options.allow_fallocate = false;
  // Never a LOG file on the volume (store_logger.h).
  db_options.info_log = options.info_log ? options.info_log : NewStoreLogger(nullptr);
  return db_options;
}

std::vector<rocksdb::ColumnFamilyDescriptor> ColumnFamilies(const ShardStoreOptions& options) {
  return {
      {rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions()},
      {"source", SourceOptions(options)},
      {"oplog", OplogOptions(options)},
      {"ev_users", EventSpaceOptions(EventSpace::kUsers)},
      {"ev_pairs", EventSpaceOptions(EventSpace::kPairs)},
      {"ev_items", EventSpaceOptions(EventSpace::kItemStats)},
      {"ev_popularity", EventSpaceOptions(EventSpace::kPopularity)},
  };
}

}  // namespace store_internal

Result<std::unique_ptr<ShardStore>> ShardStore::Open(const std::string& dir, const ShardStoreOptions& options) {
  using store_internal::FromRocks;
  // RocksDB would create it too, but first logs an error that it is missing.
  HOLDFAST_RETURN_IF_ERROR(CreateDirectories(dir));
  const rocksdb::DBOptions db_options = store_internal::DbOptions(options);
  const auto descriptors = store_internal::ColumnFamilies(options);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, dir, descriptors, &handles, &db);
  if (s.ok()) return std::unique_ptr<ShardStore>(new ShardStore(options, db, std::move(handles), Status::OK()));
  const Status failed = FromRocks(s, ("open shard store " + dir).c_str());
  if (failed.code() != StatusCode::kNoSpace || !options.read_only_when_full) return failed;
  // Even a read-write open with nothing to flush writes a little (a new
  // MANIFEST and WAL): with no byte free, open read-only — the WAL is
  // replayed into memory and nothing is written.
  handles.clear();
  db = nullptr;
  rocksdb::Status ro = rocksdb::DB::OpenForReadOnly(db_options, dir, descriptors, &handles, &db);
  if (!ro.ok()) return failed;
  return std::unique_ptr<ShardStore>(new ShardStore(
      options, db, std::move(handles),
      Status::NoSpace("shard store " + dir + " is open read-only: there was no space to open it for writing (" +
                      s.ToString() + ")")));
}

}  // namespace holdfast
