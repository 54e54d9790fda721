#include "server/index_registry.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <set>

#include "lifecycle/uuid.h"
#include "server/source_filter.h"

namespace holdfast {

namespace {

constexpr char kIndicesKey[] = "indices";  // node store: {"name": "uuid", ...}

}  // namespace

Status ValidateIndexName(std::string_view name) {
  auto invalid = [&](const std::string& why) {
    return Status::InvalidIndexName("Invalid index name [" + std::string(name) + "], " + why);
  };
  if (name.empty()) return invalid("must not be empty");
  if (name.size() > 255) return invalid("index name is too long, (" + std::to_string(name.size()) + " > 255)");
  if (name == "." || name == "..") return invalid("must not be '.' or '..'");
  if (name[0] == '-' || name[0] == '_' || name[0] == '+') return invalid("must not start with '_', '-', or '+'");
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') return invalid("must be lowercase");
    if (std::string_view("\\/*?\"<>| ,#:").find(c) != std::string_view::npos || static_cast<unsigned char>(c) < 0x20) {
      return invalid("must not contain the following characters [ , \", *, \\, <, |, ,, >, /, ?, #, :]");
    }
  }
  return Status::OK();
}

Result<std::unique_ptr<IndexRegistry>> IndexRegistry::Open(const std::string& indices_dir, NodeStore* node_store,
                                                           LocalIndexOptions options) {
  std::unique_ptr<IndexRegistry> r(new IndexRegistry(indices_dir, node_store, options));
  std::map<std::string, std::string> recorded;  // name → uuid
  auto stored = node_store->Get(kIndicesKey);
  if (stored.ok()) {
    rapidjson::Document d;
    d.Parse(stored.value().c_str());
    if (d.HasParseError() || !d.IsObject()) return Status::Corruption("node store: the index list is not a JSON object");
    for (auto& m : d.GetObject()) {
      if (m.value.IsString()) recorded[m.name.GetString()] = m.value.GetString();
    }
  } else if (stored.status().code() != StatusCode::kNotFound) {
    return stored.status();
  }
  std::set<std::string> uuids;
  for (const auto& [name, uuid] : recorded) {
    if (!IsUuid(uuid)) return Status::Corruption("node store: index [" + name + "] has a bad uuid");
    auto index = LocalIndex::Open(indices_dir + "/" + uuid, options);
    if (!index.ok()) {
      return Status(index.status().code(), "index [" + name + "]: " + index.status().message());
    }
    spdlog::info("opened index [{}] ({} shards, {} docs)", name, (*index)->num_shards(), (*index)->Stats().docs);
    r->indices_.emplace(name, std::move(index).value());
    uuids.insert(uuid);
  }
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(indices_dir, ec)) {
    const std::string name = e.path().filename().string();
    if (!uuids.count(name)) {
      spdlog::warn("removing {}: no index is recorded for it (left by an interrupted create or delete)", e.path().string());
      std::filesystem::remove_all(e.path(), ec);
    }
  }
  return r;
}

IndexRegistry::~IndexRegistry() = default;

Status IndexRegistry::PersistNames() {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  for (const auto& [name, index] : indices_) {
    w.Key(name.c_str());
    w.String(index->uuid().c_str());
  }
  w.EndObject();
  return node_store_->Put(kIndicesKey, std::string(buf.GetString(), buf.GetSize()));
}

Result<std::shared_ptr<LocalIndex>> IndexRegistry::Create(const std::string& name, IndexSettings settings,
                                                           std::shared_ptr<const mapping::Mapping> mapping) {
  HOLDFAST_RETURN_IF_ERROR(ValidateIndexName(name));
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = indices_.find(name); it != indices_.end()) {
    return Status::ResourceAlreadyExists("index [" + name + "/" + it->second->uuid() + "] already exists");
  }
  IndexMetadata meta;
  meta.name = name;
  meta.uuid = NewUuid();
  meta.creation_date_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch()).count();
  meta.settings = settings;
  meta.mapping = mapping ? mapping : std::make_shared<const mapping::Mapping>();
  auto index = LocalIndex::Create(dir_ + "/" + meta.uuid, meta, options_);
  if (!index.ok()) return index.status();
  std::shared_ptr<LocalIndex> shared = std::move(index).value();
  indices_.emplace(name, shared);
  Status s = PersistNames();
  if (!s.ok()) {
    indices_.erase(name);
    return s;
  }
  return shared;
}

Status IndexRegistry::Delete(const std::string& name) {
  std::shared_ptr<LocalIndex> index;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = indices_.find(name);
    if (it == indices_.end()) {
      return Status::IndexNotFound("no such index [" + name + "]");
    }
    index = it->second;
    indices_.erase(it);
    Status s = PersistNames();
    if (!s.ok()) {
      indices_.emplace(name, index);
      return s;
    }
  }
  // The directory goes with the last reference: requests in flight finish first.
  index->RemoveFilesWhenClosed();
  return Status::OK();
}

std::shared_ptr<LocalIndex> IndexRegistry::Get(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = indices_.find(name);
  return it == indices_.end() ? nullptr : it->second;
}

Result<std::vector<std::string>> IndexRegistry::Resolve(std::string_view expression) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::set<std::string> out;
  if (expression.empty() || expression == "_all" || expression == "*") {
    for (const auto& [name, index] : indices_) out.insert(name);
    return std::vector<std::string>(out.begin(), out.end());
  }
  size_t start = 0;
  while (start <= expression.size()) {
    size_t comma = expression.find(',', start);
    std::string_view part = expression.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    start = comma == std::string_view::npos ? expression.size() + 1 : comma + 1;
    if (part.empty()) continue;
    if (part.find('*') != std::string_view::npos) {
      for (const auto& [name, index] : indices_) {
        if (SourceFilter::GlobMatch(part, name)) out.insert(name);
      }
    } else if (indices_.count(part)) {
      out.insert(std::string(part));
    } else {
      return Status::IndexNotFound("no such index [" + std::string(part) + "]");
    }
  }
  return std::vector<std::string>(out.begin(), out.end());
}

std::vector<std::shared_ptr<LocalIndex>> IndexRegistry::All() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::shared_ptr<LocalIndex>> out;
  for (const auto& [name, index] : indices_) out.push_back(index);
  return out;
}

Status IndexRegistry::CloseAll() {
  Status first;
  for (const auto& index : All()) {
    Status s = index->Close();
    if (!s.ok() && first.ok()) first = s;
  }
  return first;
}

}  // namespace holdfast
