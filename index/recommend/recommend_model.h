// The recommendation model of an index (DESIGN.md §5;
// docs/recommendations.md has the model): "also bought" for an item and
// personalized recommendations for a user, from the index's event state.
//
// The state is spread over shards — events are partitioned by user for
// histories and co-occurrence and by item for popularity — so the model
// reads it through EventData, whose answers are sums over every shard of the
// index: neighbour rows and item counters are partial sums on each shard
// (fixed-point integers), added up exactly before anything is normalized, so
// 1 and N shards give identical results. The coordinator implements
// EventData over shard clients (server/coordinator/recommend_data.h).
#pragma once

#include <absl/container/flat_hash_map.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "index/recommend/event.h"
#include "index/recommend/event_shard.h"
#include "index/recommend/recommend_settings.h"
#include "index/util/status.h"

namespace holdfast::recommend {

struct RecommendRequest {
  std::optional<std::string> item;  // "also bought / also viewed" of this item
  std::optional<std::string> user;  // personalized for this user
  size_t size = 10;
  // user requests: leave out items already in the user's history.
  bool exclude_seen = false;
  // Items never returned (the item asked about is always left out).
  std::vector<std::string> exclude;
  // Fill up with popular items when the model has fewer than `size`.
  bool fallback_popular = true;
  // The time popularity is decayed to (epoch ms); default: now.
  std::optional<int64_t> now_ms;
  bool explain = false;
  // Candidate filter (e.g. a query DSL filter run by the caller): called with
  // candidate ids in rank order, returns which pass. Null: all pass.
  std::function<Result<std::vector<bool>>(const std::vector<std::string>& ids)> filter;
  // Model knobs (defaults: the index's settings).
  std::optional<double> own_weight;
  std::optional<double> popularity_weight;
};

struct Contribution {
  std::string item;  // the profile item (user requests) or the item asked about
  double score = 0;
};

struct Recommendation {
  std::string item;
  double score = 0;
  std::string source;  // "cooccurrence", "history", "popularity"
  // explain: the largest contributions (profile items → this candidate).
  std::vector<Contribution> because;
  double cooccurrence = 0, own = 0, popularity = 0;
};

struct RecommendResult {
  std::vector<Recommendation> items;
  size_t profile_items = 0;   // user requests: history items used
  size_t candidates = 0;      // scored before filtering
};

// The event state of one index, summed over its shards.
class EventData {
 public:
  virtual ~EventData() = default;
  // The user's history (from the user's shard).
  virtual Result<std::optional<UserHistory>> History(std::string_view user) = 0;
  // C(item, ·) of each item (fixed point), summed over shards.
  virtual Status Neighbours(const std::vector<std::string>& items,
                            std::vector<absl::flat_hash_map<std::string, int64_t>>* rows) = 0;
  // ItemStats of each item, summed over shards.
  virtual Status ItemStats(const std::vector<std::string>& items, std::vector<recommend::ItemStats>* out) = 0;
  // Each item's popularity at `now_ms` (nullopt: no events), from its shard.
  virtual Status Popularity(const std::vector<std::string>& items, int64_t now_ms,
                            std::vector<std::optional<double>>* out) = 0;
  // PopularityLog of the index's most popular item (-inf: no events).
  virtual Result<double> MaxPopularityLog() = 0;
  // From every shard, its first `limit` items by popularity that are not in
  // `skip`, as (item, PopularityLog) — concatenated, in no particular order.
  virtual Status TopPopular(size_t limit, const std::vector<std::string>& skip,
                            std::vector<std::pair<std::string, double>>* out) = 0;
};

Result<RecommendResult> Recommend(const RecommendSettings& settings, EventData& data, const RecommendRequest& request);

// The events of one request split per shard: each event goes to its user's
// shard (user role) and its item's shard (item role); `members[s]` lists
// the events shard s's op carries. `shard_of` maps an id to its shard.
struct EventRouting {
  std::vector<EventOpPayload> payloads;
  std::vector<std::vector<size_t>> members;
};
EventRouting RouteEvents(const std::vector<Event>& events, uint32_t num_shards,
                         const std::function<uint32_t(std::string_view)>& shard_of);

}  // namespace holdfast::recommend
