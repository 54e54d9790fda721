#include "index/recommend/event_shard.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include <absl/container/flat_hash_set.h>

#include "index/codec/varint.h"
#include "index/shard/event_merge_operators.h"

namespace holdfast::recommend {

namespace {


int64_t Fixed(double x) { return static_cast<int64_t>(std::llround(x * kCounterScale)); }

PopularityCounts FromDecayed(const DecayedCounts& d) {
  PopularityCounts p;
  p.ref_ms = d.ref_ms;
  for (size_t t = 0; t < kEventTypes && t < d.counts.size(); ++t) p.counts[t] = d.counts[t];
  return p;
}

// Keys of the users space that are not user ids start with a NUL byte
// (ids never contain one): the last time (item, user, type) was counted.
std::string SeenKey(std::string_view item, std::string_view user, EventType type) {
  std::string k(1, '\0');
  k.push_back(static_cast<char>(type));
  k += PairKey(item, user);
  return k;
}

}  // namespace

const HistoryEntry* UserHistory::Find(std::string_view item) const {
  for (const HistoryEntry& e : entries) {
    if (e.item == item) return &e;
  }
  return nullptr;
}

std::string EncodeUserHistory(const UserHistory& h) {
  std::string out;
  out.push_back(1);  // format version
  codec::PutVarint64(&out, h.baskets);
  codec::PutVarint64(&out, static_cast<uint64_t>(h.last_ms + 1));
  codec::PutVarint64(&out, h.entries.size());
  for (const HistoryEntry& e : h.entries) {
    codec::PutVarint64(&out, e.item.size());
    out.append(e.item);
    codec::PutVarint64(&out, e.baskets);
    codec::PutVarint64(&out, e.basket0);
    codec::PutVarint64(&out, static_cast<uint64_t>(e.first_ms));
    codec::PutVarint64(&out, static_cast<uint64_t>(e.last_ms - e.first_ms));
    char w[4];
    std::memcpy(w, &e.weight, 4);
    out.append(w, 4);
  }
  return out;
}

Result<UserHistory> DecodeUserHistory(std::string_view in) {
  UserHistory h;
  if (in.empty() || in[0] != 1) return Status::Corruption("unknown user history format");
  in.remove_prefix(1);
  uint64_t n, baskets, last;
  if (!codec::ConsumeVarint64(&in, &baskets) || !codec::ConsumeVarint64(&in, &last) || !codec::ConsumeVarint64(&in, &n) || n > in.size()) {
    return Status::Corruption("truncated user history");
  }
  h.baskets = static_cast<uint32_t>(baskets);
  h.last_ms = static_cast<int64_t>(last) - 1;
  h.entries.resize(n);
  for (HistoryEntry& e : h.entries) {
    uint64_t len, count, basket0, first, span;
    if (!codec::ConsumeVarint64(&in, &len) || len > in.size()) return Status::Corruption("truncated user history");
    e.item.assign(in.data(), len);
    in.remove_prefix(len);
    if (!codec::ConsumeVarint64(&in, &count) || !codec::ConsumeVarint64(&in, &basket0) || !codec::ConsumeVarint64(&in, &first) || !codec::ConsumeVarint64(&in, &span) ||
        in.size() < 4) {
      return Status::Corruption("truncated user history");
    }
    e.baskets = static_cast<uint32_t>(count);
    e.basket0 = static_cast<uint32_t>(basket0);
    e.first_ms = static_cast<int64_t>(first);
    e.last_ms = e.first_ms + static_cast<int64_t>(span);
    std::memcpy(&e.weight, in.data(), 4);
    in.remove_prefix(4);
  }
  if (!in.empty()) return Status::Corruption("trailing bytes in user history");
  return h;
}

std::string PairPrefix(std::string_view a) {
  std::string k;
  codec::PutVarint64(&k, a.size());
  k.append(a);
  return k;
}

std::string PairKey(std::string_view a, std::string_view b) {
  std::string k = PairPrefix(a);
  k.append(b);
  return k;
}

Result<std::unique_ptr<EventShard>> EventShard::Open(ShardEngine* engine, const RecommendSettings& settings) {
  std::unique_ptr<EventShard> shard(new EventShard(engine, settings));
  Status bad;
  HOLDFAST_RETURN_IF_ERROR(engine->store().ForEachEventWithPrefix(
      EventSpace::kPopularity, "", [&](std::string_view key, std::string_view value) {
        DecayedCounts d;
        if (!DecodeDecayedCounts(value, &d)) {
          bad = Status::Corruption("bad popularity record for item " + std::string(key));
          return false;
        }
        const std::string item(key);
        shard->IndexPopularity(item, shard->popularity_.emplace(item, FromDecayed(d)).first->second);
        return true;
      }));
  HOLDFAST_RETURN_IF_ERROR(bad);
  HOLDFAST_RETURN_IF_ERROR(engine->store().ForEachEventWithPrefix(
      EventSpace::kItemStats, "", [&](std::string_view key, std::string_view value) {
        std::vector<int64_t> v;
        if (!DecodeInt64Vector(value, &v)) {
          bad = Status::Corruption("bad item stats of item " + std::string(key));
          return false;
        }
        ItemStats& st = shard->item_stats_[std::string(key)];
        st.users = v.size() > 0 ? v[0] : 0;
        st.row_sum = v.size() > 1 ? v[1] : 0;
        return true;
      }));
  HOLDFAST_RETURN_IF_ERROR(bad);
  // Event ops the engine holds but has not applied yet (above its
  // watermark) are applied now, through Effects/Applied below.
  shard->registered_ = true;  // registered even when applying fails: the destructor unregisters
  HOLDFAST_RETURN_IF_ERROR(engine->SetEventOpApplier(shard.get()));
  return shard;
}

EventShard::~EventShard() {
  if (registered_) (void)engine_->SetEventOpApplier(nullptr);  // only unregisters: cannot fail
}

Result<OpStamp> EventShard::Apply(const EventOpPayload& payload) {
  return engine_->WriteEvents(EncodeEventOp(payload));
}

Result<EventBatch> EventShard::Effects(const ShardOp& op) {
  auto payload_or = DecodeEventOp(op.source);
  if (!payload_or.ok()) return payload_or.status();
  const EventOpPayload& payload = payload_or.value();
  EventBatch batch;

  // User role: group by user, then each user's events in time order.
  std::vector<size_t> order(payload.user_role.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const Event& x = payload.user_role[a];
    const Event& y = payload.user_role[b];
    if (x.user != y.user) return x.user < y.user;
    return x.ts_ms < y.ts_ms;
  });
  absl::flat_hash_map<std::string, absl::flat_hash_map<std::string, int64_t>> pair_deltas;  // row → column → delta
  absl::flat_hash_map<std::string, ItemStats> item_deltas;
  for (size_t begin = 0; begin < order.size();) {
    const std::string& user = payload.user_role[order[begin]].user;
    size_t end = begin;
    while (end < order.size() && payload.user_role[order[end]].user == user) ++end;
    UserHistory h;
    auto got = engine_->store().GetEvent(EventSpace::kUsers, user);
    if (got.ok()) {
      auto decoded = DecodeUserHistory(got.value());
      if (!decoded.ok()) return Status::Corruption("history of user " + user + ": " + decoded.status().message());
      h = std::move(decoded).value();
    } else if (!(got.status().code() == StatusCode::kNotFound)) {
      return got.status();
    }
    for (size_t k = begin; k < end; ++k) {
      const Event& e = payload.user_role[order[k]];
      const double w = Weight(e.type);
      auto it = std::find_if(h.entries.begin(), h.entries.end(), [&](const HistoryEntry& x) { return x.item == e.item; });
      if (it != h.entries.end() && it->last_ms == e.ts_ms) {
        it->weight = std::max(it->weight, static_cast<float>(w));  // same basket line again
        continue;
      }
      if (e.ts_ms != h.last_ms) {  // a new basket
        h.baskets += 1;
        h.last_ms = e.ts_ms;
      }
      const bool is_new = it == h.entries.end();
      const size_t window = std::min<size_t>(h.entries.size(), settings_.pair_window);
      for (size_t x = h.entries.size() - window; x < h.entries.size(); ++x) {
        const HistoryEntry& j = h.entries[x];
        if (j.item == e.item) continue;
        const int64_t gap = std::max<int64_t>(0, e.ts_ms - j.last_ms);
        if (settings_.pair_max_gap_ms > 0 && gap > settings_.pair_max_gap_ms) continue;
        double inc = 0;
        if (is_new) inc += settings_.pair_new;
        if (gap == 0) inc += settings_.pair_same;
        if (settings_.pair_decay > 0) {
          inc += settings_.pair_decay * std::exp(-static_cast<double>(gap) / static_cast<double>(settings_.pair_tau_ms));
        }
        const int64_t fixed = Fixed(inc * w);
        if (fixed == 0) continue;
        pair_deltas[e.item][j.item] += fixed;
        pair_deltas[j.item][e.item] += fixed;
        item_deltas[e.item].row_sum += fixed;
        item_deltas[j.item].row_sum += fixed;
      }
      if (is_new) {
        item_deltas[e.item].users += Fixed(w);
        h.entries.push_back(HistoryEntry{e.item, 1, h.baskets, e.ts_ms, e.ts_ms, static_cast<float>(w)});
        if (h.entries.size() > settings_.history_size) h.entries.erase(h.entries.begin());
      } else {
        HistoryEntry moved = std::move(*it);
        h.entries.erase(it);
        moved.baskets += 1;
        moved.last_ms = std::max(moved.last_ms, e.ts_ms);
        moved.weight = std::max(moved.weight, static_cast<float>(w));
        h.entries.push_back(std::move(moved));
      }
    }
    batch.Put(EventSpace::kUsers, user, EncodeUserHistory(h));
    begin = end;
  }
  for (const auto& [row, columns] : pair_deltas) {
    SparseRow r(columns.begin(), columns.end());
    std::sort(r.begin(), r.end());
    batch.Merge(EventSpace::kPairs, row, EncodeSparseRow(r));
  }
  for (const auto& [item, d] : item_deltas) {
    batch.Merge(EventSpace::kItemStats, item, EncodeInt64Vector({d.users, d.row_sum}));
  }

