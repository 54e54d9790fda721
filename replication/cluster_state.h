// ClusterState: the cluster's shared truth (DESIGN.md §6) — index metadata
// (name → uuid, settings, mapping) and the routing table (which copy of which
// shard is where, with role, state, allocation id and the shard's primary
// term and in-sync set).
//
// Everything a node serves is derived from it: the shard copies it opens
// (ShardRegistry converges to the routing table), the copies a coordinator
// sends requests to, `_cluster/health`, `_cat/indices` and `_cat/shards`
// (cluster_health.h). Mapping changes — explicit (PUT _mapping) and dynamic
// (a new field seen while indexing) — go through PutMapping so that every
// copy of an index parses documents with the same mapping.
//
// Two implementations: LocalClusterState (one node, persisted in the node
// store: the embedded default) and, in the cluster issue, one on etcd.
//
// Readers take immutable snapshots (`Current()`, a shared_ptr copy): a
// request sees one consistent version from start to end. Changes are
// serialized; each produces a new snapshot with version + 1. Watchers are
// called after each change, in version order, never concurrently with each
// other, and never while the state's own lock is held, so a watcher may make
// a change itself (it is delivered after the watcher returns). Nor are they
// called on the thread that made the change: a caller may hold a lock of its
// own that its watcher takes. Delivery is therefore asynchronous.
// Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "index/mapping/mapping.h"
#include "replication/index_metadata.h"
#include "index/util/status.h"
#include "replication/shard_id.h"

namespace holdfast {

// A shard copy's state in the routing table (Elasticsearch's ShardRoutingState
// plus closed and failed, which holdfast keeps visible with their reason).
enum class ShardCopyState : uint8_t {
  kUnassigned,    // no node holds it (e.g. a replica on a one-node cluster)
  kInitializing,  // allocated; the node is opening or recovering it
  kStarted,       // serving
  kRelocating,    // serving, being copied to another node
  kClosed,        // the index is closed
  kFailed,        // stopped serving; `failure` says why
};
// "UNASSIGNED", "INITIALIZING", "STARTED", "RELOCATING", "CLOSED", "FAILED" (as _cat/shards prints).
const char* ShardCopyStateName(ShardCopyState state);

struct ShardCopyRouting {
  std::string node_id;        // empty when unassigned
  bool primary = false;
  ShardCopyState state = ShardCopyState::kUnassigned;
  std::string allocation_id;  // empty when unassigned; new for every allocation
  std::string failure;        // kFailed: why
  // kUnassigned: why and since when (ms since the epoch; Elasticsearch's
  // unassigned_info), and the node that held the copy last — its volume may
  // still hold the data, so the copy goes back there when the node returns
  // ("NODE_LEFT", delayed by index.unassigned.node_left.delayed_timeout).
  std::string unassigned_reason;
  int64_t unassigned_at_ms = 0;
  std::string last_node_id;
  // kRelocating: the node the copy moves to and the target copy's
  // allocation id (the target recovers from this copy, then takes its place).
  std::string relocating_node_id;
  std::string relocation_id;
  // A primary forced by POST /_cluster/reroute, until it starts: "empty"
  // (allocate_empty_primary: its node sets aside what its volume holds of
  // the shard and starts it empty) or "stale" (allocate_stale_primary: its
  // node opens what its volume holds, under a new history, so that no other
  // copy catches up from it by ops). "" otherwise.
  std::string forced_primary;
  friend bool operator==(const ShardCopyRouting&, const ShardCopyRouting&) = default;
};

// One shard of an index: its copies (primary first) and replication facts.
struct ShardRouting {
  uint32_t shard = 0;
  int64_t primary_term = 1;             // + 1 whenever another copy becomes primary
  std::vector<std::string> in_sync;     // allocation ids of the in-sync copies
  std::vector<ShardCopyRouting> copies; // 1 + number_of_replicas entries, primary first

