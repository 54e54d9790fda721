// EventShard: the event state of one shard (DESIGN.md §5), in the event
// spaces of its ShardStore, written through its op log.
//
// Events are partitioned by user for histories and co-occurrence (the user
// role) and by item for popularity (the item role); the coordinator
// (RouteEvents in recommend_model.h) sends each event to both shards.
//
// User role, per event (u, i, type, ts) in timestamp order per user:
//   - u's history H(u): the last `history_size` distinct items by last
//     event, each with its count of distinct event times ("baskets"), first
//     and last time, and the largest type weight seen;
//   - unless the same (u, i, ts) was seen already (a duplicate line of one
//     basket), for every other item j among the `pair_window` most recent
//     of H(u), with gap = ts - last(j):
//       inc = w(type) * ( pair_new   * [i is new to H(u)]
//                       + pair_same  * [gap == 0]
//                       + pair_decay * exp(-gap / pair_tau) )   (0 if gap > pair_max_gap)
//     C(i, j) += inc and C(j, i) += inc (a row per item, one key each: the
//     neighbours of an item are one read), and the row sums R(i), R(j) grow by inc;
//   - U(i) += w(type) when i enters H(u) (the weight of users who have i;
//     distinct users once histories evict, for purchases only: with one
//     event type, S below is the cosine of distinct-user co-occurrence).
//   - a new basket starts when ts differs from the user's latest basket
//     time: B(u) += 1; an item entering H(u) records b0 = B(u).
// Popularity and item stats are also mirrored in memory (loaded at open,
// updated after each durable write), so ranking reads no disk.
// Item role: popularity — one decayed count per distinct (user, item, time)
// and event type (duplicate lines of one basket count once), weighted by
// the type's weight and halving every `popularity_half_life`. Each shard
// also keeps its items ordered by popularity (decay is the same for every
// item, so the order only changes when events arrive).
// All counters are merge-operator updates (never read-modify-write); the
// history is read and rewritten one event op at a time: EventShard is the
// engine's EventOpApplier, and the engine applies event ops in seq_no order
// under its event lock — on the primary (Apply) and on a replica (ops
// through ShardEngine::ApplyOps, applied once every lower seq_no arrived)
// alike — atomically with the op log entry and the events-applied watermark.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <functional>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "index/recommend/event.h"
#include "index/recommend/recommend_settings.h"
#include "index/shard/event_merge_operators.h"
#include "index/shard/event_op_applier.h"
#include "index/shard/shard_engine.h"

namespace holdfast::recommend {

// Fixed-point scale of co-occurrence and row-sum counters: sums of integers
// are exact, so per-shard partial counts add up to the same totals for any
// shard count.
inline constexpr double kCounterScale = 1e6;

struct HistoryEntry {
  std::string item;
  uint32_t baskets = 0;  // c: the user's baskets (distinct event times) holding the item
  uint32_t basket0 = 0;  // b0: the user's basket count when the item entered the history
  int64_t first_ms = 0;
  int64_t last_ms = 0;
  float weight = 0;      // largest type weight seen
};

// Least recently used first (the order of eviction).
struct UserHistory {
  uint32_t baskets = 0;   // B: the user's baskets so far (distinct event times)
  int64_t last_ms = -1;   // time of the user's latest basket
  std::vector<HistoryEntry> entries;
  const HistoryEntry* Find(std::string_view item) const;
  // n = B - b0 + 1: the user's baskets since `e` entered the history.
  uint32_t BasketsSince(const HistoryEntry& e) const { return baskets - e.basket0 + 1; }
};
std::string EncodeUserHistory(const UserHistory& h);
Result<UserHistory> DecodeUserHistory(std::string_view bytes);

// Popularity counts of one item (per event type) as of ref_ms.
struct PopularityCounts {
  int64_t ref_ms = 0;
  std::array<double, kEventTypes> counts{};
};

// Item stats summed over this shard's users.
struct ItemStats {
  int64_t users = 0;     // U(i), fixed point
  int64_t row_sum = 0;   // R(i), fixed point
};

// log2 of the popularity at time 0: log2(Σ weight × count) + ref_ms / half_life.
// The popularity at `now` is 2^(log - now / half_life): one number per item
// that orders items the same at every time.
double PopularityLog(const PopularityCounts& p, const std::array<double, kEventTypes>& weights, int64_t half_life_ms);

// A key made of two ids: varint(len(a)) a b (keys sharing `a` share PairPrefix(a)).
std::string PairKey(std::string_view a, std::string_view b);
std::string PairPrefix(std::string_view a);

class EventShard : public EventOpApplier {
 public:
  // Loads the popularity table from the store and registers with `engine`
  // (which then applies the event ops it holds unapplied). `engine` must
  // outlive this.
  static Result<std::unique_ptr<EventShard>> Open(ShardEngine* engine, const RecommendSettings& settings);
  ~EventShard() override;  // unregisters

