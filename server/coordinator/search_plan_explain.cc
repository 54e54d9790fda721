// SearchPlan::ExplainDocument (server/coordinator/search_plan.h): the
// `_explain` API's one document, scored like a search of the same plan.
//
// Elasticsearch's _explain scores with the statistics of the doc's shard
// alone, so on an index of several shards its value may differ from the
// doc's `_score` in a search; here it runs the search's statistics phase
// first, so the two agree.
#include "server/coordinator/search_plan.h"

namespace holdfast {

namespace {

// How long the statistics phase keeps each shard's snapshot for the
// explain request (freed right after it).
constexpr std::chrono::milliseconds kExplainKeepAlive{60'000};

}  // namespace

Result<pb::QueryResponse> SearchPlan::ExplainDocument(const std::string& id, uint32_t shard, ThreadPool* pool) const {
  size_t target = shards_.size();
  for (size_t s = 0; s < shards_.size(); ++s) {
    if (shards_[s].index == 0 && shards_[s].id.shard == shard) target = s;
  }
  if (target == shards_.size()) return Status::Unavailable("no copy of shard [" + std::to_string(shard) + "] to ask");
  std::vector<std::string> contexts(shards_.size());
  std::vector<Status> failed(shards_.size());
  for (size_t s = 0; s < shards_.size(); ++s) failed[s] = shards_[s].unavailable;
  std::vector<pb::GlobalStatistics> stats;
  if (shards_.size() > 1 && failed[target].ok()) {
    std::vector<uint64_t> versions;
    auto sums = Statistics(pool, kExplainKeepAlive, &contexts, &failed, &versions);
    if (sums.ok()) stats = std::move(sums).value();
  }
  // Only the doc's shard answers (and frees its own snapshot): the others
  // served their statistics — all of them, when the doc's shard failed.
  ScrollCursor unused;
  unused.contexts = contexts;
  if (failed[target].ok()) unused.contexts[target].clear();
  FreeContexts(unused);
  if (!failed[target].ok()) return failed[target];
  pb::QueryRequest request;
  *request.mutable_target() = shards_[target].target.target;
  *request.mutable_source() = indices_[0].source;
  if (!stats.empty()) *request.mutable_stats() = stats[0];
  request.set_explain_id(id);
  request.set_context_id(contexts[target]);
  request.set_release_context(!contexts[target].empty());
  pb::QueryResponse response;
  HOLDFAST_RETURN_IF_ERROR(shards_[target].target.client->Query(request, &response));
  return response;
}

}  // namespace holdfast
