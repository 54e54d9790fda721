#include "server/api/active_shards.h"

#include <charconv>
#include <thread>

#include "index/mapping/mapping_error.h"
#include "server/api/api_errors.h"
#include "server/process/node_config.h"

namespace holdfast {

namespace {

constexpr std::chrono::milliseconds kPoll{50};

// Active copies of `shard` in `state` (started, or started and moving).
uint32_t ActiveCopies(const ClusterStateSnapshot& state, const ShardId& shard) {
  const ShardRouting* routing = state.RoutingOf(shard);
  if (routing == nullptr) return 0;
  uint32_t active = 0;
  for (const ShardCopyRouting& c : routing->copies) {
    if (!c.node_id.empty() && (c.state == ShardCopyState::kStarted || c.state == ShardCopyState::kRelocating)) {
      ++active;
    }
  }
  return active;
}

std::string FormatTimeout(std::chrono::milliseconds t) {
  if (t.count() % 60000 == 0 && t.count() > 0) return std::to_string(t.count() / 60000) + "m";
  if (t.count() % 1000 == 0) return std::to_string(t.count() / 1000) + "s";
  return std::to_string(t.count()) + "ms";
}

}  // namespace

Result<ActiveShardsWait> ParseActiveShardsWait(const HttpRequest& req) {
  ActiveShardsWait wait;
  if (req.HasQueryParam("wait_for_active_shards")) {
    const std::string v = req.QueryParam("wait_for_active_shards");
    wait.text = v;
    if (v == "all" || v == "ALL") {
      wait.all = true;
      wait.text = "ALL";
    } else {
      uint32_t n = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (v.empty() || ec != std::errc() || p != v.data() + v.size()) {
        return mapping::IllegalArgumentError("failed to parse [wait_for_active_shards]: [" + v + "]");
      }
      wait.count = n;
    }
  }
  if (req.HasQueryParam("timeout")) {
    auto t = ParseDuration(req.QueryParam("timeout"));
    if (!t.ok()) return mapping::IllegalArgumentError("failed to parse [timeout]: " + t.status().message());
    wait.timeout = *t;
  }
  return wait;
}

Status WaitForActiveShardsStatus(ClusterIndices& registry, const IndexHandle& index,
                                 const std::set<uint32_t>& shards, const ActiveShardsWait& wait,
                                 const std::string& what) {
  if (!wait.needed() || shards.empty()) return Status::OK();
  const uint32_t needed = wait.all ? index.settings().number_of_replicas + 1 : wait.count;
  const auto deadline = std::chrono::steady_clock::now() + wait.timeout;
  for (;;) {
    ClusterStatePtr state = registry.cluster()->Current();
    uint32_t short_shard = 0, have = 0;
    bool enough = true;
    for (uint32_t s : shards) {
      have = ActiveCopies(*state, index.shard_id(s));
      if (have < needed) {
        enough = false;
        short_shard = s;
        break;
      }
    }
    if (enough) return Status::OK();
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::Unavailable("[" + index.name() + "][" + std::to_string(short_shard) +
                                 "] Not enough active copies to meet shard count of [" + wait.text + "] (have " +
                                 std::to_string(have) + ", needed " + std::to_string(needed) + "). Timeout: [" +
                                 FormatTimeout(wait.timeout) + "], request: [" + what + "]");
    }
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(kPoll, deadline - std::chrono::steady_clock::now()));
  }
}

std::optional<HttpResponse> WaitForActiveShards(ClusterIndices& registry, const IndexHandle& index,
                                                const std::set<uint32_t>& shards, const ActiveShardsWait& wait,
                                                const std::string& what) {
  Status s = WaitForActiveShardsStatus(registry, index, shards, wait, what);
  if (s.ok()) return std::nullopt;
  return ErrorResponse(503, "unavailable_shards_exception", s.message());
}

}  // namespace holdfast
