// WriteBlock: whether this node refuses writes that add data to the shard
// copies it holds — Elasticsearch's `read_only_allow_delete` block, which its
// flood-stage disk watermark puts on the indices of a node whose disk is
// nearly full (DESIGN.md §9).
//
// The shard service checks it for every write that adds data (index and
// create ops, updates, events) and refuses them with kBlocked (429
// cluster_block_exception) and Elasticsearch's reason; deletes, reads and
// the replica path (ops a primary already acknowledged) are never blocked.
// Who sets it is the owner's business (the node's disk monitor,
// lifecycle/disk_monitor.h): replication knows nothing of disks.
// Thread-safe: on() is one atomic load.
#pragma once

#include <atomic>
#include <string_view>

#include "index/util/status.h"

namespace holdfast {

class WriteBlock {
 public:
  void Set(bool on) { on_.store(on, std::memory_order_release); }
  bool on() const { return on_.load(std::memory_order_acquire); }

  // OK while off; else kBlocked: "index [NAME] blocked by:
  // [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage watermark, index
  // has read-only-allow-delete block];" (Elasticsearch 7's text).
  Status Check(std::string_view index_name) const;

 private:
  std::atomic<bool> on_{false};
};

}  // namespace holdfast
