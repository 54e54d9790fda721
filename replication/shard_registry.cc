#include "replication/shard_registry.h"

#include <spdlog/spdlog.h>
#include "index/util/clock.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <thread>

namespace holdfast {

// The mapping of one index as the cluster state has it: Current() is the
// last mapping seen (cheap), Apply() merges through the cluster state.
class ShardRegistry::IndexMappings final : public MappingSource {
 public:
  IndexMappings(ClusterState* state, std::string uuid, std::shared_ptr<const mapping::Mapping> current)
      : state_(state), uuid_(std::move(uuid)), current_(std::move(current)) {}

  // The newest of what this registry observed and what the cluster state
  // holds now: a PUT _mapping acknowledged a moment ago reaches the writes
  // that follow it before the (asynchronous) converge delivers it. Mappings
  // only grow, so the one with more fields is the newer.
  std::shared_ptr<const mapping::Mapping> Current() const override {
    std::shared_ptr<const mapping::Mapping> latest;
    if (ClusterStatePtr now = state_->Current()) {
      if (const IndexMetadata* index = now->FindIndexByUuid(uuid_)) latest = index->mapping;
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (latest && latest != current_ && (!current_ || latest->total_fields() > current_->total_fields())) {
      current_ = std::move(latest);
    }
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
  mutable std::shared_ptr<const mapping::Mapping> current_;
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
  r->FindShardDirectoriesLeftOnVolume();
  r->Converge(current);
  return r;
}

ShardRegistry::~ShardRegistry() {
  watch_.reset();
  StopRecoveries();
}

void ShardRegistry::StopRecoveries() {
  std::map<ShardId, std::shared_ptr<Recovery>> running;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    running.swap(recoveries_);
  }
  for (auto& [id, r] : running) {
    r->cancelled = true;
    if (r->thread.joinable()) r->thread.join();
  }
}

std::shared_ptr<ShardCopy> ShardRegistry::Get(const ShardId& id) const {
  std::unique_lock<std::mutex> lock(mu_);
  // Almost always empty: only a copy being reopened (a full disk freed) waits.
  if (!reopening_.empty()) {
    reopened_.wait_for(lock, std::chrono::seconds(30), [&] { return reopening_.count(id) == 0; });
  }
  auto it = copies_.find(id);
  if (it != copies_.end()) return it->second;
  for (const Retiring& r : retiring_) {
    if (r.id == id) return r.copy;  // moved away: reads only (writes are refused)
  }
  return nullptr;
}

void ShardRegistry::CloseRetired() {
  std::vector<std::shared_ptr<ShardCopy>> done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    for (auto it = retiring_.begin(); it != retiring_.end();) {
      if (closed_ || now >= it->until) {
        done.push_back(std::move(it->copy));
        it = retiring_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& copy : done) {
    (void)copy->Close();
    copy->MoveFilesAside();
  }
  NotifyClosed(done);
}

void ShardRegistry::SetOnPromoted(std::function<void(const std::shared_ptr<ShardCopy>&)> hook) {
  std::lock_guard<std::mutex> lock(mu_);
  on_promoted_ = std::move(hook);
}

void ShardRegistry::SetOnCopyClosed(std::function<void(const ShardId&)> hook) {
  std::lock_guard<std::mutex> lock(mu_);
  on_copy_closed_ = std::move(hook);
}

void ShardRegistry::NotifyClosed(const std::vector<std::shared_ptr<ShardCopy>>& copies) {
  std::function<void(const ShardId&)> hook;
  {
    std::lock_guard<std::mutex> lock(mu_);
    hook = on_copy_closed_;
  }
  if (!hook) return;
  for (const auto& copy : copies) {
    if (copy) hook(copy->id());
  }
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
  {
    std::lock_guard<std::mutex> converge(converge_mu_);
    StopRecoveries();
    CloseRetired();
  }
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

IndexSettings ShardRegistry::SettingsOf(const std::string& index_uuid) const {
  if (ClusterStatePtr now = state_->Current()) {
    if (const IndexMetadata* index = now->FindIndexByUuid(index_uuid)) return index->settings;
  }
  return IndexSettings{};
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

namespace {

// Does the shard's routing still name this node (a copy here, a move to
// here, or the last place of an unassigned copy)?
bool ReferencesNode(const ShardRouting& shard, const std::string& node) {
  for (const ShardCopyRouting& c : shard.copies) {
    if (c.node_id == node || c.relocating_node_id == node || c.last_node_id == node) return true;
  }
  return false;
}

// Every copy of the shard started and in sync: the shard needs nothing a
// node it does not name may still hold.
bool FullyActive(const ShardRouting& shard) {
  for (const ShardCopyRouting& c : shard.copies) {
    if (c.state != ShardCopyState::kStarted || !shard.IsInSync(c.allocation_id)) return false;
  }
  return !shard.copies.empty();
}

}  // namespace

void ShardRegistry::FindShardDirectoriesLeftOnVolume() {
  std::lock_guard<std::mutex> converge(converge_mu_);
  std::error_code ec;
  for (const auto& index_dir : std::filesystem::directory_iterator(options_.indices_dir, ec)) {
    std::error_code shard_ec;
    if (!index_dir.is_directory(shard_ec)) continue;
    for (const auto& e : std::filesystem::directory_iterator(index_dir.path(), shard_ec)) {
      const std::string name = e.path().filename().string();
      if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos || name.size() > 9) continue;
      left_on_volume_.insert(ShardId{index_dir.path().filename().string(), static_cast<uint32_t>(std::stoul(name))});
    }
  }
}

void ShardRegistry::RemoveCopiesActiveElsewhere(const ClusterStateSnapshot& state) {
  for (auto it = left_on_volume_.begin(); it != left_on_volume_.end();) {
    const ShardId& id = *it;
    const ShardRouting* shard = state.RoutingOf(id);
    {
      std::lock_guard<std::mutex> lock(mu_);
      // A copy of this process took the files over (open, recovering, moving
      // away or still in use): its own end removes them.
      bool taken = copies_.count(id) || recoveries_.count(id) || releasing_.count(id);
      for (const Retiring& r : retiring_) taken |= r.id == id;
      if (taken) {
        it = left_on_volume_.erase(it);
        continue;
      }
    }
    if (shard == nullptr || ReferencesNode(*shard, options_.node_id) || !FullyActive(*shard)) {
      ++it;
      continue;
    }
    // What a node that was away held of a shard that is whole on other
    // nodes now (its copies went elsewhere meanwhile): files nobody reads.
    spdlog::info("removing this volume's files of shard {}: the shard is active on other nodes", id.ToString());
    std::error_code ec;
    std::filesystem::remove_all(options_.indices_dir + "/" + id.index_uuid + "/" + std::to_string(id.shard), ec);
    it = left_on_volume_.erase(it);
  }
}

ShardCopyOptions ShardRegistry::CopyOptions(const ShardId& id, const IndexMetadata& index, const ShardRouting& shard,
                                            const std::string& allocation_id, bool primary) {
  ShardCopyOptions o;
  o.id = id;
  o.index_name = index.name;
  o.dir = options_.indices_dir + "/" + id.index_uuid + "/" + std::to_string(id.shard);
  o.allocation_id = allocation_id;
  o.primary = primary;
  o.primary_term = shard.primary_term;
  // With replicas the primary computes the global checkpoint over its
  // in-sync copies (and replicas learn it from the primary).
  o.sole_copy = index.settings.number_of_replicas == 0 && shard.in_sync.size() <= 1;
  o.on_failure = [log = options_.on_failure, state = state_, allocation_id](const ShardId& failed, const Status& failure) {
    if (log) log(failed, failure);
    // Out of space: still serving reads, reopened once there is room.
    if (failure.code() == StatusCode::kNoSpace) return;
    // Best effort: the report may fail too (the same disk); the copy
    // refuses writes either way.
    (void)state->UpdateShardCopy(failed, allocation_id, ShardCopyState::kFailed, failure.ToString());
  };
  o.engine = options_.engine;
  o.engine.durability = index.settings.durability;
  o.engine.refresh_interval = index.settings.refresh_interval;
  o.engine.retention_lease_period = index.settings.retention_lease_period;
  o.recommend = index.settings.recommend;
  o.mappings = MappingsFor(index);
  return o;
}

bool ShardRegistry::WaitReleased(const ShardId& id, std::chrono::milliseconds timeout,
                                 const std::atomic<bool>* cancelled) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = releasing_.find(id);
      if (it == releasing_.end() || it->second.expired()) {
        if (it != releasing_.end()) releasing_.erase(it);
        return true;
      }
    }
    if (std::chrono::steady_clock::now() > until || (cancelled != nullptr && cancelled->load())) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void ShardRegistry::Converge(const ClusterStatePtr& state) {
  std::lock_guard<std::mutex> converge(converge_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return;
  }
  JoinFinishedRecoveries();
  struct Wanted {
    const IndexMetadata* index;
    const ShardRouting* shard;
    const ShardCopyRouting* copy;
    std::string allocation_id;  // of the copy wanted here
    std::string recover_from;   // a node to fill it from ("" : open what is on the volume)
    bool relocation = false;
  };
  std::map<ShardId, Wanted> wanted;
  for (const auto& [uuid, routing] : state->routing) {
    const IndexMetadata* index = state->FindIndexByUuid(uuid);
    if (index == nullptr) continue;
    for (const ShardRouting& shard : routing.shards) {
      for (const ShardCopyRouting& copy : shard.copies) {
        const ShardId id{uuid, shard.shard};
        // A copy moving here: filled from the copy it replaces.
        if (copy.relocating_node_id == options_.node_id && !copy.relocation_id.empty()) {
          wanted[id] = Wanted{index, &shard, &copy, copy.relocation_id, copy.node_id, true};
          continue;
        }
        if (copy.node_id != options_.node_id || copy.state == ShardCopyState::kUnassigned ||
            copy.state == ShardCopyState::kClosed) {
          continue;
        }
        // A failed copy stays open if it is (for /_lifecycle/status and its
        // reason; the routing table keeps requests away), but is not reopened.
        if (copy.state == ShardCopyState::kFailed && !Get(id)) continue;
        Wanted w{index, &shard, &copy, copy.allocation_id, "", false};
        // A new replica (not in sync yet) is filled from the started primary;
        // without one it waits (what this volume holds may miss
        // acknowledged writes: never opened as it is).
        if (!copy.primary && copy.state == ShardCopyState::kInitializing && !shard.IsInSync(copy.allocation_id)) {
          const ShardCopyRouting* primary = shard.primary();
          if (primary == nullptr || primary->node_id.empty() ||
              (primary->state != ShardCopyState::kStarted && primary->state != ShardCopyState::kRelocating)) {
            continue;
          }
          w.recover_from = primary->node_id;
        }
        wanted[id] = w;
      }
    }
  }
  // Copies no longer wanted here: close; delete the files of deleted
  // indices and of copies that moved away.
  std::vector<std::shared_ptr<ShardCopy>> gone;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = copies_.begin(); it != copies_.end();) {
      auto w = wanted.find(it->first);
      if (w != wanted.end() && w->second.allocation_id == it->second->allocation_id()) {
        // A move that was called off: writes continue here.
        if (w->second.copy->relocation_id.empty() && it->second->handoff_active()) {
          it->second->CancelHandoff(ShardCopy::WritePause::kMove);
        }
        // Dynamic settings follow the index metadata.
        it->second->engine().SetRefreshInterval(w->second.index->settings.refresh_interval);
        ++it;
        continue;
      }
      const ShardRouting* routing = state->RoutingOf(it->first);
      if (!state->indices.count(it->first.index_uuid)) {
        it->second->RemoveFilesWhenClosed();
      } else if (routing != nullptr && !ReferencesNode(*routing, options_.node_id)) {
        // Moved away: writes waiting on the handoff go to the new place;
        // reads planned before the switch still find it for a while.
        it->second->MarkHandedOff();
        it->second->RemoveFilesWhenClosed();
        retiring_.push_back({it->first, std::move(it->second), std::chrono::steady_clock::now() + kRetiringReads});
        it = copies_.erase(it);
        continue;
      }
      if (w != wanted.end()) {
        // Replaced here by a new copy (a new allocation id, to be recovered
        // into the same directory): writes are refused at once (the
        // coordinator retries them on the primary).
        it->second->MarkHandedOff();
      }
      // A copy that comes back here later (recovered into the same
      // directory) waits until this one's last user let go of its files: a
      // store still open on a directory must not meet a new one there.
      for (auto r = releasing_.begin(); r != releasing_.end();) r = r->second.expired() ? releasing_.erase(r) : std::next(r);
      releasing_[it->first] = it->second;
      gone.push_back(std::move(it->second));
      it = copies_.erase(it);
    }
    for (auto it = recoveries_.begin(); it != recoveries_.end(); ++it) {
      auto w = wanted.find(it->first);
      if (w == wanted.end() || w->second.allocation_id != it->second->allocation_id) it->second->cancelled = true;
    }
    for (auto it = mappings_.begin(); it != mappings_.end();) {
      it = state->indices.count(it->first) ? std::next(it) : mappings_.erase(it);
    }
  }
  for (auto& copy : gone) (void)copy->Close();  // the files of a deleted index need no flush to be right
  NotifyClosed(gone);
  CloseRetired();
  RemoveCopiesActiveElsewhere(*state);
  // Copies wanted here: open the missing ones (or fill them from a peer),
  // report the opened ones started.
  for (const auto& [id, w] : wanted) {
    if (w.index != nullptr) MappingsFor(*w.index);
    std::shared_ptr<ShardCopy> open;
    std::shared_ptr<ShardCopy> retired;  // this shard moved away from here, and now comes back
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto it = copies_.find(id); it != copies_.end()) open = it->second;
      for (auto r = retiring_.begin(); !open && r != retiring_.end(); ++r) {
        if (r->id == id) {
          retired = std::move(r->copy);
          retiring_.erase(r);
          break;
        }
      }
    }
    if (retired) {
      // Its directory is the new copy's: closed and renamed aside first.
      (void)retired->Close();
      retired->MoveFilesAside();
      retired.reset();
    }
    if (!open && !w.recover_from.empty()) {
      bool running = false;
      {
        std::lock_guard<std::mutex> lock(mu_);
        auto r = recoveries_.find(id);
        running = r != recoveries_.end() && !r->second->done;
      }
      if (!running) StartRecovery(id, *w.index, *w.shard, *w.copy, w.allocation_id, w.recover_from, w.relocation);
      continue;
    }
    if (!open) {
      ShardCopyOptions options = CopyOptions(id, *w.index, *w.shard, w.allocation_id, w.copy->primary);
      if (w.copy->primary) options.forced_primary = w.copy->forced_primary;
      // A forced primary replaces what the directory holds: a copy this
      // process held there (another allocation) must be closed for good.
      if (!options.forced_primary.empty() && !WaitReleased(id, std::chrono::seconds(10))) {
        (void)state_->UpdateShardCopy(id, w.allocation_id, ShardCopyState::kFailed,
                                      "the previous copy of the shard on this node is still in use");
        continue;
      }
      auto opened = ShardCopy::Open(std::move(options));
      if (!opened.ok()) {
        if (options_.on_failure) options_.on_failure(id, opened.status());
        // Best effort: if the state cannot take the report, the copy stays
        // initializing there, which is just as red.
        (void)state_->UpdateShardCopy(id, w.allocation_id, ShardCopyState::kFailed, opened.status().message());
        continue;
      }
      if (w.copy->primary && w.copy->state == ShardCopyState::kStarted && w.shard->in_sync.size() > 1) {
        // A started primary this process did not hold open: the node
        // restarted within its lease. A write in flight at the crash may be
        // in its op log and on no replica; it must not go on as primary
        // with that history. Reported failed: an in-sync replica takes
        // over (term + 1) and this copy is recovered from it.
        spdlog::warn("shard {} of [{}]: this node restarted while holding its primary; handing it to an in-sync replica",
                     id.ToString(), w.index->name);
        (void)(*opened)->Close();
        (void)state_->UpdateShardCopy(id, w.allocation_id, ShardCopyState::kFailed,
                                      "the primary's node restarted; an in-sync replica takes over");
        continue;
      }
      std::lock_guard<std::mutex> lock(mu_);
      open = copies_.emplace(id, std::shared_ptr<ShardCopy>(std::move(opened).value())).first->second;
    }
    // The routing table's primary term: a replica adopts a newer one at
    // once (an older primary's ops are refused from then on); a replica
    // made the primary takes writes once promoted, then resyncs the others.
    if (w.copy->primary && !open->primary()) {
      Status promoted = open->Promote(w.shard->primary_term);
      if (!promoted.ok()) {
        if (options_.on_failure) options_.on_failure(id, promoted);
        continue;
      }
      std::function<void(const std::shared_ptr<ShardCopy>&)> hook;
      {
        std::lock_guard<std::mutex> lock(mu_);
        hook = on_promoted_;
      }
      if (hook) hook(open);
    } else if (!w.copy->primary && open->primary()) {
      // Handed over (a drain): a replica from now on, still in sync.
      Status demoted = open->Demote(w.shard->primary_term);
      if (!demoted.ok() && options_.on_failure) options_.on_failure(id, demoted);
    } else if (!w.copy->primary && open->engine().primary_term() < w.shard->primary_term) {
      (void)open->engine().SetPrimaryTerm(w.shard->primary_term);
    }
    bool recovering = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto r = recoveries_.find(id);
      recovering = r != recoveries_.end() && !r->second->done;
    }
    // A recovered copy reports itself started once its recovery finished.
    if (w.copy->state == ShardCopyState::kInitializing && !w.relocation && !recovering) {
      Status s = state_->UpdateShardCopy(id, w.allocation_id, ShardCopyState::kStarted, "");
      if (!s.ok() && options_.on_failure) options_.on_failure(id, s);
    }
  }
}

size_t ShardRegistry::ReopenCopiesOutOfSpace(std::chrono::milliseconds retry_after) {
  std::lock_guard<std::mutex> converge(converge_mu_);  // no Converge opens or closes copies meanwhile
  CloseRetired();  // called every disk sample: moved-away copies close on time
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
