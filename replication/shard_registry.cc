#include "replication/shard_registry.h"

#include <filesystem>
#include <set>

namespace holdfast {

// The mapping of one index as the cluster state has it: Current() is the
// last mapping seen (cheap), Apply() merges through the cluster state.
class ShardRegistry::IndexMappings final : public MappingSource {
 public:
  IndexMappings(ClusterState* state, std::string uuid, std::shared_ptr<const mapping::Mapping> current)
      : state_(state), uuid_(std::move(uuid)), current_(std::move(current)) {}

  std::shared_ptr<const mapping::Mapping> Current() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return current_;
  }

  Result<std::shared_ptr<const mapping::Mapping>> Apply(const mapping::MappingUpdate& update) override {
    auto merged = state_->PutMapping(uuid_, update);
    if (!merged.ok()) return merged.status();
    Observe(merged.value());
    return merged;
  }

  // A newer mapping from the cluster state (or from Apply).
  void Observe(const std::shared_ptr<const mapping::Mapping>& mapping) {
    if (!mapping) return;
    std::lock_guard<std::mutex> lock(mu_);
    current_ = mapping;
  }

 private:
  ClusterState* const state_;
  const std::string uuid_;
  mutable std::mutex mu_;
  std::shared_ptr<const mapping::Mapping> current_;
};

Result<std::unique_ptr<ShardRegistry>> ShardRegistry::Open(ShardRegistryOptions options, ClusterState* state) {
  std::unique_ptr<ShardRegistry> r(new ShardRegistry(std::move(options), state));
  std::error_code ec;
  std::filesystem::create_directories(r->options_.indices_dir, ec);
  if (ec) return Status::IOError("cannot create " + r->options_.indices_dir + ": " + ec.message());
  ShardRegistry* self = r.get();
  r->watch_ = state->Watch([self](const ClusterStatePtr& s) { self->Converge(s); });
  ClusterStatePtr current = state->Current();
  r->RemoveUnownedDirectories(*current);
  r->Converge(current);
  return r;
}

ShardRegistry::~ShardRegistry() { watch_.reset(); }

std::shared_ptr<ShardCopy> ShardRegistry::Get(const ShardId& id) const {
  std::unique_lock<std::mutex> lock(mu_);
  // Almost always empty: only a copy being reopened (a full disk freed) waits.
  if (!reopening_.empty()) {
    reopened_.wait_for(lock, std::chrono::seconds(30), [&] { return reopening_.count(id) == 0; });
  }
  auto it = copies_.find(id);
  return it == copies_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<ShardCopy>> ShardRegistry::All() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::shared_ptr<ShardCopy>> out;
  out.reserve(copies_.size());
  for (const auto& [id, copy] : copies_) out.push_back(copy);
  return out;
}

Status ShardRegistry::CloseAll() {
  watch_.reset();  // waits for a convergence in progress
  std::map<ShardId, std::shared_ptr<ShardCopy>> copies;
  {
    std::lock_guard<std::mutex> converge(converge_mu_);
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    copies.swap(copies_);
  }
  Status first;
  for (auto& [id, copy] : copies) {
    Status s = copy->Close();
    if (!s.ok() && first.ok()) first = Status(s.code(), "closing shard " + id.ToString() + ": " + s.message());
  }
  return first;
}

std::shared_ptr<MappingSource> ShardRegistry::MappingsFor(const IndexMetadata& index) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = mappings_[index.uuid];
  if (!slot) slot = std::make_shared<IndexMappings>(state_, index.uuid, index.mapping);
  slot->Observe(index.mapping);
  return slot;
}

void ShardRegistry::RemoveUnownedDirectories(const ClusterStateSnapshot& state) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(options_.indices_dir, ec)) {
    const std::string name = e.path().filename().string();
    if (state.indices.count(name)) continue;
    std::filesystem::remove_all(e.path(), ec);
  }
}

