#include "index/recommend/recommend_model.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

namespace holdfast::recommend {

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Candidate {
  double cooc = 0;   // normalized neighbour score (before scaling)
  double own = 0;    // the user's own history score
  double pop = 0;    // popularity at now
  double score = 0;
  std::vector<Contribution> because;
};

// Items by popularity at now_ms, best first (ties by id), at most `limit`.
// Each shard's first `limit` unskipped items always contain the global top
// `limit`, so merging the shards' lists is exact.
Result<std::vector<std::pair<std::string, double>>> TopPopular(const RecommendSettings& settings, EventData& data,
                                                              int64_t now_ms, size_t limit,
                                                              const std::vector<std::string>& skip) {
  std::vector<std::pair<std::string, double>> all;
  HOLDFAST_RETURN_IF_ERROR(data.TopPopular(limit, skip, &all));
  auto better = [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; };
  std::sort(all.begin(), all.end(), better);
  if (all.size() > limit) all.resize(limit);
  const double scale = static_cast<double>(now_ms) / static_cast<double>(std::max<int64_t>(settings.popularity_half_life_ms, 1));
  for (auto& [id, v] : all) v = std::exp2(v - scale);
  return all;
}

Result<double> MaxPopularity(const RecommendSettings& settings, EventData& data, int64_t now_ms) {
  auto best = data.MaxPopularityLog();
  if (!best.ok()) return best.status();
  if (*best == -std::numeric_limits<double>::infinity()) return 0.0;
  return std::exp2(*best - static_cast<double>(now_ms) / static_cast<double>(std::max<int64_t>(settings.popularity_half_life_ms, 1)));
}

template <class Map>
std::vector<std::string> Keys(const Map& m) {
  std::vector<std::string> out;
  out.reserve(m.size());
  for (const auto& [k, v] : m) out.push_back(k);
  return out;
}

}  // namespace

EventRouting RouteEvents(const std::vector<Event>& events, uint32_t num_shards,
                         const std::function<uint32_t(std::string_view)>& shard_of) {
  EventRouting r;
  r.payloads.resize(num_shards);
  r.members.resize(num_shards);
  for (size_t k = 0; k < events.size(); ++k) {
    const uint32_t us = shard_of(events[k].user);
    const uint32_t is = shard_of(events[k].item);
    r.payloads[us].user_role.push_back(events[k]);
    r.members[us].push_back(k);
    r.payloads[is].item_role.push_back(events[k]);
    if (is != us) r.members[is].push_back(k);
  }
  return r;
}

