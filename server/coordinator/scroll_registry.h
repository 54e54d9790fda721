// ScrollRegistry: the open scroll contexts of a node (`?scroll=1m`).
//
// A context keeps the SearchPlan of the original search and its
// ScrollCursor: each shard's reader context (the searcher snapshot the shard
// keeps, so later pages see the index as it was), the first page's
// statistics, and where the last page ended (a PagePosition: sort values
// plus `_doc` and shard). Each page is a fresh query phase that resumes
// after that position, so a context holds no hit list. When a context goes
// (cleared or expired) its shards' reader contexts are freed. At most
// kMaxOpenScrollContexts are open (Elasticsearch's search.max_open_scroll_context
// default); opening one more is refused until some expire or are cleared.
//
// Expiry is checked lazily: every call first drops contexts whose keep-alive
// has passed (their snapshots are released then). Each page renews the
// keep-alive with the `scroll` value it carries.
//
// Thread-safe. Pages of one context are serialized by the context's mutex.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "index/util/status.h"
#include "server/coordinator/search_plan.h"

namespace holdfast {

inline constexpr size_t kMaxOpenScrollContexts = 500;

struct ScrollContext {
  std::shared_ptr<const SearchPlan> plan;
  SearchRequest request;  // rendering options of every page
  uint64_t size = 10;
  std::mutex mu;          // one page at a time
  ScrollCursor cursor;    // guarded by mu
  ~ScrollContext() {
    if (plan) plan->FreeContexts(cursor);
  }
};

class ScrollRegistry {
 public:
  using Clock = std::chrono::steady_clock;

  // Registers `context`; returns its id. es_rejected_execution_exception when
  // kMaxOpenScrollContexts are open.
  Result<std::string> Open(std::shared_ptr<ScrollContext> context, std::chrono::milliseconds keep_alive);
  // The context and a renewed keep-alive; search_context_missing_exception
  // (404) when unknown or expired.
  Result<std::shared_ptr<ScrollContext>> Acquire(const std::string& id, std::chrono::milliseconds keep_alive);
  // Frees the given contexts; returns how many existed.
  size_t Clear(const std::vector<std::string>& ids);
  size_t ClearAll();
  size_t open_count();

 private:
  struct Entry {
    std::shared_ptr<ScrollContext> context;
    Clock::time_point expires;
  };
  // Under mu_: moves expired contexts to `gone` (freed after the lock).
  void DropExpired(Clock::time_point now, std::vector<std::shared_ptr<ScrollContext>>* gone);

  std::mutex mu_;
  std::map<std::string, Entry, std::less<>> contexts_;
};

}  // namespace holdfast
