#include "replication/cluster_state.h"

#include <algorithm>
#include <map>
#include <set>

#include "index/mapping/mapping_serializer.h"
#include "index/util/clock.h"
#include "index/util/comma_list.h"
#include "index/util/glob.h"
#include "replication/index_names.h"

namespace holdfast {

const char* ShardCopyStateName(ShardCopyState state) {
  switch (state) {
    case ShardCopyState::kUnassigned: return "UNASSIGNED";
    case ShardCopyState::kInitializing: return "INITIALIZING";
    case ShardCopyState::kStarted: return "STARTED";
    case ShardCopyState::kRelocating: return "RELOCATING";
    case ShardCopyState::kClosed: return "CLOSED";
    case ShardCopyState::kFailed: return "FAILED";
  }
  return "UNKNOWN";
}

const ShardCopyRouting* ShardRouting::primary() const {
  for (const ShardCopyRouting& copy : copies) {
    if (copy.primary && !copy.node_id.empty()) return &copy;
  }
  return nullptr;
}

bool ShardRouting::IsInSync(const std::string& allocation_id) const {
  return std::find(in_sync.begin(), in_sync.end(), allocation_id) != in_sync.end();
}

const IndexMetadata* ClusterStateSnapshot::FindIndex(std::string_view name) const {
  for (const auto& [uuid, index] : indices) {
    if (index.name == name) return &index;
  }
  return nullptr;
}

const IndexMetadata* ClusterStateSnapshot::FindIndexByUuid(std::string_view uuid) const {
  auto it = indices.find(std::string(uuid));
  return it == indices.end() ? nullptr : &it->second;
}

const IndexRouting* ClusterStateSnapshot::RoutingOf(std::string_view index_uuid) const {
  auto it = routing.find(std::string(index_uuid));
  return it == routing.end() ? nullptr : &it->second;
}

const ShardRouting* ClusterStateSnapshot::RoutingOf(const ShardId& shard) const {
  const IndexRouting* index = RoutingOf(shard.index_uuid);
  if (index == nullptr || shard.shard >= index->shards.size()) return nullptr;
  return &index->shards[shard.shard];
}

Result<std::vector<ClusterStateSnapshot::SearchTarget>> ClusterStateSnapshot::ResolveSearchTargets(
    std::string_view expression, bool with_aliases) const {
  IndicesOptions options;
  options.aliases = with_aliases;
  options.forbid_closed = false;
  return ResolveSearchTargets(expression, options);
}

Result<std::vector<ClusterStateSnapshot::SearchTarget>> ClusterStateSnapshot::ResolveSearchTargets(
    std::string_view expression, const IndicesOptions& options) const {
  const bool with_aliases = options.aliases;
  const int64_t now_ms = options.now_ms != 0 ? options.now_ms : WallClockMs();
  // Per index name: reached unfiltered, or through these filters.
  struct Reach {
    bool unfiltered = false;
    std::vector<std::string> filters;
    bool unrouted = false;  // named, or through an alias without search routing
    std::set<std::string> routing;
  };
  std::map<std::string, Reach, std::less<>> reached;
  std::map<std::string, std::vector<std::pair<std::string, const AliasMetadata*>>, std::less<>> aliases;
  std::set<std::string, std::less<>> names;
  std::set<std::string, std::less<>> closed;
  for (const auto& [uuid, index] : indices) {
    names.insert(index.name);
    if (index.closed) closed.insert(index.name);
    if (!with_aliases) continue;
    for (const auto& [alias, meta] : index.aliases) aliases[alias].emplace_back(index.name, &meta);
  }
  // Whether a wildcard (or _all) expands to index `name`.
  auto expands = [&](std::string_view name) { return closed.count(name) ? options.expand_closed : options.expand_open; };
  auto direct = [&](const std::string& name) {
    Reach& r = reached[name];
    r.unfiltered = true;
    r.unrouted = true;
  };
  auto through = [&](std::string_view alias, bool wildcard) -> Status {
    for (const auto& [name, meta] : aliases.find(alias)->second) {
      if (wildcard && !expands(name)) continue;
      Reach& r = reached[name];
      if (meta->filter_json.empty()) {
        r.unfiltered = true;
      } else {
        r.filters.push_back(meta->filter_json);
      }
      if (meta->search_routing.empty()) {
        r.unrouted = true;
      } else {
        for (std::string& value : SplitCommaList(meta->search_routing)) r.routing.insert(std::move(value));
      }
    }
    return Status::OK();
  };
  if (expression.empty() || expression == "_all" || expression == "*") {
    for (const std::string& name : names) {
      if (expands(name)) direct(name);
    }
  } else {
    size_t start = 0;
    bool first = true;
    while (start <= expression.size()) {
      size_t comma = expression.find(',', start);
      std::string_view part =
          expression.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      start = comma == std::string_view::npos ? expression.size() + 1 : comma + 1;
      if (part.empty()) continue;
      auto dated = ResolveDateMathName(part, now_ms);
      if (!dated.ok()) return dated.status();
      const std::string resolved = std::move(dated).value();
      part = resolved;
      const bool exclude = !first && part.front() == '-';
      first = false;
      if (exclude) {
        part.remove_prefix(1);
        for (auto it = reached.begin(); it != reached.end();) {
          it = GlobMatch(part, it->first) ? reached.erase(it) : std::next(it);
        }
        continue;
      }
      if (part == "_all") {
        for (const std::string& name : names) {
          if (expands(name)) direct(name);
        }
      } else if (part.find('*') != std::string_view::npos) {
        bool matched = false;
        for (const std::string& name : names) {
          if (expands(name) && GlobMatch(part, name)) {
            direct(name);
            matched = true;
          }
        }
        for (const auto& [alias, members] : aliases) {
          if ((options.expand_open || options.expand_closed) && GlobMatch(part, alias)) {
            HOLDFAST_RETURN_IF_ERROR(through(alias, /*wildcard=*/true));
            matched = true;
          }
        }
        if (!matched && !options.allow_no_indices) {
          return Status::IndexNotFound("no such index [" + std::string(part) + "]");
        }
      } else if (names.count(part)) {
        direct(std::string(part));
      } else if (aliases.count(part)) {
        HOLDFAST_RETURN_IF_ERROR(through(part, /*wildcard=*/false));
      } else if (!with_aliases && !AliasIndices(part).empty()) {
        return Status::InvalidArgument("The provided expression [" + std::string(part) +
                                       "] matches an alias, specify the corresponding concrete indices instead.");
      } else if (!options.ignore_unavailable) {
        return Status::IndexNotFound("no such index [" + std::string(part) + "]");
      }
    }
  }
  // A closed index reached any way (named, through an alias, or expanded
  // with expand_wildcards=closed) where closed ones are refused.
  if (options.forbid_closed) {
    for (auto it = reached.begin(); it != reached.end();) {
      if (!closed.count(it->first)) {
        ++it;
      } else if (options.ignore_unavailable) {
        it = reached.erase(it);
      } else {
        return Status::IndexClosed("closed");
      }
    }
  }
  if (reached.empty() && !options.allow_no_indices) {
    return Status::IndexNotFound("no such index [" + std::string(expression.empty() ? "_all" : expression) + "]");
  }
  std::vector<SearchTarget> out;
  out.reserve(reached.size());
  for (auto& [name, r] : reached) {
    SearchTarget t{name, {}, {}};
    if (!r.unrouted) t.search_routing.assign(r.routing.begin(), r.routing.end());
    if (!r.unfiltered) {
      std::sort(r.filters.begin(), r.filters.end());
      r.filters.erase(std::unique(r.filters.begin(), r.filters.end()), r.filters.end());
      t.filters = std::move(r.filters);
    }
    out.push_back(std::move(t));
  }
  return out;
}

Result<std::vector<std::string>> ClusterStateSnapshot::ResolveIndices(std::string_view expression,
                                                                     bool aliases) const {
  auto targets = ResolveSearchTargets(expression, aliases);
  if (!targets.ok()) return targets.status();
  std::vector<std::string> out;
  out.reserve(targets->size());
  for (SearchTarget& t : *targets) out.push_back(std::move(t.name));
  return out;
}

std::vector<const IndexMetadata*> ClusterStateSnapshot::AliasIndices(std::string_view alias) const {
  std::vector<const IndexMetadata*> out;
  for (const auto& [uuid, index] : indices) {
    if (index.aliases.find(std::string(alias)) != index.aliases.end()) out.push_back(&index);
  }
  std::sort(out.begin(), out.end(), [](const IndexMetadata* a, const IndexMetadata* b) { return a->name < b->name; });
  return out;
}

Result<const IndexMetadata*> ClusterStateSnapshot::WriteIndexOf(std::string_view name) const {
  if (const IndexMetadata* index = FindIndex(name)) return index;
  const std::vector<const IndexMetadata*> members = AliasIndices(name);
  if (members.empty()) return static_cast<const IndexMetadata*>(nullptr);
  const std::string alias(name);
  for (const IndexMetadata* index : members) {
    if (index->aliases.at(alias).is_write_index.value_or(false)) return index;
  }
  if (members.size() == 1 && members[0]->aliases.at(alias).is_write_index.value_or(true)) return members[0];
  return Status::InvalidArgument(
      "no write index is defined for alias [" + alias +
      "]. The write index may be explicitly disabled using is_write_index=false or the alias points to multiple "
      "indices without one being designated as a write index");
}

Result<const IndexMetadata*> ClusterStateSnapshot::SingleIndexOf(std::string_view name) const {
  if (const IndexMetadata* index = FindIndex(name)) return index;
  const std::vector<const IndexMetadata*> members = AliasIndices(name);
  if (members.empty()) return static_cast<const IndexMetadata*>(nullptr);
  if (members.size() == 1) return members[0];
  std::string list;
  for (const IndexMetadata* index : members) list += (list.empty() ? "" : ", ") + index->name;
  return Status::InvalidArgument("alias [" + std::string(name) + "] has more than one index associated with it [" +
                                 list + "], can't execute a single index op");
}

std::vector<const IndexMetadata*> ClusterStateSnapshot::IndicesByName() const {
  std::vector<const IndexMetadata*> out;
  out.reserve(indices.size());
  for (const auto& [uuid, index] : indices) out.push_back(&index);
  std::sort(out.begin(), out.end(), [](const IndexMetadata* a, const IndexMetadata* b) { return a->name < b->name; });
  return out;
}

constexpr uint32_t kMaxShards = 1024;  // as DecodeIndexMetadata accepts

Status PrepareNewIndex(IndexMetadata* metadata) {
  HOLDFAST_RETURN_IF_ERROR(ValidateIndexName(metadata->name));
  if (metadata->uuid.empty()) return Status::InvalidArgument("index [" + metadata->name + "] has no uuid");
  if (metadata->settings.number_of_shards == 0 || metadata->settings.number_of_shards > kMaxShards) {
    return Status::InvalidArgument("index [" + metadata->name + "]: number_of_shards must be between 1 and " +
                                   std::to_string(kMaxShards));
  }
  if (!metadata->mapping) metadata->mapping = std::make_shared<const mapping::Mapping>();
  return Status::OK();
}

Result<bool> CheckNewIndex(const ClusterStateSnapshot& state, const IndexMetadata& metadata, bool retry_is_ok) {
  const IndexMetadata* existing = state.FindIndex(metadata.name);
  if (existing == nullptr) existing = state.FindIndexByUuid(metadata.uuid);
  if (existing == nullptr) {
    if (!state.AliasIndices(metadata.name).empty()) {
      return Status::InvalidIndexName("Invalid index name [" + metadata.name + "], already exists as alias");
    }
    for (const auto& [alias, meta] : metadata.aliases) {
      HOLDFAST_RETURN_IF_ERROR(ValidateAliasName(state, alias));
      if (alias == metadata.name) {
        return Status::InvalidAliasName("Invalid alias name [" + alias +
                                        "]: an index or data stream exists with the same name as the alias");
      }
      if (!meta.is_write_index.value_or(false)) continue;
      for (const IndexMetadata* other : state.AliasIndices(alias)) {
        if (other->aliases.at(alias).is_write_index.value_or(false)) {
          return Status::FailedPrecondition("alias [" + alias + "] has more than one write index [" + other->name +
                                            "," + metadata.name + "]");
        }
      }
    }
    return true;
  }
  if (retry_is_ok && existing->uuid == metadata.uuid && existing->name == metadata.name) return false;
  return Status::ResourceAlreadyExists("index [" + existing->name + "/" + existing->uuid + "] already exists");
}

Status ValidateAliasName(const ClusterStateSnapshot& state, std::string_view alias) {
  if (Status valid = ValidateIndexName(alias); !valid.ok()) {
    // "Invalid index name [x], why" → "Invalid alias name [x]: why"
    const std::string& m = valid.message();
    const size_t why = m.find("], ");
    return Status::InvalidAliasName("Invalid alias name [" + std::string(alias) +
                                    "]: " + (why == std::string::npos ? m : m.substr(why + 3)));
  }
  if (state.FindIndex(alias) != nullptr) {
    return Status::InvalidAliasName("Invalid alias name [" + std::string(alias) +
                                    "]: an index or data stream exists with the same name as the alias");
  }
  return Status::OK();
}

Status ApplyIndexSettings(ClusterStateSnapshot* state, const std::vector<std::string>& index_uuids,
                          const IndexSettingsUpdate& update, int64_t now_ms) {
  for (const std::string& uuid : index_uuids) {
    auto it = state->indices.find(uuid);
    if (it == state->indices.end()) return Status::IndexNotFound("no such index [" + uuid + "]");
    IndexSettings& s = it->second.settings;
    if (update.refresh_interval) s.refresh_interval = *update.refresh_interval;
    if (update.max_result_window) s.max_result_window = *update.max_result_window;
    if (update.max_docvalue_fields_search) s.max_docvalue_fields_search = *update.max_docvalue_fields_search;
    if (update.max_terms_count) s.max_terms_count = *update.max_terms_count;
    if (update.node_left_delayed_timeout) s.node_left_delayed_timeout = *update.node_left_delayed_timeout;
    for (const auto& [key, value] : update.allocation_filters) {
      if (value && !value->empty()) {
        s.allocation_filters[key] = *value;
      } else {
        s.allocation_filters.erase(key);
      }
    }
    if (update.total_shards_per_node) s.total_shards_per_node = *update.total_shards_per_node;
    if (update.allocation_enable) s.allocation_enable = *update.allocation_enable;
    if (update.closed && *update.closed != it->second.closed) {
      it->second.closed = *update.closed;
      if (auto routing = state->routing.find(uuid); routing != state->routing.end()) {
        for (ShardRouting& shard : routing->second.shards) {
          for (ShardCopyRouting& copy : shard.copies) {
            if (copy.node_id.empty()) continue;  // unassigned copies wait as they were
            copy.state = *update.closed ? ShardCopyState::kClosed : ShardCopyState::kInitializing;
            copy.failure.clear();
            copy.relocating_node_id.clear();  // a move in progress is called off
            copy.relocation_id.clear();
          }
        }
      }
    }
    if (!update.number_of_replicas || *update.number_of_replicas == s.number_of_replicas) continue;
    s.number_of_replicas = *update.number_of_replicas;
    auto routing = state->routing.find(uuid);
    if (routing == state->routing.end()) continue;
    for (ShardRouting& shard : routing->second.shards) {
      size_t replicas = 0;
      for (const ShardCopyRouting& copy : shard.copies) replicas += !copy.primary;
      while (replicas < s.number_of_replicas) {
        ShardCopyRouting replica;
        replica.unassigned_reason = "REPLICA_ADDED";
        replica.unassigned_at_ms = now_ms;
        shard.copies.push_back(std::move(replica));
        ++replicas;
      }
      // Fewer: unassigned replicas first, then the last assigned ones.
      for (bool unassigned_pass : {true, false}) {
        for (size_t k = shard.copies.size(); k > 0 && replicas > s.number_of_replicas; --k) {
          const ShardCopyRouting& copy = shard.copies[k - 1];
          if (copy.primary || copy.node_id.empty() != unassigned_pass) continue;
          if (!copy.allocation_id.empty()) {
            shard.in_sync.erase(std::remove(shard.in_sync.begin(), shard.in_sync.end(), copy.allocation_id),
                                shard.in_sync.end());
          }
          shard.copies.erase(shard.copies.begin() + static_cast<ptrdiff_t>(k - 1));
          --replicas;
        }
      }
    }
  }
  return Status::OK();
}

namespace {

// The templates of `kind` in `state` (const or not).
template <typename State>
auto& TemplatesIn(State& state, TemplateKind kind) {
  switch (kind) {
    case TemplateKind::kIndex: return state.index_templates;
    case TemplateKind::kComponent: return state.component_templates;
    case TemplateKind::kLegacy: break;
  }
  return state.legacy_templates;
}

}  // namespace

std::map<std::string, std::string>& TemplatesOf(ClusterStateSnapshot* state, TemplateKind kind) {
  return TemplatesIn(*state, kind);
}

const std::map<std::string, std::string>& TemplatesOf(const ClusterStateSnapshot& state, TemplateKind kind) {
  return TemplatesIn(state, kind);
}

const char* TemplateKindName(TemplateKind kind) {
  switch (kind) {
    case TemplateKind::kIndex: return "index";
    case TemplateKind::kComponent: return "component";
    case TemplateKind::kLegacy: break;
  }
  return "legacy";
}

std::optional<TemplateKind> TemplateKindFromName(std::string_view name) {
  for (TemplateKind kind : {TemplateKind::kIndex, TemplateKind::kComponent, TemplateKind::kLegacy}) {
    if (name == TemplateKindName(kind)) return kind;
  }
  return std::nullopt;
}

bool ApplyTemplateChanges(ClusterStateSnapshot* state, TemplateKind kind, const TemplateChanges& changes) {
  std::map<std::string, std::string>& templates = TemplatesOf(state, kind);
  bool changed = false;
  for (const auto& [name, json] : changes) {
    auto it = templates.find(name);
    if (!json) {
      if (it != templates.end()) {
        templates.erase(it);
        changed = true;
      }
    } else if (it == templates.end() || it->second != *json) {
      templates[name] = *json;
      changed = true;
    }
  }
  return changed;
}

Status ApplyAliasActions(ClusterStateSnapshot* state, const std::vector<AliasAction>& actions) {
  auto find = [&](const std::string& name) -> IndexMetadata* {
    const IndexMetadata* index = state->FindIndex(name);
    return index == nullptr ? nullptr : &state->indices.at(index->uuid);
  };
  for (const AliasAction& action : actions) {
    if (action.kind == AliasAction::Kind::kRemoveIndex) {
      auto removed = RemoveIndex(state, action.index);
      if (!removed.ok()) return removed.status();
      continue;
    }
    IndexMetadata* index = find(action.index);
    if (index == nullptr) return Status::IndexNotFound("no such index [" + action.index + "]");
    if (action.kind == AliasAction::Kind::kAdd) {
      HOLDFAST_RETURN_IF_ERROR(ValidateAliasName(*state, action.alias));
      index->aliases[action.alias] = action.metadata;
    } else if (index->aliases.erase(action.alias) == 0 && action.must_exist) {
      return Status::AliasesNotFound("aliases [" + action.alias + "] missing");
    }
  }
  // At most one write index per alias.
  std::map<std::string, std::vector<std::string>> writers;
  for (const IndexMetadata* index : state->IndicesByName()) {
    for (const auto& [alias, meta] : index->aliases) {
      if (meta.is_write_index.value_or(false)) writers[alias].push_back(index->name);
    }
  }
  for (const auto& [alias, names] : writers) {
    if (names.size() < 2) continue;
    std::string list;
    for (const std::string& n : names) list += (list.empty() ? "" : ",") + n;
    return Status::FailedPrecondition("alias [" + alias + "] has more than one write index [" + list + "]");
  }
  return Status::OK();
}

Result<std::string> RemoveIndex(ClusterStateSnapshot* state, std::string_view name) {
  const IndexMetadata* index = state->FindIndex(name);
  if (index == nullptr) return Status::IndexNotFound("no such index [" + std::string(name) + "]");
  const std::string uuid = index->uuid;
  state->indices.erase(uuid);
  state->routing.erase(uuid);
  return uuid;
}

Result<bool> MergeIndexMapping(ClusterStateSnapshot* state, std::string_view index_uuid,
                               const mapping::MappingUpdate& update, std::shared_ptr<const mapping::Mapping>* merged) {
  auto it = state->indices.find(std::string(index_uuid));
  if (it == state->indices.end()) return Status::IndexNotFound("no such index [" + std::string(index_uuid) + "]");
  IndexMetadata& index = it->second;
  auto next = index.mapping->Merge(update);
  if (!next.ok()) return next.status();
  if (mapping::MappingToJson(*next.value()) == mapping::MappingToJson(*index.mapping)) {
    *merged = index.mapping;  // already merged (by another writer)
    return false;
  }
  index.mapping = std::move(next).value();
  *merged = index.mapping;
  return true;
}

}  // namespace holdfast