  const ShardCopyRouting* primary() const;  // null when none is assigned
  // Whether the copy of `allocation_id` is in the in-sync set.
  bool IsInSync(const std::string& allocation_id) const;
  friend bool operator==(const ShardRouting&, const ShardRouting&) = default;
};

struct IndexRouting {
  std::vector<ShardRouting> shards;  // by shard number
  friend bool operator==(const IndexRouting&, const IndexRouting&) = default;
};

// A member of the cluster (one entry for the local node in a one-node cluster).
struct ClusterNode {
  std::string node_id;  // from the node's VOLUME
  std::string name;     // node.name
  std::string http_address;
  std::string grpc_address;
  // What the node publishes of itself (cluster mode): "disk.used_percent",
  // "disk.over_high" ("true"/"false") for allocation.
  std::map<std::string, std::string> attributes;
  friend bool operator==(const ClusterNode&, const ClusterNode&) = default;
};

// A node's drain (POST /_lifecycle/drain, DESIGN.md §7) as the master keeps
// it: the lifecycle record that holds — or waits for — one of the cluster's
// disruption slots (cluster.lifecycle.max_concurrent_disruptions). The
// master ends it by itself (replication/drain_records.h): a restart drain
// once the node is back and in sync and health is green, a remove drain
// once the node has left, a queued one when its node goes away.
struct NodeDrain {
  std::string node_id;
  std::string node_name;
  std::string type;            // "restart" | "remove"
  std::string incarnation;     // the process that asked (a restarted node is another)
  int64_t requested_at_ms = 0;
  int64_t slot_at_ms = 0;      // when it got its disruption slot; 0: queued
  int64_t away_since_ms = 0;   // the node left (stopped) after it got the slot
  bool returned = false;       // a new process of the node is a member again
  friend bool operator==(const NodeDrain&, const NodeDrain&) = default;
};

// How an index expression resolves, as Elasticsearch's IndicesOptions (the
// request parameters of the same names).
struct IndicesOptions {
  bool ignore_unavailable = false;  // a missing index or alias name is skipped, not an error
  bool allow_no_indices = true;     // false: a wildcard (or the whole expression) matching nothing is an error
  bool expand_open = true;          // expand_wildcards: open indices
  bool expand_closed = false;       // expand_wildcards: closed indices
  // A closed index named concretely (or through an alias) is an error
  // (kIndexClosed), or skipped with ignore_unavailable; false for the APIs
  // that work on closed indices (get, settings, open, close, delete).
  bool forbid_closed = true;
  bool aliases = true;              // false (deleting): names of aliases are refused, wildcards skip them
  int64_t now_ms = 0;               // for date math names (<logs-{now/d}>); 0: the clock
};

// One immutable version of the cluster state.
class ClusterStateSnapshot {
 public:
  int64_t version = 0;
  std::string cluster_uuid;
  std::string cluster_name;
  std::string master_node_id;                     // the local node in a one-node cluster
  std::map<std::string, ClusterNode> nodes;       // by node id
  std::map<std::string, IndexMetadata> indices;   // by index uuid
  std::map<std::string, IndexRouting> routing;    // by index uuid
  std::map<std::string, std::string> settings;    // persistent cluster settings (flat keys)
  // Composable index templates (PUT /_index_template/{name}) and component
  // templates (PUT /_component_template/{name}), by name, each as the JSON
  // the template API checked and stored (server/api/template_api.cc applies
  // them when an index is created).
  std::map<std::string, std::string> index_templates;
  std::map<std::string, std::string> component_templates;
  // Legacy index templates (PUT /_template/{name}, Elasticsearch 6/7), applied
  // when no composable template matches.
  std::map<std::string, std::string> legacy_templates;
  // Drains of nodes (lifecycle records), by node id.
  std::map<std::string, NodeDrain> drains;
  // The newest epoch each orchestrator reconciled with (POST
  // /_lifecycle/reconcile), by orchestrator id: an older one is refused.
  std::map<std::string, int64_t> orchestrator_epochs;

  // By name; null when absent.
  const IndexMetadata* FindIndex(std::string_view name) const;
  const IndexMetadata* FindIndexByUuid(std::string_view uuid) const;
  const IndexRouting* RoutingOf(std::string_view index_uuid) const;
  const ShardRouting* RoutingOf(const ShardId& shard) const;

