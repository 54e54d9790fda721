// FanOut: runs fn(i) for i in [0, n) — on the pool when there is more than
// one and a pool is given, the last one on the calling thread — and returns
// the results in order. The calling thread waits for all of them (each
// shard call has its own deadline).
//
// ShardFanOut: one call of a shard method per shard s in [0, n). `build(s)`
// makes the request (a Result: an error is that shard's answer and nothing
// is sent) and `client(s)` is the ShardClient of the copy it goes to. The
// calls to one node that batches (another node: ShardClient::batches) travel
// in one request — one round trip per node and phase, however many of its
// shards a search reads — started first and without a thread each
// (ShardClient::StartBatch). The others (this node's shards) run one per
// shard: on the pool when nothing went to another node, else on the calling
// thread while the other nodes work — a thread handed a shard costs a wake-up
// and a switch, which on a loaded node is CPU taken from the searches
// (docs/benchmarks.md, "A cluster of three"). Answers in shard order.
// The calls of a search phase are timed into each client's ResponseTimes
// (adaptive replica selection): a batch from its start to its answer's
// arrival, a call of this node's from its start to its end.
#pragma once

#include <chrono>
#include <future>
#include <optional>
#include <unordered_map>
#include <vector>

#include "index/util/status.h"
#include "index/util/thread_pool.h"
#include "replication/shard_client.h"

namespace holdfast {

template <class T, class Fn>
std::vector<T> FanOut(size_t n, ThreadPool* pool, const Fn& fn) {
  std::vector<T> out;
  out.reserve(n);
  if (pool == nullptr || n < 2) {
    for (size_t i = 0; i < n; ++i) out.push_back(fn(i));
    return out;
  }
  std::vector<std::future<T>> futures;
  futures.reserve(n - 1);
  for (size_t i = 0; i + 1 < n; ++i) futures.push_back(pool->Submit([&fn, i] { return fn(i); }));
  T last = fn(n - 1);
  for (auto& f : futures) out.push_back(f.get());
  out.push_back(std::move(last));
  return out;
}

template <class Resp, class Build, class ClientOf>
std::vector<Result<Resp>> ShardFanOut(size_t n, ShardMethod method, ThreadPool* pool, const ClientOf& client,
                                      const Build& build, Deadline deadline = DefaultDeadline()) {
  using Req = std::decay_t<decltype(build(size_t{0}).value())>;
  std::vector<std::optional<Req>> requests(n);
  std::vector<Resp> responses(n);
  std::vector<Status> statuses(n);
  std::vector<ShardClient*> clients(n, nullptr);
  std::vector<std::vector<size_t>> units;  // what one task sends: a shard, or a node's batch
  std::unordered_map<ShardClient*, size_t> unit_of;
  for (size_t s = 0; s < n; ++s) {
    auto request = build(s);
    if (!request.ok()) {
      statuses[s] = request.status();
      continue;
    }
    requests[s].emplace(std::move(request).value());
    clients[s] = client(s);
    if (clients[s]->batches()) {
      auto [it, added] = unit_of.emplace(clients[s], units.size());
      if (added) units.emplace_back();
      units[it->second].push_back(s);
    } else {
      units.push_back({s});
    }
  }
  // Batches to other nodes go first and without a thread each: their
  // requests are on the wire while this thread and the pool run the shards
  // of this node; then this thread takes their answers.
  using Clock = std::chrono::steady_clock;
  const bool timed = IsSearchPhase(method);
  std::vector<std::vector<ShardCall>> batch_calls(units.size());
  std::vector<std::unique_ptr<ShardClient::PendingBatch>> pending;
  std::vector<std::pair<ShardClient*, Clock::time_point>> pending_from;  // parallel to pending
  std::vector<size_t> here;  // units answered by calls on this node
  for (size_t u = 0; u < units.size(); ++u) {
    const std::vector<size_t>& unit = units[u];
    ShardClient* to = clients[unit[0]];
    if (!to->batches()) {
      here.push_back(u);
      continue;
    }
    std::vector<ShardCall>& calls = batch_calls[u];
    calls.resize(unit.size());
    for (size_t k = 0; k < unit.size(); ++k) {
      calls[k].method = method;
      calls[k].request = &*requests[unit[k]];
      calls[k].response = &responses[unit[k]];
    }
    pending_from.emplace_back(to, Clock::now());
    pending.push_back(to->StartBatch(calls, deadline));
  }
  FanOut<bool>(here.size(), pending.empty() ? pool : nullptr, [&](size_t i) {
    const size_t s = units[here[i]][0];
    const Clock::time_point start = Clock::now();
    statuses[s] = clients[s]->Call(method, *requests[s], &responses[s], deadline);
    if (timed) clients[s]->response_times().Finished(Clock::now() - start);
    return true;
  });
  for (size_t k = 0; k < pending.size(); ++k) {
    pending[k]->Wait();
    if (!timed) continue;
    Clock::time_point at = pending[k]->answered_at();
    if (at == Clock::time_point{}) at = Clock::now();
    pending_from[k].first->response_times().Finished(at - pending_from[k].second);
  }
  for (size_t u = 0; u < units.size(); ++u) {
    for (size_t k = 0; k < batch_calls[u].size(); ++k) statuses[units[u][k]] = std::move(batch_calls[u][k].status);
  }
  std::vector<Result<Resp>> out;
  out.reserve(n);
  for (size_t s = 0; s < n; ++s) {
    if (statuses[s].ok()) {
      out.emplace_back(std::move(responses[s]));
    } else {
      out.emplace_back(std::move(statuses[s]));
    }
  }
  return out;
}

}  // namespace holdfast
