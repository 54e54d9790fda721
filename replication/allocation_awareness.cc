#include "replication/allocation_awareness.h"

#include "index/util/comma_list.h"

namespace holdfast {

namespace {

constexpr char kForcePrefix[] = "cluster.routing.allocation.awareness.force.";
constexpr char kForceSuffix[] = ".values";

const std::string* AttributeOf(const ClusterStateSnapshot& state, const std::string& node, const std::string& name) {
  auto n = state.nodes.find(node);
  if (n == state.nodes.end()) return nullptr;
  auto a = n->second.attributes.find(name);
  return a == n->second.attributes.end() ? nullptr : &a->second;
}

}  // namespace

bool IsNodeAttributeName(const std::string& name) {
  if (name.empty() || name.size() > 64 || name[0] == '_') return false;  // _name, _id, ...: the built-in ones
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool IsForcedAwarenessSetting(const std::string& key) {
  const std::string prefix = kForcePrefix, suffix = kForceSuffix;
  if (key.size() <= prefix.size() + suffix.size() || key.compare(0, prefix.size(), prefix) != 0 ||
      key.compare(key.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return false;
  }
  return IsNodeAttributeName(key.substr(prefix.size(), key.size() - prefix.size() - suffix.size()));
}

AllocationAwareness AllocationAwareness::Of(const ClusterStateSnapshot& state) {
  AllocationAwareness a;
  auto setting = state.settings.find(kAwarenessAttributesSetting);
  if (setting == state.settings.end()) return a;
  for (const std::string& name : SplitCommaList(setting->second)) {
    if (a.values_.count(name)) continue;
    a.attributes_.push_back(name);
    std::set<std::string>& values = a.values_[name];
    for (const auto& [id, node] : state.nodes) {
      auto v = node.attributes.find(name);
      if (v != node.attributes.end()) values.insert(v->second);
    }
    auto forced = state.settings.find(kForcePrefix + name + kForceSuffix);
    if (forced != state.settings.end()) {
      for (const std::string& value : SplitCommaList(forced->second)) values.insert(value);
    }
  }
  return a;
}

std::string AllocationAwareness::Refusal(const ClusterStateSnapshot& state, const ShardRouting* shard,
                                         const std::string& node, const std::string& leaving) const {
  for (const std::string& name : attributes_) {
    const std::string* value = AttributeOf(state, node, name);
    if (value == nullptr) {
      return "the node has no attribute [" + name + "], which cluster.routing.allocation.awareness.attributes names";
    }
    if (shard == nullptr) continue;
    // The copies the shard will have where this one goes: relocation
    // targets count, their sources and the copy leaving `leaving` do not.
    size_t here = 1;
    for (const ShardCopyRouting& copy : shard->copies) {
      const std::string& at = !copy.relocating_node_id.empty() ? copy.relocating_node_id : copy.node_id;
      if (at.empty() || (at == leaving && copy.relocating_node_id.empty())) continue;
      const std::string* v = AttributeOf(state, at, name);
      if (v != nullptr && *v == *value) ++here;
    }
    const size_t copies = shard->copies.size();
    const size_t values = values_.at(name).size();
    const size_t most = (copies + values - 1) / values;
    if (here > most) {
      return "there are " + std::to_string(copies) + " copies of this shard and " + std::to_string(values) +
             " values of awareness attribute [" + name + "]; [" + name + ":" + *value + "] would hold " +
             std::to_string(here) + " of them, more than the " + std::to_string(most) + " each value may hold";
    }
  }
  return "";
}

}  // namespace holdfast