  // Index names matching an expression — "a", "a,b", "logs-*", "*", "_all",
  // "" (all) — sorted, without duplicates. A concrete name that does not
  // exist → kIndexNotFound ("no such index [x]"); wildcards may match nothing.
  // Aliases count as the indices they point to; a part starting with '-'
  // (after the first) removes what it matches. Without `aliases` (deleting
  // indices), wildcards match index names only and naming an alias is
  // kInvalidArgument, as Elasticsearch answers. Wildcards expand to open
  // indices; a closed index may be named.
  Result<std::vector<std::string>> ResolveIndices(std::string_view expression, bool aliases = true) const;
  // ResolveIndices, with the alias filters each index is reached through:
  // none when the expression names it (or a wildcard matches its name), or
  // through an alias without a filter; else every such alias's filter (a
  // document matching any of them is seen), as Elasticsearch does.
  // Likewise its search routing values: those of the aliases it was reached
  // through when each of them has a search routing (their union), else none.
  struct SearchTarget {
    std::string name;
    std::vector<std::string> filters;  // queries as JSON; empty: all documents
    std::vector<std::string> search_routing;  // sorted; empty: no alias routes the search
  };
  Result<std::vector<SearchTarget>> ResolveSearchTargets(std::string_view expression, bool aliases = true) const;
  // With IndicesOptions: date math names resolved first; a missing name is
  // kIndexNotFound unless ignore_unavailable; without allow_no_indices a
  // wildcard matching nothing, or nothing at all, is kIndexNotFound.
  // Wildcards and _all expand to open and/or closed indices as the options
  // say; a closed index named is kIndexClosed when forbid_closed.
  Result<std::vector<SearchTarget>> ResolveSearchTargets(std::string_view expression,
                                                         const IndicesOptions& options) const;
  // The indices alias `alias` points to, in name order (empty: no such alias).
  std::vector<const IndexMetadata*> AliasIndices(std::string_view alias) const;
  // The index a write to `name` goes to: the index of that name, or the
  // write index of the alias (the one with is_write_index, or its only index
  // unless that says false); null when `name` is neither an index nor an
  // alias. kInvalidArgument when the alias has no write index.
  Result<const IndexMetadata*> WriteIndexOf(std::string_view name) const;
  // The one index `name` names: itself, or an alias's only index; null when
  // neither. kInvalidArgument for an alias of several indices.
  Result<const IndexMetadata*> SingleIndexOf(std::string_view name) const;
  // Index metadata in name order.
  std::vector<const IndexMetadata*> IndicesByName() const;
};

using ClusterStatePtr = std::shared_ptr<const ClusterStateSnapshot>;

// The edits every ClusterState implementation makes the same way (on a
// copy of the current snapshot; the caller stores the result).
//
// Checks a new index's metadata (name, uuid, number of shards) and gives it
// an empty mapping when it has none.
Status PrepareNewIndex(IndexMetadata* metadata);
// kResourceAlreadyExists ("index [name/uuid] already exists") when the
// name or uuid is taken — except, with `retry_is_ok`, by this very index
// (a create sent again): then false, nothing to do. True: it is new.
Result<bool> CheckNewIndex(const ClusterStateSnapshot& state, const IndexMetadata& metadata, bool retry_is_ok);
// One action of an aliases update (POST /_aliases), on a concrete index.
struct AliasAction {
  enum class Kind { kAdd, kRemove, kRemoveIndex };
  Kind kind = Kind::kAdd;
  std::string index;
  std::string alias;       // kAdd, kRemove
  AliasMetadata metadata;  // kAdd
  bool must_exist = true;  // kRemove: kAliasesNotFound when the index lacks the alias
};
// The dynamic index settings PUT /{index}/_settings changes (unset: kept).
struct IndexSettingsUpdate {
  std::optional<std::chrono::milliseconds> refresh_interval;
  std::optional<uint32_t> number_of_replicas;
  std::optional<uint32_t> max_result_window;
  std::optional<uint32_t> max_docvalue_fields_search;
  std::optional<uint32_t> max_terms_count;
  std::optional<std::chrono::milliseconds> node_left_delayed_timeout;
  // index.routing.allocation.<op>.<attribute> by "<op>.<attribute>": a new
  // comma list, or nullopt to remove the filter.
  std::map<std::string, std::optional<std::string>> allocation_filters;
  std::optional<int32_t> total_shards_per_node;  // -1: no limit
  std::optional<std::string> allocation_enable;  // "": removed (the cluster's applies)
  // POST /{index}/_close (true) and _open (false): closing turns every
  // assigned copy CLOSED (its node closes it, keeping the files); opening
  // turns them INITIALIZING with the same allocation ids (reopened from the
  // volumes, then reported started).
  std::optional<bool> closed;
};
// Applies `update` to the indices `index_uuids` of `state`: their metadata,
// and for number_of_replicas their routing (new replica copies wait
// unassigned, REPLICA_ADDED, for the allocator; surplus ones go, unassigned
// ones first, never a primary), and for `closed` the index state and its
// copies' states. kIndexNotFound for an unknown uuid.
Status ApplyIndexSettings(ClusterStateSnapshot* state, const std::vector<std::string>& index_uuids,
                          const IndexSettingsUpdate& update, int64_t now_ms);
// Applies `actions` in order to `state` (the caller keeps the result only
// when this succeeds: all or none). kIndexNotFound, kAliasesNotFound
// ("aliases [x] missing"), kInvalidAliasName (a bad name, or an index's),
// kFailedPrecondition when an alias would have two write indices.
Status ApplyAliasActions(ClusterStateSnapshot* state, const std::vector<AliasAction>& actions);
// kInvalidAliasName unless `alias` may name an alias in `state`.
Status ValidateAliasName(const ClusterStateSnapshot& state, std::string_view alias);
// Which templates a change is about.
enum class TemplateKind { kIndex, kComponent, kLegacy };
// "index", "component", "legacy" (the wire and storage names); nullopt for others.
const char* TemplateKindName(TemplateKind kind);
std::optional<TemplateKind> TemplateKindFromName(std::string_view name);
// name → the template's JSON to store, or nullopt to remove it.
using TemplateChanges = std::map<std::string, std::optional<std::string>>;
std::map<std::string, std::string>& TemplatesOf(ClusterStateSnapshot* state, TemplateKind kind);
const std::map<std::string, std::string>& TemplatesOf(const ClusterStateSnapshot& state, TemplateKind kind);
// Applies `changes`; false when they change nothing.
bool ApplyTemplateChanges(ClusterStateSnapshot* state, TemplateKind kind, const TemplateChanges& changes);

// Removes index `name` (metadata and routing); returns its uuid.
// kIndexNotFound ("no such index [name]").
Result<std::string> RemoveIndex(ClusterStateSnapshot* state, std::string_view name);
// Merges `update` into the mapping of index `index_uuid`; *merged is the
// mapping to use. False when it was merged already (nothing changes).
// kIndexNotFound; a type conflict is kInvalidArgument.
Result<bool> MergeIndexMapping(ClusterStateSnapshot* state, std::string_view index_uuid,
                               const mapping::MappingUpdate& update, std::shared_ptr<const mapping::Mapping>* merged);

// Keeps a watcher registered; destroying it unregisters (and waits for a
// call in progress to return, so the watcher's captures may die afterwards).
class ClusterStateWatch {
 public:
  virtual ~ClusterStateWatch() = default;
};

class ClusterState {
 public:
  using Watcher = std::function<void(const ClusterStatePtr& state)>;

