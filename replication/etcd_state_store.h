// EtcdStateStore: the cluster state's keys (stored_cluster_state.h:
// state/version, state/metadata/<uuid>, state/routing/<uuid>) kept in etcd
// under /holdfast/<cluster>/ (DESIGN.md §6), as a MetadataStore, so the
// same encoding and load code serve one node and a cluster.
//
// Reads come from a snapshot taken at one etcd revision (Refresh: one range
// read of the whole state prefix), so LoadClusterState sees one consistent
// version even though it reads key by key. Writes are Commit only: one etcd
// transaction through the master election (etcd_master.h) guarded by
//   - the master's election key (a deposed master's commit fails: kFenced),
//   - state/version's mod revision as of the snapshot (a commit based on a
//     state that moved on fails: kConflict — re-read and decide again).
// A successful commit is applied to the snapshot. Single Put/Delete are
// refused: the state only changes by whole, guarded commits.
// Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "replication/etcd_client.h"
#include "replication/etcd_master.h"
#include "replication/metadata_store.h"

namespace holdfast {

class EtcdStateStore : public MetadataStore {
 public:
  // `master` may be null for a store that only reads (a Commit is then kFenced).
  EtcdStateStore(EtcdClient* etcd, EtcdMasterElection* master, std::string cluster_name);

  // Reads every state key at one revision; returns that revision.
  Result<int64_t> Refresh();
  // The revision of the snapshot (0 before the first Refresh).
  int64_t revision() const;

  Result<std::string> Get(const std::string& key) override;
  Status Put(const std::string& key, const std::string& value) override;
  Status Delete(const std::string& key) override;
  Status ForEachWithPrefix(std::string_view prefix,
                           const std::function<bool(std::string_view key, std::string_view value)>& fn) override;
  Status Commit(const std::vector<Mutation>& mutations) override;

  // "/holdfast/<cluster>/": the etcd key of state key k is prefix() + k.
  const std::string& prefix() const { return prefix_; }

 private:
  EtcdClient* const etcd_;
  EtcdMasterElection* const master_;
  const std::string prefix_;
  mutable std::mutex mu_;
  std::map<std::string, std::string, std::less<>> values_;  // state keys (without prefix_)
  int64_t revision_ = 0;
  int64_t version_mod_revision_ = 0;  // of state/version in the snapshot; 0: absent
};

}  // namespace holdfast
