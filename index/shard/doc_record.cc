#include "index/shard/doc_record.h"

#include <rocksdb/merge_operator.h>

#include <utility>

#include "index/codec/varint.h"

namespace holdfast {

namespace {
constexpr char kDeletedFlag = 1;
constexpr char kRoutingFlag = 2;
}  // namespace

std::string EncodeDocRecord(bool deleted, int64_t version, OpStamp stamp, std::string_view source,
                            std::string_view routing) {
  std::string out;
  out.push_back(static_cast<char>((deleted ? kDeletedFlag : 0) | (routing.empty() ? 0 : kRoutingFlag)));
  codec::PutVarint64(&out, static_cast<uint64_t>(version));
  codec::PutVarint64(&out, static_cast<uint64_t>(stamp.primary_term));
  codec::PutVarint64(&out, static_cast<uint64_t>(stamp.seq_no));
  if (!routing.empty()) {
    codec::PutVarint64(&out, routing.size());
    out.append(routing);
  }
  out.append(source);
  return out;
}

Result<DocRecord> DecodeDocRecord(std::string_view in) {
  DocRecord r;
  if (in.empty()) return Status::Corruption("empty document record");
  const char flags = in[0];
  if ((flags & ~(kDeletedFlag | kRoutingFlag)) != 0) return Status::Corruption("bad document record flags");
  r.deleted = (flags & kDeletedFlag) != 0;
  in.remove_prefix(1);
  uint64_t version, term, seq;
  if (!codec::ConsumeVarint64(&in, &version) || !codec::ConsumeVarint64(&in, &term) || !codec::ConsumeVarint64(&in, &seq)) {
    return Status::Corruption("truncated document record");
  }
  r.version = static_cast<int64_t>(version);
  r.stamp = {static_cast<int64_t>(term), static_cast<int64_t>(seq)};
  if ((flags & kRoutingFlag) != 0) {
    uint64_t length;
    if (!codec::ConsumeVarint64(&in, &length) || length > in.size()) {
      return Status::Corruption("truncated document record");
    }
    r.routing.assign(in.data(), length);
    in.remove_prefix(length);
  }
  r.source.assign(in.data(), in.size());
  return r;
}

namespace {

// The (seq_no, primary term) of an encoded record; false when it does not decode.
bool RecordStamp(const rocksdb::Slice& record, std::pair<int64_t, int64_t>* stamp) {
  std::string_view in(record.data(), record.size());
  uint64_t version, term, seq;
  if (in.empty()) return false;
  in.remove_prefix(1);
  if (!codec::ConsumeVarint64(&in, &version) || !codec::ConsumeVarint64(&in, &term) || !codec::ConsumeVarint64(&in, &seq)) {
    return false;
  }
  *stamp = {static_cast<int64_t>(seq), static_cast<int64_t>(term)};
  return true;
}

class NewestRecordOperator : public rocksdb::MergeOperator {
 public:
  const char* Name() const override { return "holdfast.NewestRecord"; }

  bool FullMergeV2(const MergeOperationInput& in, MergeOperationOutput* out) const override {
    const rocksdb::Slice* best = in.existing_value;
    std::pair<int64_t, int64_t> best_stamp{-1, -1};
    if (best != nullptr && !RecordStamp(*best, &best_stamp)) return false;
    for (const rocksdb::Slice& operand : in.operand_list) {
      std::pair<int64_t, int64_t> stamp;
      if (!RecordStamp(operand, &stamp)) return false;
      if (best == nullptr || stamp > best_stamp) {
        best = &operand;
        best_stamp = stamp;
      }
    }
    if (best == nullptr) return false;
    out->existing_operand = *best;  // no copy: the winner is one of the inputs
    return true;
  }

  bool PartialMerge(const rocksdb::Slice& /*key*/, const rocksdb::Slice& left, const rocksdb::Slice& right,
                    std::string* new_value, rocksdb::Logger* /*logger*/) const override {
    std::pair<int64_t, int64_t> a, b;
    if (!RecordStamp(left, &a) || !RecordStamp(right, &b)) return false;
    const rocksdb::Slice& newest = b > a ? right : left;
    new_value->assign(newest.data(), newest.size());
    return true;
  }
};

}  // namespace

std::shared_ptr<rocksdb::MergeOperator> NewNewestRecordOperator() { return std::make_shared<NewestRecordOperator>(); }

}  // namespace holdfast
