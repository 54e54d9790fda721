// Index settings and mappings as the index APIs read and show them: the body
// of PUT /{index} and the "settings" member of GET /{index}. Stateless;
// thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "index/mapping/mapping.h"
#include "replication/cluster_state.h"
#include "server/coordinator/index_handle.h"
#include "index/util/status.h"
#include "server/http/json_writer.h"

namespace holdfast {

struct CreateIndexBody {
  IndexSettings settings;
  std::shared_ptr<const mapping::Mapping> mapping;  // null: empty, dynamic
  std::map<std::string, AliasMetadata> aliases;
};

// {"name": {"filter": {...}, "routing": "1", "is_write_index": true}, ...}:
// the `aliases` of PUT /{index} (server/api/alias_api.cc).
Result<std::map<std::string, AliasMetadata>> ParseIndexAliases(std::string_view json);
// "aliases": {...} as GET /{index} shows it.
void WriteIndexAliases(JsonWriter& w, const IndexHandle& index);

// {"settings": {...}, "mappings": {...}, "aliases": {}} — every part optional;
// settings nested ({"index": {"number_of_shards": 3}}) or dotted
// ("index.number_of_shards": "3"), values as numbers or strings. Known
// settings: number_of_shards (1..1024), number_of_replicas, refresh_interval
// ("1s", "500ms", "-1"), translog.durability (request | async),
// max_result_window, max_docvalue_fields_search, max_terms_count,
// unassigned.node_left.delayed_timeout, soft_deletes.retention_lease.period
// (how long a primary keeps ops for a copy that went away),
// routing.allocation.{include,exclude,require}.<attribute> and
// routing.allocation.{total_shards_per_node,enable}, recommend.*. Anything else
// is illegal_argument_exception "unknown setting [...]"; bad JSON parse_exception;
// a bad mapping mapper_parsing_exception. An empty body gives the defaults.
Result<CreateIndexBody> ParseCreateIndexBody(std::string_view body);

// PUT /{index}/_settings: {"index": {"refresh_interval": "5s"}}, dotted or
// flat keys, or under "settings"; null resets a setting to its default.
// Dynamic here: refresh_interval, number_of_replicas, max_result_window,
// max_docvalue_fields_search, max_terms_count,
// unassigned.node_left.delayed_timeout, routing.allocation.*. Static settings (number_of_shards,
// translog.durability, soft_deletes.retention_lease.period, recommend.*) are listed in `static_keys` (the caller
// refuses them, naming the indices, as Elasticsearch); an unknown one is
// illegal_argument_exception.
struct SettingsUpdate {
  IndexSettingsUpdate update;
  std::vector<std::string> static_keys;
};
Result<SettingsUpdate> ParseSettingsUpdate(std::string_view body);

// PUT /{index}/_mapping: {"properties": {...}} → the fields to add.
Result<mapping::MappingUpdate> ParseMappingUpdate(std::string_view body);

// "1s", "500ms", "3d", "-1" (disabled) as Elasticsearch prints time values.
std::string FormatTimeValue(std::chrono::milliseconds value);

// "settings": {"index": {...}} as GET /{index} shows it (values as strings).
void WriteIndexSettings(JsonWriter& w, const IndexHandle& index);
// "mappings": {...} (the mapping serializer's output).
void WriteIndexMappings(JsonWriter& w, const IndexHandle& index);

}  // namespace holdfast