  // Item role: popularity, one decayed-count operand per distinct
  // (user, item, type, time): the last time of each (item, user, type) is
  // kept, so repeated lines of one basket count once.
  absl::flat_hash_map<std::string, DecayedCounts> pops;
  std::vector<std::string> seen_keys;
  for (const Event& e : payload.item_role) seen_keys.push_back(SeenKey(e.item, e.user, e.type));
  std::vector<std::optional<std::string>> stored;
  HOLDFAST_RETURN_IF_ERROR(engine_->store().MultiGetEvent(EventSpace::kUsers, seen_keys, &stored));
  absl::flat_hash_map<std::string, int64_t> seen;  // key → last time, this batch included
  absl::flat_hash_set<std::string> changed;
  for (size_t k = 0; k < payload.item_role.size(); ++k) {
    const Event& e = payload.item_role[k];
    auto [last, fresh] = seen.try_emplace(seen_keys[k], -1);
    if (fresh && stored[k]) {
      std::vector<int64_t> v;
      if (DecodeInt64Vector(*stored[k], &v) && v.size() == 1) last->second = v[0];
    }
    if (last->second == e.ts_ms) continue;
    last->second = e.ts_ms;
    changed.insert(seen_keys[k]);
    DecayedCounts d;
    d.ref_ms = e.ts_ms;
    d.half_life_ms = settings_.popularity_half_life_ms;
    d.counts.assign(kEventTypes, 0.0);
    d.counts[static_cast<size_t>(e.type)] = 1.0;
    auto [it, inserted] = pops.try_emplace(e.item, d);
    if (!inserted) it->second = MergeDecayedCounts(it->second, d);
  }
  for (const auto& [item, d] : pops) batch.Merge(EventSpace::kPopularity, item, EncodeDecayedCounts(d));
  for (const std::string& key : changed) batch.Put(EventSpace::kUsers, key, EncodeInt64Vector({seen[key]}));

