// ReaderContexts: searcher snapshots kept between the phases of a search —
// from the statistics phase to the query phase (so both see the same
// documents), and from one scroll page to the next (so a scroll sees the
// index as it was when it started). Elasticsearch's reader contexts.
//
// A context holds its shard copy and snapshot alive until it is freed or its
// keep-alive passes (checked lazily, on every call). At most `max_contexts`
// are open; opening one more is refused (kRejected) until some go.
// Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "index/mapping/mapping.h"
#include "index/search/search_context.h"
#include "replication/shard_copy.h"

namespace holdfast {

struct ReaderContext {
  std::shared_ptr<ShardCopy> copy;
  search::SearcherSnapshot snapshot;
  std::shared_ptr<const mapping::Mapping> mapping;
};

class ReaderContexts {
 public:
  using Clock = std::chrono::steady_clock;
  explicit ReaderContexts(size_t max_contexts) : max_contexts_(max_contexts) {}

  // Registers `context` for `keep_alive`; returns its id.
  Result<std::string> Open(std::shared_ptr<const ReaderContext> context, std::chrono::milliseconds keep_alive);
  // The context, its keep-alive renewed when `keep_alive` > 0;
  // kSearchContextMissing when unknown or expired.
  Result<std::shared_ptr<const ReaderContext>> Acquire(const std::string& id, std::chrono::milliseconds keep_alive);
  bool Free(const std::string& id);
  // Frees every context of shard `shard` (its copy closed); returns how many.
  size_t FreeShard(const ShardId& shard);
  size_t size();

 private:
  struct Entry {
    std::shared_ptr<const ReaderContext> context;
    Clock::time_point expires;
  };
  void DropExpired(Clock::time_point now);  // under mu_

  const size_t max_contexts_;
  std::mutex mu_;
  uint64_t next_id_ = 1;
  std::map<std::string, Entry, std::less<>> contexts_;
};

}  // namespace holdfast
