// MemoryMetadataStore: a MetadataStore in memory for tests, with fault
// injection: `fail_writes` makes every Put, Delete and Commit fail with an
// IOError and change nothing. Commit uses the interface's default (one write
// at a time), so `fail_after_writes` can stop a commit half way, as a store
// without atomic commits would. Thread-safe.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>

#include "replication/metadata_store.h"

namespace holdfast::testing {

class MemoryMetadataStore : public MetadataStore {
 public:
  Result<std::string> Get(const std::string& key) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = data_.find(key);
    if (it == data_.end()) return Status::NotFound("key " + key);
    return it->second;
  }
  Status Put(const std::string& key, const std::string& value) override {
    std::lock_guard<std::mutex> lock(mu_);
    HOLDFAST_RETURN_IF_ERROR(CountWrite(key));
    data_[key] = value;
    return Status::OK();
  }
  Status Delete(const std::string& key) override {
    std::lock_guard<std::mutex> lock(mu_);
    HOLDFAST_RETURN_IF_ERROR(CountWrite(key));
    data_.erase(key);
    return Status::OK();
  }
  Status ForEachWithPrefix(std::string_view prefix,
                           const std::function<bool(std::string_view, std::string_view)>& fn) override {
    std::map<std::string, std::string> copy;
    {
      std::lock_guard<std::mutex> lock(mu_);
      copy = data_;
    }
    for (auto it = copy.lower_bound(std::string(prefix)); it != copy.end() && it->first.starts_with(prefix); ++it) {
      if (!fn(it->first, it->second)) break;
    }
    return Status::OK();
  }

  std::map<std::string, std::string> Snapshot() const {
    std::lock_guard<std::mutex> lock(mu_);
    return data_;
  }

  std::atomic<bool> fail_writes{false};
  std::atomic<int> fail_after_writes{-1};  // >= 0: that many more writes succeed, then all fail

 private:
  Status CountWrite(const std::string& key) {
    int left = fail_after_writes.load();
    if (left == 0 || fail_writes) return Status::IOError("injected write failure on " + key);
    if (left > 0) fail_after_writes = left - 1;
    return Status::OK();
  }

  mutable std::mutex mu_;
  std::map<std::string, std::string> data_;
};

}  // namespace holdfast::testing
