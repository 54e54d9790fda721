// DocRecord: the latest state of one _id in a shard's store (its source
// space, DESIGN.md §3) — version, stamp, tombstone flag and _source — and
// how it is encoded, and merged when several writes of one id meet.
//
// Records are written as RocksDB merge operands; the merge operator keeps
// the record with the highest (seq_no, primary term), so the state of an id
// is its newest op whatever order writes reach the store in (two concurrent
// batches on one id; a replica receiving ops out of order). A tombstone
// keeps its seq_no and version: an older op arriving after a delete does
// not resurrect the document. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "index/shard/op_stamp.h"
#include "index/util/status.h"

namespace rocksdb {
class MergeOperator;
}

namespace holdfast {

// The latest state of one _id. A tombstone keeps the version of a deleted doc
// so that versions keep increasing across delete + re-create.
struct DocRecord {
  int64_t version = 0;
  OpStamp stamp;
  bool deleted = false;
  std::string source;
  std::string routing;  // the custom routing it was written with (_routing); empty: none
};

// byte flags (bit 0: deleted, bit 1: has routing), varint64 version, varint64
// primary_term, varint64 seq_no, [varint64 length + routing bytes], source
// bytes. Records without routing are encoded as before routing existed.
std::string EncodeDocRecord(bool deleted, int64_t version, OpStamp stamp, std::string_view source,
                            std::string_view routing = {});
Result<DocRecord> DecodeDocRecord(std::string_view bytes);

// The source space's merge operator: the newest record wins.
std::shared_ptr<rocksdb::MergeOperator> NewNewestRecordOperator();

}  // namespace holdfast