  // The mirrors follow once the engine has stored the batch (Applied).
  unapplied_items_ = std::move(item_deltas);
  unapplied_popularity_ = std::move(pops);
  return batch;
}

void EventShard::Applied(const ShardOp& /*op*/) {
  absl::flat_hash_map<std::string, ItemStats> item_deltas = std::move(unapplied_items_);
  absl::flat_hash_map<std::string, DecayedCounts> pops = std::move(unapplied_popularity_);
  unapplied_items_.clear();
  unapplied_popularity_.clear();
  if (!pops.empty() || !item_deltas.empty()) {
    std::unique_lock<std::shared_mutex> plock(popularity_mu_);
    for (const auto& [item, d] : item_deltas) {
      ItemStats& st = item_stats_[item];
      st.users += d.users;
      st.row_sum += d.row_sum;
    }
    for (const auto& [item, d] : pops) {
      auto [it, inserted] = popularity_.try_emplace(item);
      DecayedCounts cur;
      cur.ref_ms = it->second.ref_ms;
      cur.half_life_ms = settings_.popularity_half_life_ms;
      cur.counts.assign(it->second.counts.begin(), it->second.counts.end());
      it->second = FromDecayed(inserted ? d : MergeDecayedCounts(cur, d));
      IndexPopularity(item, it->second);
    }
  }
}

Result<std::optional<std::string>> EventShard::StoredHistory(std::string_view user) const {
  auto got = engine_->store().GetEvent(EventSpace::kUsers, user);
  if (!got.ok()) {
    if ((got.status().code() == StatusCode::kNotFound)) return std::optional<std::string>();
    return got.status();
  }
  return std::optional<std::string>(std::move(got).value());
}

Result<std::optional<UserHistory>> EventShard::History(std::string_view user) const {
  auto stored = StoredHistory(user);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return std::optional<UserHistory>();
  auto h = DecodeUserHistory(**stored);
  if (!h.ok()) return h.status();
  return std::optional<UserHistory>(std::move(h).value());
}

