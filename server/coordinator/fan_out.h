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
// shards a search reads — and the others run on the pool one per shard.
// Answers in shard order.
#pragma once

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
  FanOut<bool>(units.size(), pool, [&](size_t u) {
    const std::vector<size_t>& unit = units[u];
    if (unit.size() == 1) {
      const size_t s = unit[0];
      statuses[s] = clients[s]->Call(method, *requests[s], &responses[s], deadline);
      return true;
    }
    std::vector<ShardCall> calls(unit.size());
    for (size_t k = 0; k < unit.size(); ++k) {
      calls[k].method = method;
      calls[k].request = &*requests[unit[k]];
      calls[k].response = &responses[unit[k]];
    }
    clients[unit[0]]->CallBatch(calls, deadline);
    for (size_t k = 0; k < unit.size(); ++k) statuses[unit[k]] = std::move(calls[k].status);
    return true;
  });
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
