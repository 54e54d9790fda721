// MetadataStore: where a node keeps small durable values (the local cluster
// state, shard copy records). lifecycle/NodeStore implements it on the
// node's RocksDB (<data-dir>/node); tests may use an in-memory one.
// Implementations are thread-safe and make every Put/Delete durable before
// returning (fsync), because the cluster state is the source of truth for
// which indices exist.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "index/util/status.h"

namespace holdfast {

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;
  // NotFound when absent.
  virtual Result<std::string> Get(const std::string& key) = 0;
  virtual Status Put(const std::string& key, const std::string& value) = 0;
  virtual Status Delete(const std::string& key) = 0;
  // Every key starting with `prefix`, in key order, until `fn` returns false.
  virtual Status ForEachWithPrefix(std::string_view prefix,
                                   const std::function<bool(std::string_view key, std::string_view value)>& fn) = 0;

  // One write of a Commit: a Put (`value` set) or a Delete (no `value`).
  struct Mutation {
    std::string key;
    std::optional<std::string> value;
  };
  // Applies `mutations` in order, durably, all or nothing where the store can
  // (NodeStore: one synced RocksDB write batch). This default applies them
  // one by one and stops at the first error, so callers order them such that
  // a prefix leaves only harmless leftovers.
  virtual Status Commit(const std::vector<Mutation>& mutations) {
    for (const Mutation& m : mutations) {
      Status s = m.value ? Put(m.key, *m.value) : Delete(m.key);
      if (!s.ok()) return s;
    }
    return Status::OK();
  }
};

}  // namespace holdfast