Result<std::string> EventShard::NeighbourRow(std::string_view item) const {
  auto got = engine_->store().GetEvent(EventSpace::kPairs, item);
  if (!got.ok() && got.status().code() == StatusCode::kNotFound) return std::string();
  return got;
}

Status EventShard::AddNeighbours(std::string_view item, absl::flat_hash_map<std::string, int64_t>* out) const {
  auto got = NeighbourRow(item);
  if (!got.ok()) return got.status();
  if (got->empty()) return Status::OK();
  if (!ForEachInSparseRow(got.value(), [out](std::string_view other, int64_t count) {
        (*out)[absl::string_view(other.data(), other.size())] += count;
      })) {
    return Status::Corruption("bad co-occurrence row of item " + std::string(item));
  }
  return Status::OK();
}

Status EventShard::AddItemStats(const std::vector<std::string_view>& items, std::vector<ItemStats>* out) const {
  out->resize(items.size());
  std::shared_lock<std::shared_mutex> lock(popularity_mu_);
  for (size_t i = 0; i < items.size(); ++i) {
    auto it = item_stats_.find(absl::string_view(items[i].data(), items[i].size()));
    if (it == item_stats_.end()) continue;
    (*out)[i].users += it->second.users;
    (*out)[i].row_sum += it->second.row_sum;
  }
  return Status::OK();
}

std::optional<PopularityCounts> EventShard::PopularityOf(std::string_view item) const {
  std::shared_lock<std::shared_mutex> lock(popularity_mu_);
  auto it = popularity_.find(absl::string_view(item.data(), item.size()));
  if (it == popularity_.end()) return std::nullopt;
  return it->second;
}

void EventShard::PopularityOf(const std::vector<std::string_view>& items, int64_t now_ms,
                              std::vector<std::optional<double>>* out) const {
  out->assign(items.size(), std::nullopt);
  std::shared_lock<std::shared_mutex> lock(popularity_mu_);
  for (size_t i = 0; i < items.size(); ++i) {
    auto it = popularity_.find(absl::string_view(items[i].data(), items[i].size()));
    if (it == popularity_.end()) continue;
    const PopularityCounts& p = it->second;
    double v = 0;
    for (size_t t = 0; t < kEventTypes; ++t) v += settings_.weights[t] * p.counts[t];
    (*out)[i] = v * DecayFactor(now_ms - p.ref_ms, settings_.popularity_half_life_ms);
  }
}

std::optional<double> EventShard::Popularity(std::string_view item, int64_t now_ms) const {
  auto p = PopularityOf(item);
  if (!p) return std::nullopt;
  const double f = DecayFactor(now_ms - p->ref_ms, settings_.popularity_half_life_ms);
  double v = 0;
  for (size_t t = 0; t < kEventTypes; ++t) v += settings_.weights[t] * p->counts[t];
  return v * f;
}

double PopularityLog(const PopularityCounts& p, const std::array<double, kEventTypes>& weights, int64_t half_life_ms) {
  double v = 0;
  for (size_t t = 0; t < kEventTypes; ++t) v += weights[t] * p.counts[t];
  if (!(v > 0)) return -std::numeric_limits<double>::infinity();
  return std::log2(v) + static_cast<double>(p.ref_ms) / static_cast<double>(std::max<int64_t>(half_life_ms, 1));
}

void EventShard::IndexPopularity(const std::string& item, const PopularityCounts& p) {
  const double log = PopularityLog(p, settings_.weights, settings_.popularity_half_life_ms);
  auto [it, inserted] = log_of_.try_emplace(item, log);
  if (!inserted) {
    by_popularity_.erase({it->second, item});
    it->second = log;
  }
  by_popularity_.emplace(log, item);
}

void EventShard::ForEachByPopularity(const std::function<bool(std::string_view, double)>& fn) const {
  std::shared_lock<std::shared_mutex> lock(popularity_mu_);
  for (const auto& [log, item] : by_popularity_) {
    if (!fn(item, log)) break;
  }
}

std::optional<double> EventShard::PopularityLogOf(std::string_view item) const {
  std::shared_lock<std::shared_mutex> lock(popularity_mu_);
  auto it = log_of_.find(absl::string_view(item.data(), item.size()));
  if (it == log_of_.end()) return std::nullopt;
  return it->second;
}

double EventShard::MaxPopularityLog() const {
  std::shared_lock<std::shared_mutex> lock(popularity_mu_);
  return by_popularity_.empty() ? -std::numeric_limits<double>::infinity() : by_popularity_.begin()->first;
}

}  // namespace holdfast::recommend
