#include "index/mapping/mapping.h"

#include <algorithm>
#include <string>

#include "index/mapping/mapping_error.h"

namespace holdfast::mapping {
namespace {

size_t PathDepth(std::string_view path) {
  return 1 + static_cast<size_t>(std::count(path.begin(), path.end(), '.'));
}

Status CheckPathSyntax(std::string_view path) {
  if (path.empty()) return MapperParsingError("field name cannot be an empty string");
  if (path.front() == '.' || path.back() == '.' || path.find("..") != std::string_view::npos) {
    return MapperParsingError("field name [" + std::string(path) +
                              "] cannot contain empty path segments");
  }
  return Status::OK();
}

// A field defined again must keep its declared type and the parameters that
// decide how its values are stored.
Status CheckRedefinition(std::string_view path, const FieldMapping& from, const FieldMapping& to) {
  if (DeclaredTypeName(from) != DeclaredTypeName(to)) {
    return IllegalArgumentError("mapper [" + std::string(path) + "] cannot be changed from type [" +
                                std::string(DeclaredTypeName(from)) + "] to [" +
                                std::string(DeclaredTypeName(to)) + "]");
  }
  auto conflict = [&](std::string_view param, std::string_view a, std::string_view b) {
    return IllegalArgumentError("Mapper for [" + std::string(path) + "] conflicts with existing mapper:\n\t" +
                                "Cannot update parameter [" + std::string(param) + "] from [" +
                                std::string(a) + "] to [" + std::string(b) + "]");
  };
  auto text = [](bool b) { return b ? "true" : "false"; };
  if (from.index != to.index) return conflict("index", text(from.index), text(to.index));
  if (from.doc_values != to.doc_values) {
    return conflict("doc_values", text(from.doc_values), text(to.doc_values));
  }
  if (from.store != to.store) return conflict("store", text(from.store), text(to.store));
  if (from.scaling_factor != to.scaling_factor) {
    return conflict("scaling_factor", std::to_string(from.scaling_factor), std::to_string(to.scaling_factor));
  }
  if (from.null_value != to.null_value) {
    return conflict("null_value", from.null_value ? from.null_value->text : "null",
                    to.null_value ? to.null_value->text : "null");
  }
  return Status::OK();
}

}  // namespace

Result<Mapping> Mapping::Create(const MappingOptions& options, const MappingUpdate& fields) {
  Mapping mapping(options);
  HOLDFAST_RETURN_IF_ERROR(mapping.Apply(fields));
  return mapping;
}

const MappedField* Mapping::Find(std::string_view path) const {
  auto it = fields_.find(path);
  return it == fields_.end() ? nullptr : &it->second;
}

std::vector<std::pair<std::string_view, const MappedField*>> Mapping::SortedFields() const {
  std::vector<std::pair<std::string_view, const MappedField*>> sorted;
  sorted.reserve(fields_.size());
  for (const auto& [path, field] : fields_) sorted.emplace_back(path, &field);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return sorted;
}

MappingUpdate Mapping::ToUpdate() const {
  MappingUpdate update;
  for (const auto& [path, field] : SortedFields()) {
    if (!field->is_multi_field) update.fields.emplace_back(std::string(path), field->mapping);
  }
  return update;
}

Result<std::shared_ptr<const Mapping>> Mapping::Merge(const MappingUpdate& update) const {
  auto merged = std::make_shared<Mapping>(*this);
  HOLDFAST_RETURN_IF_ERROR(merged->Apply(update));
  return std::shared_ptr<const Mapping>(std::move(merged));
}

Status Mapping::Apply(const MappingUpdate& update) {
  size_t before = fields_.size();
  for (const auto& [path, field] : update.fields) {
    HOLDFAST_RETURN_IF_ERROR(AddField(path, field));
  }
  if (fields_.size() > options_.limits.total_fields_limit) {
    return IllegalArgumentError("Limit of total fields [" +
                                std::to_string(options_.limits.total_fields_limit) +
                                "] has been exceeded while adding new fields [" +
                                std::to_string(fields_.size() - before) + "]");
  }
  return Status::OK();
}

Status Mapping::AddField(const std::string& path, const FieldMapping& field) {
  HOLDFAST_RETURN_IF_ERROR(CheckPathSyntax(path));
  if (PathDepth(path) > options_.limits.depth_limit) {
    return IllegalArgumentError("Limit of mapping depth [" +
                                std::to_string(options_.limits.depth_limit) +
                                "] has been exceeded due to object field [" + path + "]");
  }
  HOLDFAST_RETURN_IF_ERROR(EnsureParents(path));
  auto it = fields_.find(path);
  if (it == fields_.end()) {
    fields_.emplace(path, MappedField{field, false});
    return AddMultiFields(path, field);
  }
  const MappedField& existing = it->second;
  if (existing.is_multi_field) {
    return IllegalArgumentError("field [" + path + "] is a multi-field of its parent and cannot be "
                                "redefined as a field of its own");
  }
  HOLDFAST_RETURN_IF_ERROR(CheckRedefinition(path, existing.mapping, field));
  if (field.type == FieldType::kText && existing.mapping.analyzer != field.analyzer) {
    return IllegalArgumentError("Cannot update parameter [analyzer] from [" +
                                std::string(AnalyzerName(existing.mapping.analyzer)) + "] to [" +
                                std::string(AnalyzerName(field.analyzer)) + "]");
  }
  return AddMultiFields(path, field);
}

Status Mapping::EnsureParents(std::string_view path) {
  for (size_t dot = path.find('.'); dot != std::string_view::npos; dot = path.find('.', dot + 1)) {
    std::string_view parent = path.substr(0, dot);
    auto it = fields_.find(parent);
    if (it == fields_.end()) {
      fields_.emplace(std::string(parent), MappedField{FieldMapping::Of(FieldType::kObject), false});
    } else if (it->second.mapping.type != FieldType::kObject || it->second.is_multi_field) {
      return IllegalArgumentError(
          "Could not add mapping for field [" + std::string(path) + "]. Existing mapping for [" +
          std::string(parent) + "] must be of type object but found [" +
          std::string(FieldTypeName(it->second.mapping.type)) + "]");
    }
  }
  return Status::OK();
}

// Adds the entries "<path>.<name>" for the multi-fields of `field` that are not
// there yet, and records them in the parent's definition.
Status Mapping::AddMultiFields(const std::string& path, const FieldMapping& field) {
  for (const MultiField& multi : field.multi_fields) {
    std::string full = path + "." + multi.name;
    auto it = fields_.find(full);
    if (it != fields_.end()) {
      HOLDFAST_RETURN_IF_ERROR(CheckRedefinition(full, it->second.mapping, multi.mapping));
      continue;
    }
    fields_.emplace(full, MappedField{multi.mapping, true});
    FieldMapping& parent = fields_.find(path)->second.mapping;
    bool listed = std::any_of(parent.multi_fields.begin(), parent.multi_fields.end(),
                              [&](const MultiField& m) { return m.name == multi.name; });
    if (!listed) parent.multi_fields.push_back(multi);
  }
  return Status::OK();
}

}  // namespace holdfast::mapping
