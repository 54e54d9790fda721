// ClusterIndices: the indices of the cluster by name, as the coordinator
// uses them — create, delete, look up, resolve expressions — over the
// ClusterState. Every lookup makes an IndexHandle from the newest state.
//
// Create waits (up to `active_timeout`) until the new index's primaries
// are started, as Elasticsearch's wait_for_active_shards=1 does, so the
// first write after a create finds its shards open.
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "replication/cluster_state.h"
#include "server/coordinator/index_handle.h"
#include "server/coordinator/shard_router.h"

namespace holdfast {

class ClusterIndices {
 public:
  ClusterIndices(ClusterState* state, const ShardRouter* router,
                 std::chrono::milliseconds active_timeout = std::chrono::seconds(30));
  ~ClusterIndices();

  // kResourceAlreadyExists when the name is taken; kInvalidIndexName.
  // `wait_for_primaries` false: returns once the index is in the cluster
  // state (the caller waits as its request says).
  Result<std::shared_ptr<IndexHandle>> Create(const std::string& name, IndexSettings settings,
                                              std::shared_ptr<const mapping::Mapping> mapping,
                                              std::map<std::string, AliasMetadata> aliases = {},
                                              bool wait_for_primaries = true);
  // kIndexNotFound.
  Status Delete(const std::string& name);
  std::shared_ptr<IndexHandle> Get(std::string_view name) const;  // null when absent
  // Index names matching an expression (ClusterStateSnapshot::ResolveIndices).
  Result<std::vector<std::string>> Resolve(std::string_view expression, bool aliases = true) const;
  std::vector<std::shared_ptr<IndexHandle>> All() const;  // by name

  // Waits until every primary of index `uuid` is started (true), one of
  // them failed or the index is gone (false), or `timeout` passed (false).
  bool WaitForActivePrimaries(const std::string& uuid, std::chrono::milliseconds timeout) const;

  ClusterState* cluster() const { return state_; }
  std::chrono::milliseconds active_timeout() const { return active_timeout_; }
  const ShardRouter* router() const { return router_; }

 private:
  std::shared_ptr<IndexHandle> HandleOf(const ClusterStatePtr& state, const IndexMetadata& index) const;

  ClusterState* const state_;
  const ShardRouter* const router_;
  const std::chrono::milliseconds active_timeout_;
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  int64_t seen_version_ = 0;  // guarded by mu_
  std::unique_ptr<ClusterStateWatch> watch_;
};

}  // namespace holdfast
