// IndexMetadata: an index's identity, settings and mapping — the index
// part of the cluster state (replication/cluster_state.h), which stores it
// encoded with EncodeIndexMetadata (JSON body + file footer with checksum).
// Volumes of earlier versions kept the same bytes in `<index-dir>/INDEX`,
// which LocalClusterState imports. Plain value type.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "index/mapping/mapping.h"
#include "index/recommend/recommend_settings.h"
#include "index/shard/shard_store.h"
#include "index/util/status.h"

namespace holdfast {

struct IndexSettings {
  uint32_t number_of_shards = 1;
  uint32_t number_of_replicas = 1;  // recorded; a single node holds primaries only
  std::chrono::milliseconds refresh_interval{1000};  // <= 0: refresh on demand only
  Durability durability = Durability::kRequest;
  // index.unassigned.node_left.delayed_timeout: how long the copies of a
  // node that left keep their place before the master reassigns them.
  std::chrono::milliseconds node_left_delayed_timeout{60000};
  // index.soft_deletes.retention_lease.period: how long a primary keeps
  // ops for a copy that stopped answering (then it recovers from files).
  std::chrono::milliseconds retention_lease_period{12 * 3600 * 1000};
  uint32_t max_result_window = 10000;  // index.max_result_window: from + size at most this
  // index.max_docvalue_fields_search: the mapped fields a search's
  // docvalue_fields may name (after wildcards), at most this.
  uint32_t max_docvalue_fields_search = 100;
  uint32_t max_terms_count = 65536;  // index.max_terms_count: values of one terms query at most this
  recommend::RecommendSettings recommend;  // index.recommend.*
  // index.routing.allocation.{include,exclude,require}.<attribute>: which
  // nodes may hold this index's copies (replication/allocation_filters.h),
  // keyed "<op>.<attribute>" ("require.zone") → a comma list of patterns.
  std::map<std::string, std::string> allocation_filters;
  // index.routing.allocation.total_shards_per_node: at most this many of the
  // index's copies on one node; -1: no limit.
  int32_t total_shards_per_node = -1;
  // index.routing.allocation.enable: all | primaries | new_primaries | none
  // for this index's copies, in place of cluster.routing.allocation.enable;
  // "": not set (the cluster's applies).
  std::string allocation_enable;
};

// An alias of an index, as Elasticsearch's: searches through it see only
// the documents its filter matches (a query as JSON; empty: all), and
// writes through it go to the one index that is its write index.
struct AliasMetadata {
  std::string filter_json;
  std::string index_routing;   // the routing of writes and gets through the alias; empty: none
  std::string search_routing;  // comma-separated routing values of searches through it; empty: none
  std::optional<bool> is_write_index;
  friend bool operator==(const AliasMetadata&, const AliasMetadata&) = default;
};

struct IndexMetadata {
  std::string name;
  std::string uuid;
  int64_t creation_date_ms = 0;
  IndexSettings settings;
  std::shared_ptr<const mapping::Mapping> mapping;
  std::map<std::string, AliasMetadata> aliases;  // by alias name
  // POST /{index}/_close: the copies keep their data on their volumes but are
  // not open anywhere; searches and writes are refused (index_closed_exception)
  // until POST /{index}/_open.
  bool closed = false;
};

std::string EncodeIndexMetadata(const IndexMetadata& m);
Result<IndexMetadata> DecodeIndexMetadata(std::string_view bytes, std::string_view file_name);

}  // namespace holdfast