void ShardRegistry::Converge(const ClusterStatePtr& state) {
  std::lock_guard<std::mutex> converge(converge_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
  }
  struct Wanted {
    const IndexMetadata* index;
    const ShardRouting* shard;
    const ShardCopyRouting* copy;
  };
  std::map<ShardId, Wanted> wanted;
  for (const auto& [uuid, routing] : state->routing) {
    const IndexMetadata* index = state->FindIndexByUuid(uuid);
    if (index == nullptr) continue;
    for (const ShardRouting& shard : routing.shards) {
      for (const ShardCopyRouting& copy : shard.copies) {
        if (copy.node_id != options_.node_id || copy.state == ShardCopyState::kUnassigned ||
            copy.state == ShardCopyState::kClosed) {
          continue;
        }
        // A failed copy stays open if it is (for /_lifecycle/status and its
        // reason; the routing table keeps requests away), but is not reopened.
        const ShardId id{uuid, shard.shard};
        if (copy.state == ShardCopyState::kFailed && !Get(id)) continue;
        wanted[id] = Wanted{index, &shard, &copy};
      }
    }
  }
  // Copies no longer wanted here: close; delete the files of deleted indices.
  std::vector<std::shared_ptr<ShardCopy>> gone;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = copies_.begin(); it != copies_.end();) {
      auto w = wanted.find(it->first);
      if (w != wanted.end() && w->second.copy->allocation_id == it->second->allocation_id()) {
        ++it;
        continue;
      }
      if (!state->indices.count(it->first.index_uuid)) it->second->RemoveFilesWhenClosed();
      gone.push_back(std::move(it->second));
      it = copies_.erase(it);
    }
    for (auto it = mappings_.begin(); it != mappings_.end();) {
      it = state->indices.count(it->first) ? std::next(it) : mappings_.erase(it);
    }
  }
  for (auto& copy : gone) (void)copy->Close();  // the files of a deleted index need no flush to be right
  // Copies wanted here: open the missing ones, report the opened ones started.
  for (const auto& [id, w] : wanted) {
    if (w.index != nullptr) MappingsFor(*w.index);
    std::shared_ptr<ShardCopy> open = Get(id);
    if (!open) {
      ShardCopyOptions o;
      o.id = id;
      o.index_name = w.index->name;
      o.dir = options_.indices_dir + "/" + id.index_uuid + "/" + std::to_string(id.shard);
      o.allocation_id = w.copy->allocation_id;
      o.primary = w.copy->primary;
      o.primary_term = w.shard->primary_term;
      o.sole_copy = w.shard->in_sync.size() <= 1;
      o.on_failure = [log = options_.on_failure, state = state_, allocation = w.copy->allocation_id](
                         const ShardId& shard, const Status& failure) {
        if (log) log(shard, failure);
        // Out of space: still serving reads, reopened once there is room.
        if (failure.code() == StatusCode::kNoSpace) return;
        // Best effort: the report may fail too (the same disk); the copy
        // refuses writes either way.
        (void)state->UpdateShardCopy(shard, allocation, ShardCopyState::kFailed, failure.ToString());
      };
      o.engine = options_.engine;
      o.engine.durability = w.index->settings.durability;
      o.engine.refresh_interval = w.index->settings.refresh_interval;
      o.recommend = w.index->settings.recommend;
      o.mappings = MappingsFor(*w.index);
      auto opened = ShardCopy::Open(std::move(o));
      if (!opened.ok()) {
        if (options_.on_failure) options_.on_failure(id, opened.status());
        // Best effort: if the state cannot take the report, the copy stays
        // initializing there, which is just as red.
        (void)state_->UpdateShardCopy(id, w.copy->allocation_id, ShardCopyState::kFailed, opened.status().message());
        continue;
      }
      std::lock_guard<std::mutex> lock(mu_);
      open = copies_.emplace(id, std::shared_ptr<ShardCopy>(std::move(opened).value())).first->second;
    }
    if (w.copy->state == ShardCopyState::kInitializing) {
      Status s = state_->UpdateShardCopy(id, w.copy->allocation_id, ShardCopyState::kStarted, "");
      if (!s.ok() && options_.on_failure) options_.on_failure(id, s);
    }
  }
}

size_t ShardRegistry::ReopenCopiesOutOfSpace(std::chrono::milliseconds retry_after) {
  std::lock_guard<std::mutex> converge(converge_mu_);  // no Converge opens or closes copies meanwhile
  const auto now = std::chrono::steady_clock::now();
  std::vector<ShardId> candidates;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return 0;
    for (const auto& [id, copy] : copies_) {
      auto next = next_try_.find(id);
      if (copy->out_of_space() && (next == next_try_.end() || now >= next->second)) candidates.push_back(id);
    }
  }
  size_t writable = 0;
  for (const ShardId& id : candidates) {
    std::shared_ptr<ShardCopy> old;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = copies_.find(id);
      // Held elsewhere (a request in flight, a search context): its store
      // stays open, so it cannot be reopened now. New holders only come
      // through mu_, so this count cannot grow while we hold it.
      if (it == copies_.end() || it->second.use_count() > 1) continue;
      old = std::move(it->second);
      copies_.erase(it);
      reopening_.insert(id);
    }
    ShardCopyOptions options = old->options();
    (void)old->Close();  // out of space: closes without a flush, and OK
    old.reset();         // the engine and its store close here
    auto opened = ShardCopy::Open(options);
    std::shared_ptr<ShardCopy> copy;
    {
      std::lock_guard<std::mutex> lock(mu_);
      reopening_.erase(id);
      if (opened.ok()) copy = copies_.emplace(id, std::shared_ptr<ShardCopy>(std::move(opened).value())).first->second;
    }
    reopened_.notify_all();
    if (!copy) {
      if (options_.on_failure) options_.on_failure(id, opened.status());
      (void)state_->UpdateShardCopy(id, options.allocation_id, ShardCopyState::kFailed, opened.status().message());
      continue;
    }
    if (copy->out_of_space()) {
      next_try_[id] = std::chrono::steady_clock::now() + retry_after;
    } else {
      next_try_.erase(id);
      ++writable;
    }
  }
  return writable;
}

}  // namespace holdfast
