// IndexRecommender: events, popularity and recommendations of one
// LocalIndex (DESIGN.md §5; docs/recommendations.md has the model).
//
// Ingest routes every event to the shard of its user (history and
// co-occurrence) and to the shard of its item (popularity) — one op per
// shard and request — and acknowledges once every shard's op is durable.
//
// Recommend is a scatter-gather: an item's neighbours and the per-item
// counters are partial sums on each shard (events are partitioned by user),
// added up exactly (fixed-point integers) before anything is normalized, so
// 1 and N shards give identical results. Popularity is read from each item's
// own shard.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "index/recommend/event.h"
#include "index/recommend/event_shard.h"
#include "index/recommend/recommend_settings.h"
#include "index/search/query_context.h"

namespace holdfast {
class LocalIndex;
}

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

class IndexRecommender {
 public:
  // One EventShard per shard of `index` (which must outlive this).
  static Result<std::unique_ptr<IndexRecommender>> Open(LocalIndex* index, const RecommendSettings& settings);
  ~IndexRecommender();

  // Applies the events; one status per event (routing and storage errors).
  // `stamps` receives (shard, seq_no) of every op written.
  std::vector<Status> Ingest(const std::vector<Event>& events, std::vector<std::pair<uint32_t, int64_t>>* stamps);

  Result<RecommendResult> Recommend(const RecommendRequest& request) const;

  // Popularity of `item` at `now_ms` (nullopt: no events).
  std::optional<double> Popularity(std::string_view item, int64_t now_ms) const;
  // `_popularity` for search: each item's popularity relative to the most
  // popular item of the index right now, in [0, 1] (0: no events) — a
  // scale-free number that float scores hold whatever the event times.
  std::shared_ptr<const search::DocValueSource> PopularitySource() const;
  // The relative popularity of one item given the index maximum's log.
  double RelativePopularity(std::string_view item, double max_log) const;
  double MaxPopularityLog() const;

  // The user's history (from the user's shard).
  Result<std::optional<UserHistory>> History(std::string_view user) const;

  const RecommendSettings& settings() const { return settings_; }

 private:
  IndexRecommender(LocalIndex* index, const RecommendSettings& settings) : index_(index), settings_(settings) {}
  // Items by popularity at now_ms, best first (ties by id), at most `limit`.
  std::vector<std::pair<std::string, double>> TopPopular(int64_t now_ms, size_t limit,
                                                         const std::function<bool(const std::string&)>& skip) const;
  double MaxPopularity(int64_t now_ms) const;

  LocalIndex* index_;
  const RecommendSettings settings_;
  std::vector<std::unique_ptr<EventShard>> shards_;
};

}  // namespace holdfast::recommend
