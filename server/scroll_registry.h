// ScrollRegistry: the open scroll contexts of a node (`?scroll=1m`).
//
// A context keeps the SearchPlan of the original search alive — its searcher
// snapshots, so later pages see the index as it was — and where the last page
// ended (a PagePosition: sort values plus `_doc` and shard). Each page is a
// fresh query phase that resumes after that position, so a context holds no
// hit list: memory per context is the plan and one position. At most
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
#include "server/search_plan.h"

namespace holdfast {

inline constexpr size_t kMaxOpenScrollContexts = 500;

struct ScrollContext {
  std::shared_ptr<const SearchPlan> plan;
  SearchRequest request;  // rendering options of every page
  uint64_t size = 10;
  std::mutex mu;  // one page at a time
  std::optional<PagePosition> after;  // guarded by mu; unset before the first page
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
  void DropExpired(Clock::time_point now);  // under mu_

  std::mutex mu_;
  std::map<std::string, Entry, std::less<>> contexts_;
};

}  // namespace holdfast
