// RetentionLeaseSet: the retention leases of a shard (Elasticsearch's
// soft-deletes retention leases, DESIGN.md §6): each lease — a copy being
// recovered, a replica that may lag — asks the shard to keep the op log
// from its retaining seq_no on, so that the copy can catch up by ops
// instead of by files.
//
// Owns: the leases, persisted in the store's meta space (one synced write
// per change), so they survive restarts.
// Promises: a lease's retaining seq_no never moves backwards; a lease not
// renewed within `period` expires and stops holding history (expired leases
// are dropped, durably, the next time the set is read); MinRetainedSeqNo()
// is the lowest seq_no an unexpired lease retains.
// Threads: any thread (one mutex, a leaf: it is held across the store write).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "index/util/status.h"

namespace holdfast {

class ShardStore;

struct RetentionLease {
  std::string id;
  int64_t retaining_seq_no = 0;  // ops >= this are kept
  int64_t timestamp_ms = 0;      // added or last renewed (wall clock, ms since the epoch)
  std::string source;            // who holds it ("peer recovery", "replica", ...)
  friend bool operator==(const RetentionLease&, const RetentionLease&) = default;
};

std::string EncodeRetentionLeases(const std::vector<RetentionLease>& leases);
Result<std::vector<RetentionLease>> DecodeRetentionLeases(std::string_view bytes);

class RetentionLeaseSet {
 public:
  static constexpr char kMetaKey[] = "retention_leases";

  RetentionLeaseSet(ShardStore* store, std::chrono::milliseconds period,
                    std::function<int64_t()> now_ms = SystemNowMs)
      : store_(store), period_(period), now_ms_(std::move(now_ms)) {}

  Status Load();
  // AlreadyExists when `id` holds a lease; InvalidArgument for a negative seq_no.
  Status Add(const std::string& id, int64_t retaining_seq_no, const std::string& source);
  // Renews the lease's timestamp and moves its seq_no up to
  // `retaining_seq_no` (a lower one keeps the current one). NotFound when
  // `id` holds no lease (or it expired).
  Status Renew(const std::string& id, int64_t retaining_seq_no);
  Status Remove(const std::string& id);  // NotFound when absent
  // The unexpired leases, by id.
  Result<std::vector<RetentionLease>> List();
  // The lowest seq_no an unexpired lease retains (INT64_MAX: none).
  Result<int64_t> MinRetainedSeqNo();

  static int64_t SystemNowMs();

 private:
  // Under mu_: drops expired leases (persisting the change).
  Status ExpireLocked();
  Status PersistLocked(const std::vector<RetentionLease>& next);

  ShardStore* const store_;
  const std::chrono::milliseconds period_;
  const std::function<int64_t()> now_ms_;
  std::mutex mu_;
  std::vector<RetentionLease> leases_;  // under mu_, sorted by id
};

}  // namespace holdfast
