#include "server/coordinator/cluster_indices.h"

#include "index/util/uuid.h"

namespace holdfast {

ClusterIndices::ClusterIndices(ClusterState* state, const ShardRouter* router, std::chrono::milliseconds active_timeout)
    : state_(state), router_(router), active_timeout_(active_timeout) {
  watch_ = state_->Watch([this](const ClusterStatePtr& s) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      seen_version_ = s->version;
    }
    changed_.notify_all();
  });
}

ClusterIndices::~ClusterIndices() { watch_.reset(); }

std::shared_ptr<IndexHandle> ClusterIndices::HandleOf(const ClusterStatePtr& state, const IndexMetadata& index) const {
  return std::make_shared<IndexHandle>(state, &index, router_, state_);
}

Result<std::shared_ptr<IndexHandle>> ClusterIndices::Create(const std::string& name, IndexSettings settings,
                                                            std::shared_ptr<const mapping::Mapping> mapping,
                                                            std::map<std::string, AliasMetadata> aliases,
                                                            bool wait_for_primaries) {
  IndexMetadata meta;
  meta.name = name;
  meta.uuid = NewUuid();
  meta.creation_date_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  meta.settings = std::move(settings);
  meta.mapping = mapping ? std::move(mapping) : std::make_shared<const mapping::Mapping>();
  meta.aliases = std::move(aliases);
  auto created = state_->CreateIndex(meta);
  if (!created.ok()) return created.status();
  if (wait_for_primaries) WaitForActivePrimaries(meta.uuid, active_timeout_);
  ClusterStatePtr now = state_->Current();
  const IndexMetadata* index = now->FindIndexByUuid(meta.uuid);
  if (index == nullptr) return Status::Unavailable("index [" + name + "] was deleted while being created");
  return HandleOf(now, *index);
}

Status ClusterIndices::Delete(const std::string& name) { return state_->DeleteIndex(name); }

std::shared_ptr<IndexHandle> ClusterIndices::Get(std::string_view name) const {
  ClusterStatePtr now = state_->Current();
  const IndexMetadata* index = now->FindIndex(name);
  return index == nullptr ? nullptr : HandleOf(now, *index);
}

Result<std::vector<std::string>> ClusterIndices::Resolve(std::string_view expression, bool aliases) const {
  return state_->Current()->ResolveIndices(expression, aliases);
}

std::vector<std::shared_ptr<IndexHandle>> ClusterIndices::All() const {
  ClusterStatePtr now = state_->Current();
  std::vector<std::shared_ptr<IndexHandle>> out;
  for (const IndexMetadata* index : now->IndicesByName()) out.push_back(HandleOf(now, *index));
  return out;
}

bool ClusterIndices::WaitForActivePrimaries(const std::string& uuid, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    ClusterStatePtr now = state_->Current();
    const IndexRouting* routing = now->RoutingOf(uuid);
    if (routing == nullptr) return false;
    bool all = true;
    for (const ShardRouting& shard : routing->shards) {
      const ShardCopyRouting* p = shard.primary();
      if (p == nullptr || p->state == ShardCopyState::kFailed) return false;
      all = all && (p->state == ShardCopyState::kStarted || p->state == ShardCopyState::kRelocating);
    }
    if (all) return true;
    const int64_t version = now->version;
    // Wake on the next version (or at the deadline).
    if (!changed_.wait_until(lock, deadline, [&] { return seen_version_ > version; })) return false;
  }
}

}  // namespace holdfast
