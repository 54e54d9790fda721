// MappingSource: where a shard engine gets its index's mapping, and where it
// sends fields that dynamic mapping discovered. All shards of an index share
// one source, so a new field gets one type index-wide. Implementations are
// thread-safe; Current() is cheap (a shared_ptr copy).
#pragma once

#include <functional>
#include <memory>
#include <mutex>

#include "index/mapping/mapping.h"
#include "index/util/status.h"

namespace holdfast {

class MappingSource {
 public:
  virtual ~MappingSource() = default;
  virtual std::shared_ptr<const mapping::Mapping> Current() const = 0;
  // Merges `update` (or finds it already merged by another writer) and returns
  // the mapping to parse with. A type conflict is refused (illegal_argument_exception).
  virtual Result<std::shared_ptr<const mapping::Mapping>> Apply(const mapping::MappingUpdate& update) = 0;
};

// A MappingSource held in memory; the owner persists it if it needs to
// (`on_change` runs under the lock after each successful merge).
class InMemoryMappingSource : public MappingSource {
 public:
  explicit InMemoryMappingSource(std::shared_ptr<const mapping::Mapping> initial)
      : current_(std::move(initial)) {}

  std::shared_ptr<const mapping::Mapping> Current() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return current_;
  }

  Result<std::shared_ptr<const mapping::Mapping>> Apply(const mapping::MappingUpdate& update) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto merged = current_->Merge(update);
    if (!merged.ok()) return merged.status();
    if (on_change_) HOLDFAST_RETURN_IF_ERROR(on_change_(*merged.value()));
    current_ = merged.value();
    return current_;
  }

  // Called with the new mapping before it is published; an error refuses it.
  void set_on_change(std::function<Status(const mapping::Mapping&)> fn) { on_change_ = std::move(fn); }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const mapping::Mapping> current_;
  std::function<Status(const mapping::Mapping&)> on_change_;
};

}  // namespace holdfast
