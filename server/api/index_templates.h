// Composable index templates and component templates, as Elasticsearch's
// (PUT /_index_template, PUT /_component_template): checking one before it
// is stored in the cluster state, and composing the body an index is
// created with from the templates that match its name.
//
// A template is stored as JSON (ClusterStateSnapshot::index_templates and
// component_templates). When an index is created — by PUT /{index} or by a
// first write — the matching index template with the highest priority
// applies: its component templates in `composed_of` order, then its own
// `template`, then the request's body, each on top of the previous one
// (settings key by key, mappings merged object by object, aliases by name).
//
// Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "index/util/status.h"
#include "replication/cluster_state.h"

namespace holdfast {

// Whether some index name matches both glob patterns ('*' matches any run).
bool GlobPatternsOverlap(std::string_view a, std::string_view b);

// Checks the body of PUT /_index_template/{name} against `state` and
// returns the JSON to store (index_patterns always an array):
// action_request_validation_exception without index_patterns;
// invalid_index_template_exception for unknown component templates or a
// composed template that does not parse as an index body;
// illegal_argument_exception when another template of the same priority
// has overlapping patterns, or for `data_stream` (not supported).
Result<std::string> CheckIndexTemplate(const ClusterStateSnapshot& state, const std::string& name,
                                       std::string_view body);
// Checks the body of PUT /_component_template/{name}: {"template": {...}}.
Result<std::string> CheckComponentTemplate(const std::string& name, std::string_view body);
// Checks the body of PUT /_template/{name} (a legacy template: index_patterns
// (or template), order, version, settings, mappings, aliases) and returns the
// JSON to store; `order` (the URL's, when given) overrides the body's.
Result<std::string> CheckLegacyTemplate(const std::string& name, std::string_view body, std::optional<int64_t> order);

// The legacy templates that apply to index `index` when no index template
// does, in the order they compose (by `order`, then name).
std::vector<std::string> MatchingLegacyTemplates(const ClusterStateSnapshot& state, std::string_view index);

// The name of the index template that applies to index `index`; empty when none.
std::string MatchingIndexTemplate(const ClusterStateSnapshot& state, std::string_view index);

// The create-index body for `index`: `request_body` alone when no template
// matches, else the composition described above (settings flattened to
// "index.*" keys). Without a matching index template, the matching legacy
// templates compose instead, lowest `order` first. Errors of a stored template that no longer composes
// (invalid_index_template_exception).
Result<std::string> ComposeCreateIndexBody(const ClusterStateSnapshot& state, std::string_view index,
                                           std::string_view request_body);

// The component templates index template `name`'s JSON names in composed_of.
std::vector<std::string> ComposedOf(std::string_view index_template_json);

}  // namespace holdfast