Result<RecommendResult> Recommend(const RecommendSettings& settings_, EventData& data, const RecommendRequest& req) {
  if (req.item.has_value() == req.user.has_value()) {
    return Status::InvalidArgument("give exactly one of [item] and [user]");
  }
  const int64_t now = req.now_ms.value_or(NowMs());
  const bool for_user = req.user.has_value();
  const double own_weight = req.own_weight.value_or(settings_.own_weight);
  const double pop_weight = for_user ? req.popularity_weight.value_or(settings_.popularity_weight) : 0.0;
  const double cooc_weight = for_user ? settings_.cooccurrence_weight : 1.0;
  RecommendResult result;

  // The profile: weighted items whose neighbours are gathered.
  std::vector<std::pair<std::string, double>> profile;
  std::optional<UserHistory> history;
  absl::flat_hash_map<std::string, bool> excluded;
  for (const std::string& x : req.exclude) excluded[x] = true;
  if (!for_user) {
    profile.emplace_back(*req.item, 1.0);
    excluded[*req.item] = true;
  } else {
    auto h = data.History(*req.user);
    if (!h.ok()) return h.status();
    history = std::move(h).value();
    if (history) {
      if (req.exclude_seen) {
        for (const HistoryEntry& e : history->entries) excluded[e.item] = true;
      }
      if (cooc_weight > 0) {
        std::vector<const HistoryEntry*> recent;
        for (const HistoryEntry& e : history->entries) recent.push_back(&e);
        std::stable_sort(recent.begin(), recent.end(), [](const HistoryEntry* a, const HistoryEntry* b) {
          return a->last_ms != b->last_ms ? a->last_ms > b->last_ms : a->item < b->item;
        });
        if (recent.size() > settings_.profile_size) recent.resize(settings_.profile_size);
        double w = 1.0;
        for (const HistoryEntry* e : recent) {
          profile.emplace_back(e->item, w);
          w *= settings_.profile_decay;
        }
      }
    }
  }
  result.profile_items = for_user && history ? history->entries.size() : 0;

  // Scatter: neighbour rows of every profile item, summed over shards.
  std::vector<absl::flat_hash_map<std::string, int64_t>> rows;
  {
    std::vector<std::string> items;
    for (const auto& [id, w] : profile) items.push_back(id);
    HOLDFAST_RETURN_IF_ERROR(data.Neighbours(items, &rows));
  }
  // Item stats (U) of profile items and every neighbour, summed over shards.
  absl::flat_hash_map<std::string, size_t> stat_index;
  std::vector<std::string> stat_items;
  auto want = [&](const std::string& id) {
    if (stat_index.emplace(id, stat_items.size()).second) stat_items.push_back(id);
  };
  for (const auto& [id, w] : profile) want(id);
  for (const auto& row : rows) {
    for (const auto& [id, c] : row) want(id);
  }
  std::vector<ItemStats> stats;
  HOLDFAST_RETURN_IF_ERROR(data.ItemStats(stat_items, &stats));

  absl::flat_hash_map<std::string, Candidate> cands;
  const double alpha = settings_.alpha;
  for (size_t p = 0; p < profile.size(); ++p) {
    const double ui = static_cast<double>(std::max<int64_t>(stats[stat_index[profile[p].first]].users, 1)) / kCounterScale;
    for (const auto& [j, c] : rows[p]) {
      if (excluded.count(j)) continue;
      const double uj = static_cast<double>(std::max<int64_t>(stats[stat_index[j]].users, 1)) / kCounterScale;
      const double sim = (static_cast<double>(c) / kCounterScale) / (std::pow(ui, alpha) * std::pow(uj, 1.0 - alpha));
      Candidate& cand = cands[j];
      cand.cooc += profile[p].second * sim;
      if (req.explain) cand.because.push_back({profile[p].first, profile[p].second * sim});
    }
  }
  // The user's own items: the smoothed rate at which they come back.
  if (history && own_weight > 0) {
    for (const HistoryEntry& e : history->entries) {
      if (excluded.count(e.item)) continue;
      cands[e.item].own = static_cast<double>(e.baskets) / (history->BasketsSince(e) + settings_.own_smoothing);
    }
  }
  // Trending items.
  double max_pop = 0;
  if (pop_weight > 0) {
    auto m = MaxPopularity(settings_, data, now);
    if (!m.ok()) return m.status();
    max_pop = *m;
  }
  if (max_pop > 0) {
    const size_t want_popular = req.size * 4 + 16;
    auto popular = TopPopular(settings_, data, now, want_popular, Keys(excluded));
    if (!popular.ok()) return popular.status();
    for (auto& [id, pop] : *popular) cands[id];
  }
  // User requests blend normalized parts; item requests rank by S itself.
  double max_cooc = 0;
  for (const auto& [id, c] : cands) max_cooc = std::max(max_cooc, c.cooc);
  const double cooc_scale = for_user ? (max_cooc > 0 ? cooc_weight / max_cooc : 0) : 1.0;
  std::vector<std::string> cand_ids = Keys(cands);
  std::vector<std::optional<double>> pops;
  HOLDFAST_RETURN_IF_ERROR(data.Popularity(cand_ids, now, &pops));
  for (size_t k = 0; k < cand_ids.size(); ++k) cands[cand_ids[k]].pop = pops[k].value_or(0.0);
  for (auto& [id, c] : cands) {
    c.score = own_weight * c.own + (max_pop > 0 ? pop_weight * c.pop / max_pop : 0) +
              cooc_scale * c.cooc;
  }
  result.candidates = cands.size();
  std::vector<std::pair<std::string, Candidate*>> ranked;
  ranked.reserve(cands.size());
  for (auto& [id, c] : cands) {
    if (c.score > 0) ranked.emplace_back(id, &c);
  }
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    if (a.second->score != b.second->score) return a.second->score > b.second->score;
    if (a.second->pop != b.second->pop) return a.second->pop > b.second->pop;
    return a.first < b.first;
  });

  // Filter in rank order, in chunks, until `size` pass.
  absl::flat_hash_map<std::string, bool> chosen;
  auto take = [&](const std::vector<std::pair<std::string, Candidate*>>& batch, bool padding) -> Status {
    std::vector<bool> pass(batch.size(), true);
    if (req.filter) {
      std::vector<std::string> ids;
      for (const auto& [id, c] : batch) ids.push_back(id);
      auto r = req.filter(ids);
      if (!r.ok()) return r.status();
      pass = std::move(r).value();
    }
    for (size_t k = 0; k < batch.size() && result.items.size() < req.size; ++k) {
      if (!pass[k] || chosen.count(batch[k].first)) continue;
      const Candidate& c = *batch[k].second;
      Recommendation r;
      r.item = batch[k].first;
      r.score = c.score;
      r.cooccurrence = cooc_scale * c.cooc;
      r.own = own_weight * c.own;
      r.popularity = c.pop;
      const double pop_part = max_pop > 0 ? pop_weight * c.pop / max_pop : 0;
      if (padding) {
        r.source = "popularity";
      } else if (r.own >= r.cooccurrence && r.own >= pop_part && r.own > 0) {
        r.source = "history";
      } else if (r.cooccurrence >= pop_part && r.cooccurrence > 0) {
        r.source = "cooccurrence";
      } else {
        r.source = "popularity";
      }
      if (req.explain) {
        r.because = c.because;
        std::sort(r.because.begin(), r.because.end(), [](const Contribution& a, const Contribution& b) {
          return a.score != b.score ? a.score > b.score : a.item < b.item;
        });
        if (r.because.size() > 5) r.because.resize(5);
      }
      chosen[r.item] = true;
      result.items.push_back(std::move(r));
    }
    return Status::OK();
  };
  const size_t chunk = std::max<size_t>(req.size * 4, 32);
  for (size_t begin = 0; begin < ranked.size() && result.items.size() < req.size; begin += chunk) {
    std::vector<std::pair<std::string, Candidate*>> batch(
        ranked.begin() + static_cast<std::ptrdiff_t>(begin),
        ranked.begin() + static_cast<std::ptrdiff_t>(std::min(ranked.size(), begin + chunk)));
    HOLDFAST_RETURN_IF_ERROR(take(batch, false));
  }
  // Padding with popular items, in growing rounds while filters reject them.
  for (size_t limit = req.size * 4 + 16; req.fallback_popular && result.items.size() < req.size; limit *= 4) {
    std::vector<std::string> skip = Keys(excluded);
    for (const auto& [id, yes] : chosen) skip.push_back(id);
    auto got = TopPopular(settings_, data, now, limit + chosen.size(), skip);
    if (!got.ok()) return got.status();
    const auto& popular = *got;
    std::vector<Candidate> holders(popular.size());
    std::vector<std::pair<std::string, Candidate*>> batch;
    for (size_t k = 0; k < popular.size(); ++k) {
      holders[k].pop = popular[k].second;
      batch.emplace_back(popular[k].first, &holders[k]);
    }
    HOLDFAST_RETURN_IF_ERROR(take(batch, true));
    if (popular.size() < limit) break;  // every popular item was offered
  }
  return result;
}

}  // namespace holdfast::recommend
