#include "index/recommend/event_shard.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "index/codec/varint.h"
#include "index/shard/event_merge_operators.h"

namespace holdfast::recommend {

namespace {

bool GetVarint(std::string_view* in, uint64_t* v) {
  auto* p = reinterpret_cast<const uint8_t*>(in->data());
  const uint8_t* next = codec::GetVarint64(p, p + in->size(), v);
  if (next == nullptr) return false;
  in->remove_prefix(static_cast<size_t>(next - p));
  return true;
}

int64_t Fixed(double x) { return static_cast<int64_t>(std::llround(x * kCounterScale)); }

PopularityCounts FromDecayed(const DecayedCounts& d) {
  PopularityCounts p;
  p.ref_ms = d.ref_ms;
  for (size_t t = 0; t < kEventTypes && t < d.counts.size(); ++t) p.counts[t] = d.counts[t];
  return p;
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
  codec::PutVarint64(&out, h.entries.size());
  for (const HistoryEntry& e : h.entries) {
    codec::PutVarint64(&out, e.item.size());
    out.append(e.item);
    codec::PutVarint64(&out, e.baskets);
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
  uint64_t n;
  if (!GetVarint(&in, &n) || n > in.size()) return Status::Corruption("truncated user history");
  h.entries.resize(n);
  for (HistoryEntry& e : h.entries) {
    uint64_t len, baskets, first, span;
    if (!GetVarint(&in, &len) || len > in.size()) return Status::Corruption("truncated user history");
    e.item.assign(in.data(), len);
    in.remove_prefix(len);
    if (!GetVarint(&in, &baskets) || !GetVarint(&in, &first) || !GetVarint(&in, &span) || in.size() < 4) {
      return Status::Corruption("truncated user history");
    }
    e.baskets = static_cast<uint32_t>(baskets);
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
        shard->popularity_.emplace(std::string(key), FromDecayed(d));
        return true;
      }));
  HOLDFAST_RETURN_IF_ERROR(bad);
  return shard;
}

Result<OpStamp> EventShard::Apply(const EventOpPayload& payload) {
  std::lock_guard<std::mutex> lock(apply_mu_);
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
  absl::flat_hash_map<std::string, int64_t> pair_deltas;
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
      const bool is_new = it == h.entries.end();
      for (const HistoryEntry& j : h.entries) {
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
        pair_deltas[PairKey(e.item, j.item)] += fixed;
        pair_deltas[PairKey(j.item, e.item)] += fixed;
        item_deltas[e.item].row_sum += fixed;
        item_deltas[j.item].row_sum += fixed;
      }
      if (is_new) {
        item_deltas[e.item].users += 1;
        h.entries.push_back(HistoryEntry{e.item, 1, e.ts_ms, e.ts_ms, static_cast<float>(w)});
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
  for (const auto& [key, delta] : pair_deltas) batch.Merge(EventSpace::kPairs, key, EncodeInt64Vector({delta}));
  for (const auto& [item, d] : item_deltas) {
    batch.Merge(EventSpace::kItemStats, item, EncodeInt64Vector({d.users, d.row_sum}));
  }

  // Item role: popularity, one decayed-count operand per event.
  absl::flat_hash_map<std::string, DecayedCounts> pops;
  for (const Event& e : payload.item_role) {
    DecayedCounts d;
    d.ref_ms = e.ts_ms;
    d.half_life_ms = settings_.popularity_half_life_ms;
    d.counts.assign(kEventTypes, 0.0);
    d.counts[static_cast<size_t>(e.type)] = 1.0;
    auto [it, inserted] = pops.try_emplace(e.item, d);
    if (!inserted) it->second = MergeDecayedCounts(it->second, d);
  }
  for (const auto& [item, d] : pops) batch.Merge(EventSpace::kPopularity, item, EncodeDecayedCounts(d));

  auto stamp = engine_->WriteEvents(EncodeEventOp(payload), batch);
  if (!stamp.ok()) return stamp.status();
  if (!pops.empty()) {
    std::unique_lock<std::shared_mutex> plock(popularity_mu_);
    for (const auto& [item, d] : pops) {
      auto [it, inserted] = popularity_.try_emplace(item);
      DecayedCounts cur;
      cur.ref_ms = it->second.ref_ms;
      cur.half_life_ms = settings_.popularity_half_life_ms;
      cur.counts.assign(it->second.counts.begin(), it->second.counts.end());
      it->second = FromDecayed(inserted ? d : MergeDecayedCounts(cur, d));
    }
  }
  return stamp;
}

Result<std::optional<UserHistory>> EventShard::History(std::string_view user) const {
  auto got = engine_->store().GetEvent(EventSpace::kUsers, user);
  if (!got.ok()) {
    if ((got.status().code() == StatusCode::kNotFound)) return std::optional<UserHistory>();
    return got.status();
  }
  auto h = DecodeUserHistory(got.value());
  if (!h.ok()) return h.status();
  return std::optional<UserHistory>(std::move(h).value());
}

Status EventShard::AddNeighbours(std::string_view item, absl::flat_hash_map<std::string, int64_t>* out) const {
  const std::string prefix = PairPrefix(item);
  Status bad;
  HOLDFAST_RETURN_IF_ERROR(engine_->store().ForEachEventWithPrefix(
      EventSpace::kPairs, prefix, [&](std::string_view key, std::string_view value) {
        std::vector<int64_t> v;
        if (!DecodeInt64Vector(value, &v) || v.empty()) {
          bad = Status::Corruption("bad co-occurrence counter");
          return false;
        }
        const std::string_view other = key.substr(prefix.size());
        (*out)[absl::string_view(other.data(), other.size())] += v[0];
        return true;
      }));
  return bad;
}

Status EventShard::AddItemStats(const std::vector<std::string>& items, std::vector<ItemStats>* out) const {
  std::vector<std::optional<std::string>> values;
  HOLDFAST_RETURN_IF_ERROR(engine_->store().MultiGetEvent(EventSpace::kItemStats, items, &values));
  out->resize(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    if (!values[i]) continue;
    std::vector<int64_t> v;
    if (!DecodeInt64Vector(*values[i], &v)) return Status::Corruption("bad item stats of " + items[i]);
    if (v.size() > 0) (*out)[i].users += v[0];
    if (v.size() > 1) (*out)[i].row_sum += v[1];
  }
  return Status::OK();
}

std::optional<PopularityCounts> EventShard::PopularityOf(std::string_view item) const {
  std::shared_lock<std::shared_mutex> lock(popularity_mu_);
  auto it = popularity_.find(absl::string_view(item.data(), item.size()));
  if (it == popularity_.end()) return std::nullopt;
  return it->second;
}

std::optional<double> EventShard::Popularity(std::string_view item, int64_t now_ms) const {
  auto p = PopularityOf(item);
  if (!p) return std::nullopt;
  const double f = DecayFactor(now_ms - p->ref_ms, settings_.popularity_half_life_ms);
  double v = 0;
  for (size_t t = 0; t < kEventTypes; ++t) v += settings_.weights[t] * p->counts[t];
  return v * f;
}

void EventShard::ForEachPopular(const std::function<void(std::string_view, const PopularityCounts&)>& fn) const {
  std::shared_lock<std::shared_mutex> lock(popularity_mu_);
  for (const auto& [item, p] : popularity_) fn(item, p);
}

size_t EventShard::popular_items() const {
  std::shared_lock<std::shared_mutex> lock(popularity_mu_);
  return popularity_.size();
}

}  // namespace holdfast::recommend
