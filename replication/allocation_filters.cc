#include "replication/allocation_filters.h"

#include <string_view>
#include <vector>

#include "index/util/comma_list.h"
#include "index/util/glob.h"
#include "replication/allocation_awareness.h"

namespace holdfast {

namespace {

constexpr char kPrefix[] = "cluster.routing.allocation.";

struct Filter {
  std::string op;         // include | exclude | require
  std::string attribute;  // _name, zone, ...
  std::string setting;    // the whole key and its value, for reasons
  std::vector<std::string> values;
};

bool BuiltIn(const std::string& attribute) {
  return attribute == "_name" || attribute == "_id" || attribute == "_host" || attribute == "_ip";
}

// The host of a "host:port" or "[v6]:port" address.
std::string HostOf(const std::string& address) {
  std::string host = address.substr(0, address.rfind(':'));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return host;
}

// The node's value of `attribute`; false when it has none.
bool ValueOf(const ClusterNode& node, const std::string& attribute, std::string* out) {
  if (attribute == "_name") {
    *out = node.name;
  } else if (attribute == "_id") {
    *out = node.node_id;
  } else if (attribute == "_host" || attribute == "_ip") {
    *out = HostOf(node.http_address);
  } else {
    auto a = node.attributes.find(attribute);
    if (a == node.attributes.end()) return false;
    *out = a->second;
  }
  return true;
}

bool MatchesAny(const ClusterNode& node, const Filter& f) {
  std::string value;
  if (!ValueOf(node, f.attribute, &value)) return false;
  for (const std::string& pattern : f.values) {
    if (GlobMatch(pattern, value)) return true;
  }
  return false;
}

bool MatchesAll(const ClusterNode& node, const Filter& f) {
  std::string value;
  if (!ValueOf(node, f.attribute, &value)) return false;
  for (const std::string& pattern : f.values) {
    if (!GlobMatch(pattern, value)) return false;
  }
  return true;
}

// "exclude.zone" → op "exclude", attribute "zone".
bool SplitName(const std::string& rest, std::string* op, std::string* attribute) {
  const size_t dot = rest.find('.');
  if (dot == std::string::npos) return false;
  *op = rest.substr(0, dot);
  *attribute = rest.substr(dot + 1);
  if (*op != "include" && *op != "exclude" && *op != "require") return false;
  return BuiltIn(*attribute) || IsNodeAttributeName(*attribute);
}

// "<prefix>exclude.zone" → "exclude.zone".
bool FilterName(const std::string& key, std::string_view prefix, std::string* name) {
  if (key.compare(0, prefix.size(), prefix) != 0) return false;
  *name = key.substr(prefix.size());
  std::string op, attribute;
  return SplitName(*name, &op, &attribute);
}

}  // namespace

bool IsAllocationFilterSetting(const std::string& key) {
  std::string name;
  return FilterName(key, kPrefix, &name);
}

bool IndexAllocationFilterName(const std::string& key, std::string* name) {
  return FilterName(key, kIndexAllocationPrefix, name);
}

std::map<std::string, std::string> FilteredOutNodes(const ClusterStateSnapshot& state) {
  std::map<std::string, std::string> filters;
  for (const auto& [key, value] : state.settings) {
    if (std::string name; FilterName(key, kPrefix, &name)) filters.emplace(std::move(name), value);
  }
  return FilteredOutNodes(state, filters, kPrefix);
}

std::map<std::string, std::string> FilteredOutNodes(const ClusterStateSnapshot& state,
                                                    const std::map<std::string, std::string>& settings,
                                                    const std::string& prefix) {
  std::vector<Filter> filters;
  for (const auto& [name, value] : settings) {
    Filter f;
    if (!SplitName(name, &f.op, &f.attribute)) continue;
    f.values = SplitCommaList(value);
    if (f.values.empty()) continue;
    f.setting = prefix + name + " [" + value + "]";
    filters.push_back(std::move(f));
  }
  std::map<std::string, std::string> out;
  if (filters.empty()) return out;
  for (const auto& [id, node] : state.nodes) {
    std::string why;
    bool has_include = false, included = false;
    std::string includes;
    for (const Filter& f : filters) {
      if (f.op == "require" && !MatchesAll(node, f)) {
        why = "the node does not match " + f.setting;
      } else if (f.op == "exclude" && MatchesAny(node, f)) {
        why = "the node matches " + f.setting;
      } else if (f.op == "include") {
        has_include = true;
        included = included || MatchesAny(node, f);
        includes += (includes.empty() ? "" : ", ") + f.setting;
      }
      if (!why.empty()) break;
    }
    if (why.empty() && has_include && !included) why = "the node matches none of " + includes;
    if (!why.empty()) out[id] = why;
  }
  return out;
}

}  // namespace holdfast
