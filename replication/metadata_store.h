// MetadataStore: where a node keeps small durable values (the local cluster
// state, shard copy records). lifecycle/NodeStore implements it on the
// node's RocksDB (<data-dir>/node); tests may use an in-memory one.
// Implementations are thread-safe and make every Put/Delete durable before
// returning (fsync), because the cluster state is the source of truth for
// which indices exist.
#pragma once

#include <functional>
#include <string>
#include <string_view>

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
};

}  // namespace holdfast
