// wait_for_active_shards of a write (index, create, delete, update, bulk),
// as Elasticsearch: before the write starts, each shard it goes to must
// have that many active copies (started, or started and moving) — "all" is
// number_of_replicas + 1; the default, 1, is the primary, which the write
// needs anyway (no wait). Waits up to the request's `timeout` (default 1m)
// for the cluster state to get there, then refuses with 503
// unavailable_shards_exception, nothing written. It says nothing about how
// many copies the write then reaches: that is the response's `_shards`.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "server/api/index_api_support.h"

namespace holdfast {

struct ActiveShardsWait {
  bool all = false;
  uint32_t count = 1;  // when !all
  std::chrono::milliseconds timeout{60'000};
  std::string text = "1";  // as given, for the message
  bool needed() const { return all || count > 1; }
};

// ?wait_for_active_shards= ("all" or a number >= 0) and ?timeout=;
// illegal_argument_exception for anything else.
Result<ActiveShardsWait> ParseActiveShardsWait(const HttpRequest& req);

// Waits as described above for `shards` of `index`; nullopt when there are
// enough active copies, else the 503 response (naming the first shard short
// of copies). `what` names the request in the message.
std::optional<HttpResponse> WaitForActiveShards(ClusterIndices& registry, const IndexHandle& index,
                                                const std::set<uint32_t>& shards, const ActiveShardsWait& wait,
                                                const std::string& what);
// The same for a bulk item's error: OK, or kUnavailable with the message.
Status WaitForActiveShardsStatus(ClusterIndices& registry, const IndexHandle& index,
                                 const std::set<uint32_t>& shards, const ActiveShardsWait& wait,
                                 const std::string& what);

}  // namespace holdfast
