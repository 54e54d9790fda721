// ShardService: events and the per-shard parts of recommendations
// (index/recommend/event_shard.h). Each answer is this shard's partial sum;
// the coordinator adds them up (index/recommend/recommend_model.h, over server/coordinator/index_handle.h).
#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>

#include <cmath>
#include <limits>
#include <set>

#include "index/recommend/event.h"
#include "replication/proto_convert.h"
#include "replication/shard_service.h"

namespace holdfast {

Status ShardService::Events(const pb::EventsRequest& request, pb::EventsResponse* response) {
  auto copy = CopyFor(request.target());
  if (!copy.ok()) return copy.status();
  HOLDFAST_RETURN_IF_ERROR(CheckWriteBlock(**copy));
  auto payload = recommend::DecodeEventOp(request.payload());
  if (!payload.ok()) return payload.status();
  auto stamp = (*copy)->events().Apply(payload.value());
  if (!stamp.ok()) return stamp.status();
  response->set_seq_no(stamp->seq_no);
  response->set_primary_term(stamp->primary_term);
  return Status::OK();
}

Status ShardService::History(const pb::HistoryRequest& request, pb::HistoryResponse* response) {
  auto copy = CopyFor(request.target());
  if (!copy.ok()) return copy.status();
  auto history = (*copy)->events().History(request.user());
  if (!history.ok()) return history.status();
  if (!history->has_value()) return Status::OK();
  response->set_found(true);
  response->set_history(recommend::EncodeUserHistory(**history));
  return Status::OK();
}

Status ShardService::Neighbours(const pb::NeighboursRequest& request, pb::NeighboursResponse* response) {
  auto copy = CopyFor(request.target());
  if (!copy.ok()) return copy.status();
  for (const std::string& item : request.items()) {
    absl::flat_hash_map<std::string, int64_t> row;
    HOLDFAST_RETURN_IF_ERROR((*copy)->events().AddNeighbours(item, &row));
    // In the map's order: the coordinator adds rows up by item.
    pb::NeighbourRow* out = response->add_rows();
    std::string* packed = out->mutable_items();
    out->mutable_counts()->Reserve(static_cast<int>(row.size()));
    for (const auto& [id, count] : row) {
      PackId(id, packed);
      out->add_counts(count);
    }
  }
  return Status::OK();
}

Status ShardService::ItemStats(const pb::ItemStatsRequest& request, pb::ItemStatsResponse* response) {
  auto copy = CopyFor(request.target());
  if (!copy.ok()) return copy.status();
  const recommend::EventShard& events = (*copy)->events();
  return ForEachPackedId(request.items(), [&](std::string_view item) {
    const recommend::ItemStats s = events.ItemStatsOf(item);
    response->add_users(s.users);
    response->add_row_sums(s.row_sum);
  });
  return Status::OK();
}

Status ShardService::Popularity(const pb::PopularityRequest& request, pb::PopularityResponse* response) {
  auto copy = CopyFor(request.target());
  if (!copy.ok()) return copy.status();
  const recommend::EventShard& events = (*copy)->events();
  HOLDFAST_RETURN_IF_ERROR(ForEachPackedId(request.items(), [&](std::string_view item) {
    const auto log = events.PopularityLogOf(item);
    response->add_present(log.has_value());
    response->add_log(log.value_or(0.0));
    response->add_popularity(events.Popularity(item, request.now_ms()).value_or(0.0));
  }));
  const double max = events.MaxPopularityLog();
  if (max != -std::numeric_limits<double>::infinity()) response->set_max_log(max);
  return Status::OK();
}

Status ShardService::TopPopular(const pb::TopPopularRequest& request, pb::TopPopularResponse* response) {
  auto copy = CopyFor(request.target());
  if (!copy.ok()) return copy.status();
  absl::flat_hash_set<std::string_view> skip;
  HOLDFAST_RETURN_IF_ERROR(ForEachPackedId(request.skip(), [&](std::string_view id) { skip.insert(id); }));
  uint32_t taken = 0;
  if (request.limit() == 0) return Status::OK();
  std::string* items = response->mutable_items();
  (*copy)->events().ForEachByPopularity([&](std::string_view item, double log) {
    if (skip.contains(item)) return true;
    PackId(item, items);
    response->add_logs(log);
    return ++taken < request.limit();
  });
  return Status::OK();
}

}  // namespace holdfast
