// EmbeddedNode: a holdfast node in process, without sockets — the same
// volume, startup recovery, shard copies, coordinator and HTTP API handlers
// as `holdfast serve`. Benchmarks, the evaluation tools and tests use it to
// measure and check exactly what the server runs.
//
// Handle() answers an HTTP API request through the node's router, as the
// server would (bodies of bulk requests are spilled to a file first, as the
// server does). Thread-safe like the server: requests may run concurrently.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "index/shard/shard_engine.h"
#include "index/util/thread_pool.h"
#include "server/coordinator/cluster_indices.h"
#include "server/coordinator/shard_router.h"
#include "replication/shard_registry.h"
#include "server/http/http_router.h"

namespace holdfast {

class StatsCache;

struct EmbeddedNodeOptions {
  std::string data_dir;
  ShardTransport transport = ShardTransport::kLocal;
  ShardEngineOptions engine;  // what every shard copy starts from
  size_t search_threads = 2;  // fan-out of one search over shards
};

class EmbeddedNode {
 public:
  static Result<std::unique_ptr<EmbeddedNode>> Open(EmbeddedNodeOptions options);
  ~EmbeddedNode();  // Close()

  ClusterIndices& indices();
  ThreadPool* search_pool();
  StatsCache& stats_cache();  // the coordinator's cached statistics sums
  // This node's shard copies (tests look inside them).
  const ShardRegistry& shard_registry() const;

  // `target` is the path with its query string ("/shop/_search?size=3").
  HttpResponse Handle(HttpMethod method, std::string_view target, std::string body = {});

  // Flushes and closes every shard copy and writes the clean-shutdown marker. Idempotent.
  Status Close();

 private:
  struct State;
  explicit EmbeddedNode(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace holdfast
