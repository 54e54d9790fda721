#include "index/recommend/recommender.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "index/shard/event_merge_operators.h"
#include "index/shard/local_index.h"

namespace holdfast::recommend {

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// `_popularity` of the docs of one segment: the doc's _id → its item's
// relative popularity (0 when the item has no events, so sorting and boosting
// treat unknown items as unpopular rather than missing).
class SegmentPopularity final : public search::SegmentDocValues {
 public:
  SegmentPopularity(const IndexRecommender* rec, const segment::SegmentReader* reader, double max_log)
      : rec_(rec), reader_(reader), max_log_(max_log) {}
  std::optional<double> Get(uint32_t doc) override { return rec_->RelativePopularity(reader_->id(doc), max_log_); }

 private:
  const IndexRecommender* rec_;
  const segment::SegmentReader* reader_;
  double max_log_;
};

class PopularityValueSource final : public search::DocValueSource {
 public:
  PopularityValueSource(const IndexRecommender* rec, double max_log) : rec_(rec), max_log_(max_log) {}
  std::unique_ptr<search::SegmentDocValues> ForSegment(const search::SegmentView& segment) const override {
    return std::make_unique<SegmentPopularity>(rec_, segment.reader, max_log_);
  }

 private:
  const IndexRecommender* rec_;
  double max_log_;
};

struct Candidate {
  double cooc = 0;   // normalized neighbour score (before scaling)
  double own = 0;    // the user's own history score
  double pop = 0;    // popularity at now
  double score = 0;
  std::vector<Contribution> because;
};

}  // namespace

IndexRecommender::~IndexRecommender() = default;

Result<std::unique_ptr<IndexRecommender>> IndexRecommender::Open(LocalIndex* index, const RecommendSettings& settings) {
  std::unique_ptr<IndexRecommender> rec(new IndexRecommender(index, settings));
  for (uint32_t i = 0; i < index->num_shards(); ++i) {
    auto shard = EventShard::Open(&index->shard(i), settings);
    if (!shard.ok()) return shard.status();
    rec->shards_.push_back(std::move(shard).value());
  }
  return rec;
}

std::vector<Status> IndexRecommender::Ingest(const std::vector<Event>& events,
                                             std::vector<std::pair<uint32_t, int64_t>>* stamps) {
  std::vector<Status> out(events.size());
  const uint32_t n = index_->num_shards();
  std::vector<EventOpPayload> payloads(n);
  std::vector<std::vector<size_t>> members(n);  // which events each shard's op carries
  for (size_t k = 0; k < events.size(); ++k) {
    const uint32_t us = index_->ShardOf(events[k].user);
    const uint32_t is = index_->ShardOf(events[k].item);
    payloads[us].user_role.push_back(events[k]);
    members[us].push_back(k);
    payloads[is].item_role.push_back(events[k]);
    if (is != us) members[is].push_back(k);
  }
  for (uint32_t s = 0; s < n; ++s) {
    if (members[s].empty()) continue;
    auto stamp = shards_[s]->Apply(payloads[s]);
    if (!stamp.ok()) {
      for (size_t k : members[s]) out[k] = stamp.status();
      continue;
    }
    if (stamps != nullptr) stamps->emplace_back(s, stamp->seq_no);
  }
  return out;
}

std::optional<double> IndexRecommender::Popularity(std::string_view item, int64_t now_ms) const {
  return shards_[index_->ShardOf(item)]->Popularity(item, now_ms);
}

std::shared_ptr<const search::DocValueSource> IndexRecommender::PopularitySource() const {
  return std::make_shared<PopularityValueSource>(this, MaxPopularityLog());
}

double IndexRecommender::MaxPopularityLog() const {
  double best = -std::numeric_limits<double>::infinity();
  for (const auto& shard : shards_) best = std::max(best, shard->MaxPopularityLog());
  return best;
}

double IndexRecommender::RelativePopularity(std::string_view item, double max_log) const {
  const auto log = shards_[index_->ShardOf(item)]->PopularityLogOf(item);
  if (!log || max_log == -std::numeric_limits<double>::infinity()) return 0.0;
  return std::exp2(*log - max_log);
}

Result<std::optional<UserHistory>> IndexRecommender::History(std::string_view user) const {
  return shards_[index_->ShardOf(user)]->History(user);
}

std::vector<std::pair<std::string, double>> IndexRecommender::TopPopular(
    int64_t now_ms, size_t limit, const std::function<bool(const std::string&)>& skip) const {
  // Each shard walks its items best first; a k-way merge of the shards'
  // next items would be tighter, but each shard's first `limit` unskipped
  // items always contain the global top `limit`.
  std::vector<std::pair<std::string, double>> all;
  for (const auto& shard : shards_) {
    size_t taken = 0;
    shard->ForEachByPopularity([&](std::string_view item, double log) {
      std::string id(item);
      if (skip && skip(id)) return true;
      all.emplace_back(std::move(id), log);
      return ++taken < limit;
    });
  }
  auto better = [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; };
  std::sort(all.begin(), all.end(), better);
  if (all.size() > limit) all.resize(limit);
  const double scale = static_cast<double>(now_ms) / static_cast<double>(std::max<int64_t>(settings_.popularity_half_life_ms, 1));
  for (auto& [id, v] : all) v = std::exp2(v - scale);
  return all;
}

double IndexRecommender::MaxPopularity(int64_t now_ms) const {
  const double best = MaxPopularityLog();
  if (best == -std::numeric_limits<double>::infinity()) return 0;
  return std::exp2(best - static_cast<double>(now_ms) / static_cast<double>(std::max<int64_t>(settings_.popularity_half_life_ms, 1)));
}

Result<RecommendResult> IndexRecommender::Recommend(const RecommendRequest& req) const {
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
    auto h = History(*req.user);
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
  std::vector<absl::flat_hash_map<std::string, int64_t>> rows(profile.size());
  for (size_t p = 0; p < profile.size(); ++p) {
    for (const auto& shard : shards_) HOLDFAST_RETURN_IF_ERROR(shard->AddNeighbours(profile[p].first, &rows[p]));
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
  std::vector<ItemStats> stats(stat_items.size());
  for (const auto& shard : shards_) HOLDFAST_RETURN_IF_ERROR(shard->AddItemStats(stat_items, &stats));

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
  const double max_pop = pop_weight > 0 ? MaxPopularity(now) : 0;
  if (max_pop > 0) {
    const size_t want_popular = req.size * 4 + 16;
    for (auto& [id, pop] : TopPopular(now, want_popular, [&](const std::string& id) { return excluded.count(id) > 0; })) {
      cands[id];
    }
  }
  // User requests blend normalized parts; item requests rank by S itself.
  double max_cooc = 0;
  for (const auto& [id, c] : cands) max_cooc = std::max(max_cooc, c.cooc);
  const double cooc_scale = for_user ? (max_cooc > 0 ? cooc_weight / max_cooc : 0) : 1.0;
  for (auto& [id, c] : cands) {
    c.pop = Popularity(id, now).value_or(0.0);
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
    auto popular = TopPopular(now, limit + chosen.size(),
                              [&](const std::string& id) { return excluded.count(id) > 0 || chosen.count(id) > 0; });
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
