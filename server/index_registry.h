// IndexRegistry: the indices this node holds, by name.
//
// Each index lives in <data-dir>/indices/<index-uuid>/ (a LocalIndex). The
// node store records name → uuid; it is the source of truth, so an index is
// created by (1) writing its directory, (2) recording it; and deleted by
// (1) forgetting it, (2) removing its directory. A crash between the steps
// leaves a directory nobody names, which Open() removes. Names never reach a
// file path: directories are named by uuid.
//
// Thread-safe. Indices are handed out as shared_ptr, so a request keeps its
// index alive while a concurrent DELETE removes it from the registry; the
// directory is removed when the last user is done.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "index/shard/local_index.h"
#include "index/util/status.h"
#include "lifecycle/node_store.h"

namespace holdfast {

// Elasticsearch's index name rules: lowercase; none of \ / * ? " < > | , # :
// or spaces; not "." or ".."; not starting with - _ +; at most 255 bytes.
// kInvalidIndexName "Invalid index name [x], ..." otherwise.
Status ValidateIndexName(std::string_view name);

class IndexRegistry {
 public:
  // Opens every recorded index (replaying op logs) and removes unrecorded
  // directories. `options` apply to every index.
  static Result<std::unique_ptr<IndexRegistry>> Open(const std::string& indices_dir, NodeStore* node_store,
                                                     LocalIndexOptions options);
  ~IndexRegistry();

  // kResourceAlreadyExists "index [x/uuid] already exists" when the name is taken.
  Result<std::shared_ptr<LocalIndex>> Create(const std::string& name, IndexSettings settings,
                                             std::shared_ptr<const mapping::Mapping> mapping);
  // kIndexNotFound "no such index [x]".
  Status Delete(const std::string& name);
  std::shared_ptr<LocalIndex> Get(std::string_view name) const;  // null when absent

  // Index names matching an expression: "a", "a,b", "logs-*", "*", "_all"
  // (sorted, without duplicates). A concrete name that does not exist →
  // kIndexNotFound; wildcards may match nothing.
  Result<std::vector<std::string>> Resolve(std::string_view expression) const;
  std::vector<std::shared_ptr<LocalIndex>> All() const;

  // Flushes and closes every index (clean shutdown).
  Status CloseAll();

 private:
  IndexRegistry(std::string dir, NodeStore* store, LocalIndexOptions options)
      : dir_(std::move(dir)), node_store_(store), options_(options) {}
  Status PersistNames();  // under mu_

  const std::string dir_;
  NodeStore* node_store_;
  const LocalIndexOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<LocalIndex>, std::less<>> indices_;
};

}  // namespace holdfast
