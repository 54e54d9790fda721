#include "index/shard/retention_leases.h"

#include <algorithm>
#include <climits>

#include "index/codec/varint.h"
#include "index/shard/shard_store.h"

namespace holdfast {

namespace {

constexpr char kLeasesVersion = 1;

void PutString(std::string* out, const std::string& s) {
  codec::PutVarint64(out, s.size());
  out->append(s);
}

bool GetString(std::string_view* in, std::string* s) {
  uint64_t n;
  if (!codec::ConsumeVarint64(in, &n) || n > in->size()) return false;
  s->assign(in->data(), n);
  in->remove_prefix(n);
  return true;
}

}  // namespace

std::string EncodeRetentionLeases(const std::vector<RetentionLease>& leases) {
  std::string out(1, kLeasesVersion);
  codec::PutVarint64(&out, leases.size());
  for (const RetentionLease& l : leases) {
    PutString(&out, l.id);
    codec::PutVarint64(&out, static_cast<uint64_t>(l.retaining_seq_no));
    codec::PutVarint64(&out, static_cast<uint64_t>(l.timestamp_ms));
    PutString(&out, l.source);
  }
  return out;
}

Result<std::vector<RetentionLease>> DecodeRetentionLeases(std::string_view in) {
  auto bad = [] { return Status::Corruption("bad retention leases record"); };
  uint64_t n;
  if (in.empty() || in[0] != kLeasesVersion) return bad();
  in.remove_prefix(1);
  if (!codec::ConsumeVarint64(&in, &n) || n > in.size()) return bad();
  std::vector<RetentionLease> leases(n);
  for (RetentionLease& l : leases) {
    uint64_t seq, ts;
    if (!GetString(&in, &l.id) || !codec::ConsumeVarint64(&in, &seq) || !codec::ConsumeVarint64(&in, &ts) ||
        !GetString(&in, &l.source)) {
      return bad();
    }
    l.retaining_seq_no = static_cast<int64_t>(seq);
    l.timestamp_ms = static_cast<int64_t>(ts);
  }
  if (!in.empty()) return bad();
  return leases;
}

int64_t RetentionLeaseSet::SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status RetentionLeaseSet::Load() {
  std::lock_guard<std::mutex> lock(mu_);
  auto bytes = store_->GetMeta(kMetaKey);
  if (!bytes.ok()) return bytes.status().code() == StatusCode::kNotFound ? Status::OK() : bytes.status();
  auto leases = DecodeRetentionLeases(bytes.value());
  if (!leases.ok()) return leases.status();
  leases_ = std::move(leases).value();
  return Status::OK();
}

Status RetentionLeaseSet::PersistLocked(const std::vector<RetentionLease>& next) {
  HOLDFAST_RETURN_IF_ERROR(store_->PutMeta(kMetaKey, EncodeRetentionLeases(next)));
  leases_ = next;
  return Status::OK();
}

Status RetentionLeaseSet::ExpireLocked() {
  const int64_t now = now_ms_();
  std::vector<RetentionLease> next;
  for (const RetentionLease& l : leases_) {
    if (now - l.timestamp_ms <= period_.count()) next.push_back(l);
  }
  return next.size() == leases_.size() ? Status::OK() : PersistLocked(next);
}

Status RetentionLeaseSet::Add(const std::string& id, int64_t retaining_seq_no, const std::string& source) {
  if (retaining_seq_no < 0) return Status::InvalidArgument("retaining seq_no must not be negative");
  std::lock_guard<std::mutex> lock(mu_);
  HOLDFAST_RETURN_IF_ERROR(ExpireLocked());
  auto it = std::lower_bound(leases_.begin(), leases_.end(), id,
                             [](const RetentionLease& l, const std::string& key) { return l.id < key; });
  if (it != leases_.end() && it->id == id) return Status::AlreadyExists("retention lease [" + id + "] already exists");
  std::vector<RetentionLease> next = leases_;
  next.insert(next.begin() + (it - leases_.begin()), RetentionLease{id, retaining_seq_no, now_ms_(), source});
  return PersistLocked(next);
}

Status RetentionLeaseSet::Renew(const std::string& id, int64_t retaining_seq_no) {
  std::lock_guard<std::mutex> lock(mu_);
  HOLDFAST_RETURN_IF_ERROR(ExpireLocked());
  std::vector<RetentionLease> next = leases_;
  for (RetentionLease& l : next) {
    if (l.id != id) continue;
    l.retaining_seq_no = std::max(l.retaining_seq_no, retaining_seq_no);
    l.timestamp_ms = now_ms_();
    return PersistLocked(next);
  }
  return Status::NotFound("retention lease [" + id + "] not found");
}

Status RetentionLeaseSet::Remove(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<RetentionLease> next;
  for (const RetentionLease& l : leases_) {
    if (l.id != id) next.push_back(l);
  }
  if (next.size() == leases_.size()) return Status::NotFound("retention lease [" + id + "] not found");
  return PersistLocked(next);
}

Result<std::vector<RetentionLease>> RetentionLeaseSet::List() {
  std::lock_guard<std::mutex> lock(mu_);
  HOLDFAST_RETURN_IF_ERROR(ExpireLocked());
  return leases_;
}

Result<int64_t> RetentionLeaseSet::MinRetainedSeqNo() {
  std::lock_guard<std::mutex> lock(mu_);
  HOLDFAST_RETURN_IF_ERROR(ExpireLocked());
  int64_t min = INT64_MAX;
  for (const RetentionLease& l : leases_) min = std::min(min, l.retaining_seq_no);
  return min;
}

}  // namespace holdfast
