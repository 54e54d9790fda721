// EventShard: the event state of one shard (DESIGN.md §5), in the event
// spaces of its ShardStore, written through its op log.
//
// Events are partitioned by user for histories and co-occurrence (the user
// role) and by item for popularity (the item role); LocalIndex-level code
// (recommender.h) routes each event to both shards.
//
// User role, per event (u, i, type, ts) in timestamp order per user:
//   - u's history H(u): the last `history_size` distinct items by last
//     event, each with its count of distinct event times ("baskets"), first
//     and last time, and the largest type weight seen;
//   - unless the same (u, i, ts) was seen already (a duplicate line of one
//     basket), for every other item j of H(u) with gap = ts - last(j):
//       inc = w(type) * ( pair_new   * [i is new to H(u)]
//                       + pair_same  * [gap == 0]
//                       + pair_decay * exp(-gap / pair_tau) )   (0 if gap > pair_max_gap)
//     C(i, j) += inc and C(j, i) += inc (both rows, so the neighbours of an
//     item are one prefix scan), and the row sums R(i), R(j) grow by inc;
//   - U(i) += 1 when i enters H(u) (users who have i; approximately
//     distinct users once histories evict).
// Item role: popularity P(i) += w(type) * quantity-independent count 1 per
// event type, time-decayed with `popularity_half_life`.
// All counters are merge-operator updates (never read-modify-write); the
// history is read and rewritten under the shard's event mutex (one writer
// per shard), atomically with the op log entry.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include <absl/container/flat_hash_map.h>

#include "index/recommend/event.h"
#include "index/recommend/recommend_settings.h"
#include "index/shard/shard_engine.h"

namespace holdfast::recommend {

// Fixed-point scale of co-occurrence and row-sum counters: sums of integers
// are exact, so per-shard partial counts add up to the same totals for any
// shard count.
inline constexpr double kCounterScale = 1e6;

struct HistoryEntry {
  std::string item;
  uint32_t baskets = 0;  // distinct event times
  int64_t first_ms = 0;
  int64_t last_ms = 0;
  float weight = 0;      // largest type weight seen
};

// Oldest first (the order of eviction).
struct UserHistory {
  std::vector<HistoryEntry> entries;
  const HistoryEntry* Find(std::string_view item) const;
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
  int64_t users = 0;     // U(i)
  int64_t row_sum = 0;   // R(i), fixed point
};

// Pair-space key: varint(len(a)) a b. Neighbours of `a` share PairPrefix(a).
std::string PairKey(std::string_view a, std::string_view b);
std::string PairPrefix(std::string_view a);

class EventShard {
 public:
  // Loads the popularity table from the store.
  static Result<std::unique_ptr<EventShard>> Open(ShardEngine* engine, const RecommendSettings& settings);

  // Applies one batch of events (already validated) in one op log entry.
  Result<OpStamp> Apply(const EventOpPayload& payload);

  Result<std::optional<UserHistory>> History(std::string_view user) const;
  // Adds C(item, ·) of this shard to `out` (fixed point).
  Status AddNeighbours(std::string_view item, absl::flat_hash_map<std::string, int64_t>* out) const;
  // Adds this shard's ItemStats of `items` into `out` (parallel to items).
  Status AddItemStats(const std::vector<std::string>& items, std::vector<ItemStats>* out) const;

  // Popularity of an item held by this shard: Σ_type weight × decayed count at `now_ms`.
  std::optional<double> Popularity(std::string_view item, int64_t now_ms) const;
  std::optional<PopularityCounts> PopularityOf(std::string_view item) const;
  // Every item with popularity on this shard (for ranking candidates).
  void ForEachPopular(const std::function<void(std::string_view item, const PopularityCounts&)>& fn) const;
  size_t popular_items() const;

 private:
  EventShard(ShardEngine* engine, const RecommendSettings& settings) : engine_(engine), settings_(settings) {}
  double Weight(EventType t) const { return settings_.weights[static_cast<size_t>(t)]; }

  ShardEngine* engine_;
  const RecommendSettings settings_;
  std::mutex apply_mu_;  // one event writer per shard: histories are read-modify-write
  mutable std::shared_mutex popularity_mu_;
  absl::flat_hash_map<std::string, PopularityCounts> popularity_;  // mirror of the popularity space
};

}  // namespace holdfast::recommend
