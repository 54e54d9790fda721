// Mapping: the schema of one index — field path → FieldMapping — plus the
// dynamic-mapping settings that decide what happens to fields it does not know.
//
// Objects are flattened: {"user": {"properties": {"name": {...}}}} is held as
// the entries "user" (kObject) and "user.name". Every proper prefix of a path
// at a '.' is an object entry. Multi-fields are entries too ("title.keyword",
// flagged is_multi_field) so that queries find them by path.
//
// A Mapping is immutable once built and safe to read from any thread. Changes
// are copy-on-write: Merge() returns a new Mapping, and the owner swaps its
// std::shared_ptr<const Mapping>; readers keep the snapshot they started with.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "index/mapping/field_type.h"
#include "index/util/status.h"

namespace holdfast::mapping {

// Index settings that bound a mapping (Elasticsearch's index.mapping.* limits).
struct MappingLimits {
  size_t depth_limit = 20;           // index.mapping.depth.limit: object levels of a path
  size_t total_fields_limit = 1000;  // index.mapping.total_fields.limit: all entries
};

struct MappingOptions {
  DynamicMode dynamic = DynamicMode::kTrue;
  bool date_detection = true;
  bool numeric_detection = false;
  // `_routing: {"required": true}`: every write and get must give a routing
  // value (routing_missing_exception otherwise; checked by the coordinator).
  bool routing_required = false;
  MappingLimits limits;
};

// New fields to add to a mapping, by full dotted path, parents before children.
// Produced by document parsing (dynamic mapping) or by a mapping definition.
struct MappingUpdate {
  std::vector<std::pair<std::string, FieldMapping>> fields;

  bool empty() const { return fields.empty(); }
};

// One entry of the flat index.
struct MappedField {
  FieldMapping mapping;
  bool is_multi_field = false;  // defined in its parent's `fields`, not in `properties`
};

class Mapping {
 public:
  // An empty mapping with default options (dynamic: true).
  Mapping() = default;
  explicit Mapping(MappingOptions options) : options_(options) {}

  // Builds a mapping holding `fields` (see Merge for the rules applied).
  static Result<Mapping> Create(const MappingOptions& options, const MappingUpdate& fields);

  const MappingOptions& options() const { return options_; }
  DynamicMode dynamic() const { return options_.dynamic; }
  bool date_detection() const { return options_.date_detection; }
  bool numeric_detection() const { return options_.numeric_detection; }
  bool routing_required() const { return options_.routing_required; }
  const MappingLimits& limits() const { return options_.limits; }

  // The entry at `path` ("user.name", "title.keyword"), or nullptr.
  const MappedField* Find(std::string_view path) const;
  // Number of entries, as counted against total_fields_limit (objects and
  // multi-fields included, like Elasticsearch).
  size_t total_fields() const { return fields_.size(); }
  // Every entry, sorted by path (a parent sorts before its children).
  std::vector<std::pair<std::string_view, const MappedField*>> SortedFields() const;
  // The fields of this mapping as an update (multi-fields stay inside their parent).
  MappingUpdate ToUpdate() const;

  // Returns a new Mapping with `update` applied; this one is unchanged.
  // - A new path is added, with any missing parent objects.
  // - A path that exists with the same type keeps its parameters; new multi-fields
  //   are added to it.
  // - A different type is refused: illegal_argument_exception
  //   "mapper [x] cannot be changed from type [long] to [text]"; so is a changed
  //   analyzer, or a parent that is not an object.
  // - Exceeding total_fields_limit or depth_limit is refused (illegal_argument_exception).
  Result<std::shared_ptr<const Mapping>> Merge(const MappingUpdate& update) const;

 private:
  struct PathHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using FieldMap = std::unordered_map<std::string, MappedField, PathHash, std::equal_to<>>;

  Status Apply(const MappingUpdate& update);
  Status AddField(const std::string& path, const FieldMapping& field);
  Status EnsureParents(std::string_view path);
  Status AddMultiFields(const std::string& path, const FieldMapping& field);

  MappingOptions options_;
  FieldMap fields_;
};

}  // namespace holdfast::mapping
