// StoredClusterState: the layout of a cluster state in a MetadataStore
// (docs/formats.md, "Cluster state"), the same keys DESIGN.md §6 gives etcd:
//
//   state/version            decimal version of the last committed change
//   state/metadata/<uuid>    one index's metadata: EncodeIndexMetadata
//                            (JSON + footer with checksum)
//   state/routing/<uuid>     one index's routing table: EncodeIndexRouting (JSON)
//   state/settings           the persistent cluster settings: a flat JSON object
//                            of strings ({"cluster.routing.allocation.exclude._name": "n1"});
//                            absent when none is set
//   state/index_template/<name>      a composable index template (JSON)
//   state/component_template/<name>  a component template (JSON)
//   state/legacy_template/<name>     a legacy index template (JSON)
//   state/drain/<node-id>    a node's drain record (NodeDrain as JSON)
//   state/orchestrator/<id>  the newest epoch an orchestrator reconciled with (decimal)
//
// A change is one MetadataStore::Commit, ordered so that a store without
// atomic commits leaves only harmless leftovers: an index is written routing
// first and removed metadata first (the metadata key is what makes an index
// exist; routing without metadata is an orphan, removed on load), and the
// version goes last.
//
// Also reads the layout written before the cluster state existed
// (the index registry of earlier versions): node store key "indices" = {"name": "uuid"}
// and `<indices dir>/<uuid>/INDEX`. Stateless functions; thread-safe as the
// store is.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "replication/index_metadata.h"
#include "index/util/status.h"
#include "replication/cluster_state.h"
#include "replication/metadata_store.h"

namespace holdfast {

inline constexpr char kStateVersionKey[] = "state/version";
inline constexpr char kStateMetadataPrefix[] = "state/metadata/";
inline constexpr char kStateRoutingPrefix[] = "state/routing/";
inline constexpr char kStateSettingsKey[] = "state/settings";
inline constexpr char kStateIndexTemplatePrefix[] = "state/index_template/";
inline constexpr char kStateComponentTemplatePrefix[] = "state/component_template/";
inline constexpr char kStateLegacyTemplatePrefix[] = "state/legacy_template/";
inline constexpr char kStateDrainPrefix[] = "state/drain/";
inline constexpr char kStateOrchestratorPrefix[] = "state/orchestrator/";
inline constexpr char kLegacyIndicesKey[] = "indices";

std::string StateMetadataKey(std::string_view index_uuid);
std::string StateRoutingKey(std::string_view index_uuid);

using MetadataMutations = std::vector<MetadataStore::Mutation>;

// Writes (or replaces) both keys of an index: routing, then metadata.
void AppendIndexWrites(const IndexMetadata& metadata, const IndexRouting& routing, MetadataMutations* out);
void AppendMetadataWrite(const IndexMetadata& metadata, MetadataMutations* out);
void AppendRoutingWrite(std::string_view index_uuid, const IndexRouting& routing, MetadataMutations* out);
// Removes both keys of an index: metadata, then routing.
void AppendIndexRemoval(std::string_view index_uuid, MetadataMutations* out);
void AppendVersionWrite(int64_t version, MetadataMutations* out);
// Writes the cluster settings (removes the key when `settings` is empty).
void AppendSettingsWrite(const std::map<std::string, std::string>& settings, MetadataMutations* out);
// The writes that turn templates `before` into `after` (of one kind).
void AppendTemplateWrites(TemplateKind kind, const std::map<std::string, std::string>& before,
                          const std::map<std::string, std::string>& after, MetadataMutations* out);

// The writes that turn drain records `before` into `after`.
void AppendDrainWrites(const std::map<std::string, NodeDrain>& before, const std::map<std::string, NodeDrain>& after,
                       MetadataMutations* out);

// The writes that turn orchestrator epochs `before` into `after`.
void AppendOrchestratorWrites(const std::map<std::string, int64_t>& before, const std::map<std::string, int64_t>& after,
                              MetadataMutations* out);

struct StoredClusterState {
  int64_t version = 0;
  std::map<std::string, IndexMetadata> indices;  // by uuid
  std::map<std::string, IndexRouting> routing;   // by uuid; one per index
  std::map<std::string, std::string> settings;   // persistent cluster settings
  std::map<std::string, std::string> index_templates;      // by name
  std::map<std::string, std::string> component_templates;  // by name
  std::map<std::string, std::string> legacy_templates;     // by name
  std::map<std::string, NodeDrain> drains;                  // by node id
  std::map<std::string, int64_t> orchestrator_epochs;       // by orchestrator id
  std::vector<std::string> orphan_keys;          // routing keys without metadata
};

// The stored state; nullopt when the store holds none (no state/version).
// Corruption naming the key for a value that does not decode, a metadata key
// whose uuid differs from its value's, an index without routing, or routing
// whose shard count differs from the index's.
Result<std::optional<StoredClusterState>> LoadClusterState(MetadataStore* store);

// Moves the stored indices, routing, settings and templates into `state`.
void AdoptStoredState(StoredClusterState&& stored, ClusterStateSnapshot* state);

// The legacy index list (name → uuid); nullopt when the key is absent.
// Corruption when it is not a JSON object of uuid strings.
Result<std::optional<std::map<std::string, std::string>>> ReadLegacyIndexList(MetadataStore* store);

// `<indices_dir>/<uuid>/INDEX`, checked to name index `name`. Corruption
// naming the file when it is missing, fails its checksum or names another index.
Result<IndexMetadata> ReadLegacyIndex(const std::string& indices_dir, const std::string& name,
                                      const std::string& uuid);

}  // namespace holdfast
