// IndexHandle: events and recommendations — the scatter-gather behind the
// model (index/recommend/recommend_model.h).
#include <limits>

#include "index/recommend/event.h"
#include "index/shard/event_merge_operators.h"
#include "replication/proto_convert.h"
#include "server/coordinator/index_handle.h"

namespace holdfast {

namespace {

// The model's view of an index's event state: every answer summed over
// (or routed to) the index's shards.
class ShardEventData final : public recommend::EventData {
 public:
  explicit ShardEventData(const IndexHandle* index) : index_(index) {}

  Result<std::optional<recommend::UserHistory>> History(std::string_view user) override {
    auto to = Read(index_->ShardOf(user));
    if (!to.ok()) return to.status();
    pb::HistoryRequest request;
    *request.mutable_target() = to->target;
    request.set_user(std::string(user));
    pb::HistoryResponse response;
    HOLDFAST_RETURN_IF_ERROR(to->client->History(request, &response));
    if (!response.found()) return std::optional<recommend::UserHistory>();
    auto h = recommend::DecodeUserHistory(response.history());
    if (!h.ok()) return h.status();
    return std::optional<recommend::UserHistory>(std::move(h).value());
  }

  Status Neighbours(const std::vector<std::string>& items,
                    std::vector<absl::flat_hash_map<std::string, int64_t>>* rows) override {
    rows->assign(items.size(), {});
    if (items.empty()) return Status::OK();
    for (uint32_t s = 0; s < index_->num_shards(); ++s) {
      auto to = Read(s);
      if (!to.ok()) return to.status();
      pb::NeighboursRequest request;
      *request.mutable_target() = to->target;
      for (const std::string& item : items) request.add_items(item);
      pb::NeighboursResponse response;
      HOLDFAST_RETURN_IF_ERROR(to->client->Neighbours(request, &response));
      if (response.rows_size() != static_cast<int>(items.size())) return Status::Internal("short neighbours answer");
      for (size_t p = 0; p < items.size(); ++p) {
        const std::string& row = response.rows(static_cast<int>(p));
        if (row.empty()) continue;  // no co-occurrences on this shard
        auto& sum = (*rows)[p];
        const bool read = ForEachInSparseRow(row, [&sum](std::string_view id, int64_t n) {
          sum[absl::string_view(id.data(), id.size())] += n;
        });
        if (!read) return Status::Corruption("malformed co-occurrence row of item " + items[p] + " from shard " +
                                             std::to_string(s));
      }
    }
    return Status::OK();
  }

  Status ItemStats(const std::vector<std::string>& items, std::vector<recommend::ItemStats>* out) override {
    out->assign(items.size(), {});
    if (items.empty()) return Status::OK();
    for (uint32_t s = 0; s < index_->num_shards(); ++s) {
      auto to = Read(s);
      if (!to.ok()) return to.status();
      pb::ItemStatsRequest request;
      *request.mutable_target() = to->target;
      *request.mutable_items() = PackIds(items);
      pb::ItemStatsResponse response;
      HOLDFAST_RETURN_IF_ERROR(to->client->ItemStats(request, &response));
      if (response.users_size() != static_cast<int>(items.size())) return Status::Internal("short item stats answer");
      for (size_t i = 0; i < items.size(); ++i) {
        (*out)[i].users += response.users(static_cast<int>(i));
        (*out)[i].row_sum += response.row_sums(static_cast<int>(i));
      }
    }
    return Status::OK();
  }

  Status Popularity(const std::vector<std::string>& items, int64_t now_ms,
                    std::vector<std::optional<double>>* out) override {
    out->assign(items.size(), std::nullopt);
    std::vector<std::vector<size_t>> by_shard(index_->num_shards());
    const bool one_shard = by_shard.size() == 1;  // no id to hash
    for (size_t i = 0; i < items.size(); ++i) by_shard[one_shard ? 0 : index_->ShardOf(items[i])].push_back(i);
    for (uint32_t s = 0; s < by_shard.size(); ++s) {
      if (by_shard[s].empty()) continue;
      pb::PopularityResponse response;
      HOLDFAST_RETURN_IF_ERROR(AskPopularity(s, items, by_shard[s], now_ms, &response));
      if (response.present_size() != static_cast<int>(by_shard[s].size())) return Status::Internal("short popularity answer");
      for (size_t k = 0; k < by_shard[s].size(); ++k) {
        if (response.present(static_cast<int>(k))) (*out)[by_shard[s][k]] = response.popularity(static_cast<int>(k));
      }
    }
    return Status::OK();
  }

