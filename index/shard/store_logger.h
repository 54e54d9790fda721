// Where a RocksDB store's own diagnostics go (its "info log"): to a sink the
// owner gives — never to a file on the data volume.
//
// Why not RocksDB's default LOG file next to the data: it shares the volume,
// and on a full disk its writer meets ENOSPC once and then, at its next line,
// trips WritableFileWriter's `sync_without_flush_called_` assertion — Debian's
// RocksDB keeps assertions, so the process aborts, and every later start on
// the still-full volume aborts the same way (RocksDB logs while it opens).
// index/ does not log: the owner's sink does (the node forwards to its log).
// Thread-safe: RocksDB logs from its background threads.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

namespace rocksdb {
class Logger;
}

namespace holdfast {

enum class StoreLogLevel { kDebug, kInfo, kWarn, kError };

// Gets one message (no trailing newline); called from RocksDB's threads.
using StoreLogSink = std::function<void(StoreLogLevel level, std::string_view message)>;

// A logger for DBOptions::info_log that passes messages at or above
// `min_level` to `sink` (a null sink discards everything).
std::shared_ptr<rocksdb::Logger> NewStoreLogger(StoreLogSink sink, StoreLogLevel min_level = StoreLogLevel::kWarn);

}  // namespace holdfast
