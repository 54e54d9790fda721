// ClusterStateWatchers: delivers new cluster state versions to the
// registered watchers as ClusterState promises (cluster_state.h) — in version
// order, one call at a time, never under the state's lock — from one delivery
// thread of its own. Shared by every ClusterState implementation.
//
// Why a thread: a change never runs a watcher on the caller's thread, so a
// caller may hold its own lock while it changes the state even when its
// watcher takes that lock (ShardRegistry converges under its lock and reports
// copies started from there). A watcher may change the state from inside its
// call; that version is delivered after the call returns. A change is
// therefore delivered some time after the call that made it returns:
// callers that need its effect wait for it (e.g. for active shards).
//
// The implementation Enqueue()s each new snapshot while it still holds the
// lock that orders its versions, and calls Stop() before it is destroyed.
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
  // Starts the delivery thread, which holds a reference until Stop() ends it.
  static std::shared_ptr<ClusterStateWatchers> Create();
  ~ClusterStateWatchers();

  // Registers `watcher` for every enqueued version above `after_version`
  // (the version current when registering, read under the same lock as
  // Enqueue is called, so none is missed or repeated). Destroying the handle
  // unregisters and waits for a call in progress; from inside the watcher's
  // own call it only unregisters.
  std::unique_ptr<ClusterStateWatch> Add(ClusterState::Watcher watcher, int64_t after_version);

  // Queues `state` for delivery. Call in version order (under the state's lock).
  void Enqueue(ClusterStatePtr state);

  // Waits for a call in progress, drops what is still queued and ends the
  // delivery thread; later versions are not delivered. The owner calls it
  // before it dies (from a watcher it does not wait). Idempotent.
  void Stop();

 private:
  struct Entry {
    ClusterState::Watcher fn;
    int64_t after_version = 0;
    bool removed = false;  // under mu_
    bool calling = false;  // under mu_
  };
  class Handle;

  ClusterStateWatchers() = default;
  void Run();  // the delivery thread
  void Remove(uint64_t id);

  std::mutex mu_;
  std::condition_variable queued_;
  std::condition_variable call_done_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, std::shared_ptr<Entry>> entries_;  // by id: registration order
  std::deque<ClusterStatePtr> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace holdfast