  virtual ~ClusterState() = default;

  virtual ClusterStatePtr Current() const = 0;

  // Creates an index from `metadata` (name, uuid, creation date, settings,
  // mapping; the caller picks the uuid) and allocates its copies: every
  // primary to a node (this node, in a one-node cluster) in kInitializing
  // with a new allocation id and primary term 1; replicas to other nodes, or
  // kUnassigned when none can take them (never two copies of a shard on one
  // node). kResourceAlreadyExists when the name is taken ("index [name/uuid]
  // already exists"); kInvalidIndexName for a bad name.
  virtual Result<ClusterStatePtr> CreateIndex(IndexMetadata metadata) = 0;

  // Removes an index's metadata and routing; nodes then close and delete
  // their copies. kIndexNotFound ("no such index [name]").
  virtual Status DeleteIndex(std::string_view name) = 0;

  // Merges `update` into the mapping of index `index_uuid` (or finds it
  // already merged) and returns the mapping to use. A type conflict is
  // refused (kInvalidArgument, the mapping unchanged); kIndexNotFound when
  // the index is gone.
  virtual Result<std::shared_ptr<const mapping::Mapping>> PutMapping(std::string_view index_uuid,
                                                                     const mapping::MappingUpdate& update) = 0;

  // Applies alias actions (ApplyAliasActions) all at once: one new version
  // holds all of them or none does.
  virtual Status UpdateAliases(const std::vector<AliasAction>& actions) = 0;

  // Changes dynamic settings of indices (ApplyIndexSettings), in one version.
  virtual Status UpdateIndexSettings(const std::vector<std::string>& index_uuids,
                                     const IndexSettingsUpdate& update) = 0;

  // Stores or removes index or component templates (ApplyTemplateChanges),
  // in one version. The caller has checked them (the state stores JSON).
  virtual Status PutTemplates(TemplateKind kind, const TemplateChanges& changes) = 0;

  // A node reports a copy's state: kStarted once opened and recovered,
  // kFailed with the reason when it stopped serving, kClosed. Ignored
  // (OK) when `allocation_id` no longer names a copy of the shard (a stale
  // report). A failed copy leaves the in-sync set.
  virtual Status UpdateShardCopy(const ShardId& shard, std::string_view allocation_id, ShardCopyState state,
                                 std::string_view failure) = 0;

  // The primary of `primary_term` could not replicate a write to copy
  // `allocation_id` (replication/write_replication.h): the copy leaves the
  // in-sync set and is allocated again (ApplyReplicaFailure). Returns once
  // the change is committed — only then may the write be acknowledged.
  // kFenced when the shard's term moved on (the caller is not the primary).
  virtual Status FailReplica(const ShardId& shard, std::string_view allocation_id, int64_t primary_term,
                             std::string_view reason) = 0;

  // Calls `watcher` with every new version from now on (not with the current
  // one: read Current() after registering to start from it).
  virtual std::unique_ptr<ClusterStateWatch> Watch(Watcher watcher) = 0;
};

}  // namespace holdfast
