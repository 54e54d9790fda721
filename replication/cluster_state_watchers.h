// ClusterStateWatchers: delivers new cluster state versions to the
// registered watchers as ClusterState promises (cluster_state.h) — in version
// order, one call at a time, never under the state's lock, and a watcher may
// change the state from inside its call without deadlock or recursion. Shared
// by every ClusterState implementation.
//
// How: the implementation Enqueue()s each new snapshot while it still holds
// the lock that orders its versions, releases that lock and calls Deliver().
// Whichever thread finds nobody delivering becomes the deliverer and drains
// the queue; any other thread (including a watcher that made a change from
// inside its call) only enqueues and returns, and the deliverer delivers its
// version after the current call returns. So a change is usually, but not
// always, delivered before the call that made it returns.
//
// Thread-safe. Watchers must not throw (nothing escapes a module). Watch
// handles keep this object alive (shared_ptr), so a handle may outlive the
// ClusterState that made it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "replication/cluster_state.h"

namespace holdfast {

class ClusterStateWatchers : public std::enable_shared_from_this<ClusterStateWatchers> {
 public:
  static std::shared_ptr<ClusterStateWatchers> Create();

  // Registers `watcher` for every enqueued version above `after_version`
  // (the version current when registering, read under the same lock as
  // Enqueue is called, so none is missed or repeated). Destroying the handle
  // unregisters and waits for a call in progress on another thread; from
  // inside the watcher's own call it only unregisters.
  std::unique_ptr<ClusterStateWatch> Add(ClusterState::Watcher watcher, int64_t after_version);

  // Queues `state` for delivery. Call in version order (under the state's lock).
  void Enqueue(ClusterStatePtr state);

  // Delivers every queued version unless another thread is already doing so
  // (that thread delivers them). Call without holding the state's lock.
  void Deliver();

 private:
  struct Entry {
    ClusterState::Watcher fn;
    int64_t after_version = 0;
    bool removed = false;  // under mu_
    bool calling = false;  // under mu_
  };
  class Handle;

  ClusterStateWatchers() = default;
  void Remove(uint64_t id);

  std::mutex mu_;
  std::condition_variable call_done_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, std::shared_ptr<Entry>> entries_;  // by id: registration order
  std::deque<ClusterStatePtr> queue_;
  bool delivering_ = false;
  std::thread::id deliverer_;
};

}  // namespace holdfast