  // Applies one batch of events (already validated) in one op log entry.
  Result<OpStamp> Apply(const EventOpPayload& payload);

  // EventOpApplier: called by the engine, one op at a time, in seq_no order.
  Result<EventBatch> Effects(const ShardOp& op) override;
  void Applied(const ShardOp& op) override;

  Result<std::optional<UserHistory>> History(std::string_view user) const;
  // The user's history as stored (EncodeUserHistory's bytes; nullopt: none).
  Result<std::optional<std::string>> StoredHistory(std::string_view user) const;
  // C(item, ·) of this shard as stored: a SparseRowAdd value
  // (index/shard/event_merge_operators.h; ForEachInSparseRow reads it),
  // empty when the item has none. What a coordinator adds up across shards.
  Result<std::string> NeighbourRow(std::string_view item) const;
  // Adds C(item, ·) of this shard to `out` (fixed point).
  Status AddNeighbours(std::string_view item, absl::flat_hash_map<std::string, int64_t>* out) const;
  // Adds this shard's ItemStats of `items` into `out` (parallel to items).
  Status AddItemStats(const std::vector<std::string_view>& items, std::vector<ItemStats>* out) const;

  // Popularity of an item held by this shard: Σ_type weight × decayed count at `now_ms`.
  std::optional<double> Popularity(std::string_view item, int64_t now_ms) const;
  std::optional<PopularityCounts> PopularityOf(std::string_view item) const;
  // Popularity of each of `items` (parallel; nullopt: no events), under one lock.
  void PopularityOf(const std::vector<std::string_view>& items, int64_t now_ms,
                    std::vector<std::optional<double>>* out) const;
  // This shard's most popular items, best first: (item, log2 of the
  // popularity at time 0 — see PopularityLog); stops when fn returns false.
  void ForEachByPopularity(const std::function<bool(std::string_view item, double log_pop)>& fn) const;
  // The largest log popularity on this shard (-inf when none).
  double MaxPopularityLog() const;
  // PopularityLog of one item (nullopt: no events).
  std::optional<double> PopularityLogOf(std::string_view item) const;

 private:
  EventShard(ShardEngine* engine, const RecommendSettings& settings) : engine_(engine), settings_(settings) {}
  double Weight(EventType t) const { return settings_.weights[static_cast<size_t>(t)]; }

  ShardEngine* engine_;
  const RecommendSettings settings_;
  bool registered_ = false;
  // Mirror updates of the op whose effects were computed last, applied by
  // Applied() once stored (only the engine's event lock holder touches them).
  absl::flat_hash_map<std::string, ItemStats> unapplied_items_;
  absl::flat_hash_map<std::string, DecayedCounts> unapplied_popularity_;
  void IndexPopularity(const std::string& item, const PopularityCounts& p);  // under popularity_mu_

  mutable std::shared_mutex popularity_mu_;
  absl::flat_hash_map<std::string, PopularityCounts> popularity_;  // mirror of the popularity space
  absl::flat_hash_map<std::string, double> log_of_;                // item → its key in by_popularity_
  absl::flat_hash_map<std::string, ItemStats> item_stats_;         // mirror of the item stats space
  std::set<std::pair<double, std::string>, std::greater<>> by_popularity_;
};

}  // namespace holdfast::recommend
