// The RocksDB side of ShardStore shared by its files (shard_store.cc,
// shard_store_open.cc): the column families and their options, and how a
// RocksDB status becomes a Status. Not for use outside ShardStore.
#pragma once

#include <rocksdb/options.h>

#include <cstddef>
#include <vector>

#include "index/shard/shard_store.h"

namespace holdfast::store_internal {

// Column family handles, in ShardStore::cfs_ order.
constexpr size_t kMeta = 0, kSource = 1, kOplog = 2, kFirstEventSpace = 3;
inline size_t CfOf(EventSpace space) { return kFirstEventSpace + static_cast<size_t>(space); }

// NotFound, Corruption and NoSpace (ENOSPC) keep their kinds; the rest is IOError.
Status FromRocks(const rocksdb::Status& s, const char* what);

rocksdb::DBOptions DbOptions(const ShardStoreOptions& options);
// Every column family, in kMeta... order.
std::vector<rocksdb::ColumnFamilyDescriptor> ColumnFamilies(const ShardStoreOptions& options);
rocksdb::ColumnFamilyOptions OplogOptions(const ShardStoreOptions& options);

}  // namespace holdfast::store_internal