  Result<double> MaxPopularityLog() override {
    double best = -std::numeric_limits<double>::infinity();
    for (uint32_t s = 0; s < index_->num_shards(); ++s) {
      pb::PopularityResponse response;
      HOLDFAST_RETURN_IF_ERROR(AskPopularity(s, {}, {}, 0, &response));
      if (response.has_max_log()) best = std::max(best, response.max_log());
    }
    return best;
  }

  Status TopPopular(size_t limit, const std::vector<std::string>& skip,
                    std::vector<std::pair<std::string, double>>* out) override {
    out->clear();
    for (uint32_t s = 0; s < index_->num_shards(); ++s) {
      auto to = Read(s);
      if (!to.ok()) return to.status();
      pb::TopPopularRequest request;
      *request.mutable_target() = to->target;
      request.set_limit(static_cast<uint32_t>(std::min<size_t>(limit, UINT32_MAX)));
      *request.mutable_skip() = PackIds(skip);
      pb::TopPopularResponse response;
      HOLDFAST_RETURN_IF_ERROR(to->client->TopPopular(request, &response));
      int k = 0;
      HOLDFAST_RETURN_IF_ERROR(ForEachPackedId(response.items(), [&](std::string_view id) {
        if (k < response.logs_size()) out->emplace_back(std::string(id), response.logs(k));
        ++k;
      }));
    }
    return Status::OK();
  }

 private:
  Result<ShardTarget> Read(uint32_t shard) const {
    return index_->router().ForRead(*index_->state(), index_->shard_id(shard));
  }
  // The popularity of items[i] for every i of `which`.
  Status AskPopularity(uint32_t shard, const std::vector<std::string>& items, const std::vector<size_t>& which,
                       int64_t now_ms, pb::PopularityResponse* response) const {
    auto to = Read(shard);
    if (!to.ok()) return to.status();
    pb::PopularityRequest request;
    *request.mutable_target() = to->target;
    std::string* packed = request.mutable_items();
    for (size_t i : which) PackId(items[i], packed);
    request.set_now_ms(now_ms);
    return to->client->Popularity(request, response);
  }

  const IndexHandle* index_;
};

}  // namespace

std::vector<Status> IndexHandle::IngestEvents(const std::vector<recommend::Event>& events,
                                              std::vector<std::pair<uint32_t, int64_t>>* stamps) const {
  std::vector<Status> out(events.size());
  recommend::EventRouting routing =
      recommend::RouteEvents(events, num_shards(), [this](std::string_view id) { return ShardOf(id); });
  for (uint32_t s = 0; s < num_shards(); ++s) {
    if (routing.members[s].empty()) continue;
    Status st;
    pb::EventsResponse response;
    auto to = Primary(s);
    if (to.ok()) {
      pb::EventsRequest request;
      *request.mutable_target() = to->target;
      request.set_payload(recommend::EncodeEventOp(routing.payloads[s]));
      st = to->client->Events(request, &response);
    } else {
      st = to.status();
    }
    if (!st.ok()) {
      for (size_t k : routing.members[s]) out[k] = st;
      continue;
    }
    if (stamps != nullptr) stamps->emplace_back(s, response.seq_no());
  }
  return out;
}

Result<recommend::RecommendResult> IndexHandle::Recommend(const recommend::RecommendRequest& request) const {
  ShardEventData data(this);
  return recommend::Recommend(settings().recommend, data, request);
}

Result<std::optional<recommend::UserHistory>> IndexHandle::History(std::string_view user) const {
  ShardEventData data(this);
  return data.History(user);
}

Result<std::optional<double>> IndexHandle::Popularity(const std::string& item, int64_t now_ms) const {
  ShardEventData data(this);
  std::vector<std::optional<double>> out;
  HOLDFAST_RETURN_IF_ERROR(data.Popularity({item}, now_ms, &out));
  return out.front();
}

}  // namespace holdfast
