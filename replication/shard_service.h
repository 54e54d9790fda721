// ShardService: what a node answers about the shard copies it holds — the
// receiving end of ShardClient (shard_client.h). Every method takes a
// request of proto/holdfast/v1/shard.proto, finds the target copy in the
// ShardRegistry and runs it there:
//
//   documents     Write (one durable batch), Update, Get (realtime)
//   maintenance   Maintenance (refresh, flush, merges), WaitForRefresh, Stats,
//                 Recoveries (the peer recoveries this node ran as target)
//   search        Statistics (the DFS phase), Query, Count, FreeContext,
//                 Fetch (sources, `_source` filtering, highlight), MatchIds,
//                 TermVectors (more_like_this documents)
//   events        Events, History, Neighbours, ItemStats, Popularity, TopPopular
//   replication   Replicate (ops stamped by the primary), OpsSince
//
// The search methods parse the request's JSON against the copy's mapping
// (index/search/parsed_search.h), exactly as the coordinator did. A request
// naming a primary term older than the copy's is refused (kFenced); a copy
// this node does not hold is kUnavailable. While the node's write block is
// on (write_block.h), writes that add data — index and create items of
// Write, Update, Events — are refused with kBlocked; delete items still
// run. Nothing here knows of HTTP.
// Thread-safe: requests run concurrently on the caller's threads.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <optional>
#include <thread>
#include <mutex>

#include <chrono>
#include <memory>

#include "replication/reader_contexts.h"
#include "replication/shard_client.h"
#include "replication/shard_registry.h"
#include "replication/write_block.h"
#include "replication/write_replication.h"

namespace holdfast {

struct ShardServiceOptions {
  size_t max_reader_contexts = 1000;
  // How long the statistics phase keeps its snapshot for the query phase.
  std::chrono::milliseconds phase_context_keep_alive{60'000};
  // The node's write block (flood-stage disk watermark); null: never blocked.
  const WriteBlock* write_block = nullptr;
  // Write replication to the shard's other copies (write_replication.h);
  // without a cluster state, writes stay on the copy written.
  WriteReplicatorOptions replication;
};

// What a snapshot's term and field statistics are computed from, as a
// number (StatisticsResponse.stats_version): equal for equal statistics.
// `copy` (its allocation id) is part of it: copies of a shard name their
// segments alike, so sums cached from one copy never pass for another's
// (searches read replicas too).
uint64_t StatsVersion(const search::SearcherSnapshot& snapshot, std::string_view copy);

class ShardService {
 public:
  explicit ShardService(ShardRegistry* registry, ShardServiceOptions options = {});
  ~ShardService();

  // Runs `method`; `request` and `response` are its message types.
  Status Handle(ShardMethod method, const google::protobuf::Message& request, google::protobuf::Message* response);
  // Runs the calls of a batch one after the other (this thread; the shards
  // of one search on one node are few, and other searches keep the other
  // cores busy) and answers each with its response or its error.
  void HandleBatch(const pb::BatchRequest& request, pb::BatchResponse* response);

#define HOLDFAST_SHARD_SERVICE_METHOD(name, req, resp) Status name(const pb::req& request, pb::resp* response);
  HOLDFAST_SHARD_METHODS(HOLDFAST_SHARD_SERVICE_METHOD)
#undef HOLDFAST_SHARD_SERVICE_METHOD

  size_t open_contexts() { return contexts_.size(); }

 private:
  // A batch of Query calls that all ask for a node page (QueryRequest.
  // node_page): answered here, and true; false: not such a batch.
  bool HandleNodePage(const pb::BatchRequest& request, pb::BatchResponse* response);
  // Query with search::ShardQueryOptions::page_floor (a node page's later
  // shards: hits at or below the floor cannot be on the node's page).
  Status RunQuery(const pb::QueryRequest& request, pb::QueryResponse* response, std::optional<float> page_floor);
  // The copy a request targets; kFenced for an older primary term.
  Result<std::shared_ptr<ShardCopy>> CopyFor(const pb::ShardTarget& target) const;
  // The copy a write targets, which must be the primary of the request's
  // term: a copy the routing table just promoted is waited for (briefly);
  // otherwise kFenced (not applied: the coordinator retries elsewhere).
  Result<std::shared_ptr<ShardCopy>> PrimaryFor(const pb::ShardTarget& target) const;
  // OK unless the write block is on (kBlocked naming the copy's index).
  Status CheckWriteBlock(const ShardCopy& copy) const;
  // The snapshot a search phase runs on: a context's (named, or opened now
  // when `keep_alive` > 0) or a fresh one.
  Result<std::shared_ptr<const ReaderContext>> ReaderFor(const pb::ShardTarget& target, const std::string& context_id,
                                                         int64_t keep_alive_ms, std::string* opened_id);

  // Peer recovery sources (shard_service_recovery.cc), by recovery id.
  struct RecoverySource;
  Result<std::shared_ptr<RecoverySource>> RecoveryFor(const pb::ShardTarget& target, const std::string& id);

  ShardRegistry* const registry_;
  const ShardServiceOptions options_;
  ReaderContexts contexts_;
  WriteReplicator replicator_;
  // Resyncs of copies promoted here (ShardRegistry::SetOnPromoted), one
  // after the other on their own thread.
  void RunResyncs();
  std::mutex resync_mu_;
  std::condition_variable resync_cv_;
  std::deque<std::weak_ptr<ShardCopy>> resync_queue_;  // under resync_mu_
  bool stopping_ = false;                              // under resync_mu_
  std::thread resync_thread_;
  std::mutex recoveries_mu_;
  std::map<std::string, std::shared_ptr<RecoverySource>> recoveries_;
};

}  // namespace holdfast
