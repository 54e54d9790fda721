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
  auto copy = PrimaryFor(request.target());
  if (!copy.ok()) return copy.status();
  auto ticket = (*copy)->EnterWrite();
  if (!ticket.ok()) return ticket.status();
  HOLDFAST_RETURN_IF_ERROR(CheckWriteBlock(**copy));
  auto payload = recommend::DecodeEventOp(request.payload());
  if (!payload.ok()) return payload.status();
  auto stamp = (*copy)->events().Apply(payload.value());
  if (!stamp.ok()) return stamp.status();
  HOLDFAST_RETURN_IF_ERROR(replicator_.Replicate(**copy, {stamp->seq_no}, response->mutable_replication()));
  response->set_seq_no(stamp->seq_no);
  response->set_primary_term(stamp->primary_term);
  return Status::OK();
}

Status ShardService::History(const pb::HistoryRequest& request, pb::HistoryResponse* response) {
  auto copy = CopyFor(request.target());
  if (!copy.ok()) return copy.status();
  // As stored: the coordinator decodes it (no decode and encode here).
  auto history = (*copy)->events().StoredHistory(request.user());
  if (!history.ok()) return history.status();
  if (!history->has_value()) return Status::OK();
  response->set_found(true);
  response->set_history(std::move(**history));
  return Status::OK();
}

Status ShardService::Neighbours(const pb::NeighboursRequest& request, pb::NeighboursResponse* response) {
  auto copy = CopyFor(request.target());
  if (!copy.ok()) return copy.status();
  response->mutable_rows()->Reserve(request.items_size());
  for (const std::string& item : request.items()) {
    auto row = (*copy)->events().NeighbourRow(item);
    if (!row.ok()) return row.status();
    response->add_rows(std::move(row).value());
  }
  return Status::OK();
}

Status ShardService::ItemStats(const pb::ItemStatsRequest& request, pb::ItemStatsResponse* response) {
  auto copy = CopyFor(request.target());
  if (!copy.ok()) return copy.status();
  std::vector<std::string_view> items;
  HOLDFAST_RETURN_IF_ERROR(ForEachPackedId(request.items(), [&](std::string_view id) { items.push_back(id); }));
  std::vector<recommend::ItemStats> stats;
  HOLDFAST_RETURN_IF_ERROR((*copy)->events().AddItemStats(items, &stats));
  response->mutable_users()->Reserve(static_cast<int>(stats.size()));
  response->mutable_row_sums()->Reserve(static_cast<int>(stats.size()));
  for (const recommend::ItemStats& s : stats) {
    response->add_users(s.users);
    response->add_row_sums(s.row_sum);
  }
  return Status::OK();
}

Status ShardService::Popularity(const pb::PopularityRequest& request, pb::PopularityResponse* response) {
  auto copy = CopyFor(request.target());
  if (!copy.ok()) return copy.status();
  const recommend::EventShard& events = (*copy)->events();
  std::vector<std::string_view> items;
  HOLDFAST_RETURN_IF_ERROR(ForEachPackedId(request.items(), [&](std::string_view id) { items.push_back(id); }));
  std::vector<std::optional<double>> popularity;
  events.PopularityOf(items, request.now_ms(), &popularity);
  response->mutable_present()->Reserve(static_cast<int>(popularity.size()));
  response->mutable_popularity()->Reserve(static_cast<int>(popularity.size()));
  for (const std::optional<double>& p : popularity) {
    response->add_present(p.has_value());
    response->add_popularity(p.value_or(0.0));
  }
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
