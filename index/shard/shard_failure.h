// ShardFailure: whether a shard failed, and why (DESIGN.md §9: an error is
// never dropped).
//
// A store write, refresh, flush, WAL sync or merge that fails leaves the
// shard's in-memory state and its files possibly out of step, so the shard
// stops taking writes until it is reopened; searches keep answering from
// what is published. The first failure wins and is reported once, through
// the callback, on the thread that met it, with no engine lock held — so
// the callback may log and call the engine's read-only methods.
// Thread-safe; failed() is one atomic load (the write path asks it per op).
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <utility>

#include "index/util/status.h"

namespace holdfast {

class ShardFailure {
 public:
  explicit ShardFailure(std::function<void(const Status&)> on_failure = {}) : on_failure_(std::move(on_failure)) {}

  bool failed() const { return failed_.load(std::memory_order_acquire); }
  // OK while healthy; else the first failure's reason.
  Status status() const {
    if (!failed()) return Status::OK();
    std::lock_guard<std::mutex> lock(mu_);
    return reason_;
  }
  // Fails the shard with `reason` (not OK) unless it already failed; the
  // callback hears of the first failure only. Call with no engine lock held.
  void Fail(const Status& reason) {
    Set(reason);
    ReportPending();
  }
  // Fails the shard at once but leaves the callback to ReportPending(), for
  // a caller that holds an engine lock now.
  void Set(const Status& reason) {
    std::lock_guard<std::mutex> lock(mu_);
    if (failed_.load()) return;
    reason_ = reason;
    unreported_ = true;
    failed_.store(true, std::memory_order_release);
  }
  // Calls the callback for a failure Set() and not reported yet.
  void ReportPending() {
    Status reason;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!unreported_) return;
      unreported_ = false;
      reason = reason_;
    }
    if (on_failure_) on_failure_(reason);
  }

 private:
  const std::function<void(const Status&)> on_failure_;
  std::atomic<bool> failed_{false};
  mutable std::mutex mu_;
  Status reason_;            // under mu_
  bool unreported_ = false;  // under mu_
};

}  // namespace holdfast
