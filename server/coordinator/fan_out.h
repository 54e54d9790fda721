// FanOut: runs fn(i) for i in [0, n) — on the pool when there is more than
// one and a pool is given — and returns the results in order. The calling
// thread waits for all of them (each shard call has its own deadline).
#pragma once

#include <future>
#include <vector>

#include "index/util/thread_pool.h"

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
  futures.reserve(n);
  for (size_t i = 0; i < n; ++i) futures.push_back(pool->Submit([&fn, i] { return fn(i); }));
  for (auto& f : futures) out.push_back(f.get());
  return out;
}

}  // namespace holdfast
