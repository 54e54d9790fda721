#include "server/process/embedded_node.h"

#include "server/coordinator/stats_cache.h"

#include <atomic>
#include <filesystem>
#include <fstream>

#include "lifecycle/node_startup.h"
#include "server/api/api_context.h"
#include "server/process/node_config.h"

namespace holdfast {

struct EmbeddedNode::State {
  NodeConfig config;
  NodeVolume volume;
  NodeShards shards;
  std::unique_ptr<ThreadPool> search_pool;
  StatsCache stats_cache{kStatsCacheBytes};
  std::unique_ptr<ShardRouter> router;
  std::unique_ptr<ClusterIndices> indices;
  ApiContext api;
  HttpRouter http;
  std::atomic<uint64_t> next_spill{0};
  bool closed = false;
};

EmbeddedNode::EmbeddedNode(std::unique_ptr<State> state) : state_(std::move(state)) {}

EmbeddedNode::~EmbeddedNode() { (void)Close(); }  // an error was already visible to Close's callers

Result<std::unique_ptr<EmbeddedNode>> EmbeddedNode::Open(EmbeddedNodeOptions options) {
  auto state = std::make_unique<State>();
  state->config.data_dir = options.data_dir;
  state->config.node_name = "embedded";
  VolumeError volume_error = VolumeError::kNone;
  auto volume = OpenNodeVolume({options.data_dir, ""}, &volume_error);
  if (!volume.ok()) return volume.status();
  state->volume = std::move(volume).value();
  NodeShardsOptions so;
  so.node = ClusterNode{"", state->config.node_name, state->config.http_address, state->config.grpc_address};
  so.cluster_name = state->config.cluster_name;
  so.engine = options.engine;
  auto shards = RecoverShards(state->volume, std::move(so));
  if (!shards.ok()) return shards.status();
  state->shards = std::move(shards).value();
  state->search_pool = std::make_unique<ThreadPool>(std::max<size_t>(options.search_threads, 1));
  state->router = std::make_unique<ShardRouter>(state->shards.service.get(),
                                                state->volume.volume->identity().node_id, options.transport);
  state->indices = std::make_unique<ClusterIndices>(state->shards.cluster_state, state->router.get());
  state->api.config = &state->config;
  state->api.search_pool = state->search_pool.get();
  state->api.stats_cache = &state->stats_cache;
  state->api.indices.store(state->indices.get());
  AddIndexApiRoutes(&state->api, &state->http);
  AddSearchApiRoutes(&state->api, &state->http);
  std::error_code ec;
  std::filesystem::create_directories(state->volume.volume->data_dir() + "/tmp", ec);
  return std::unique_ptr<EmbeddedNode>(new EmbeddedNode(std::move(state)));
}

ClusterIndices& EmbeddedNode::indices() { return *state_->indices; }
ThreadPool* EmbeddedNode::search_pool() { return state_->search_pool.get(); }
StatsCache& EmbeddedNode::stats_cache() { return state_->stats_cache; }
const ShardRegistry& EmbeddedNode::shard_registry() const { return *state_->shards.registry; }

HttpResponse EmbeddedNode::Handle(HttpMethod method, std::string_view target, std::string body) {
  HttpRequest request;
  request.method = method;
  const size_t q = target.find('?');
  request.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) request.query = std::string(target.substr(q + 1));
  request.content_type = "application/json";
  HttpRouter::Match match = state_->http.Find(method, request.path);
  if (match.handler == nullptr) {
    return match.allowed_methods.empty() ? ErrorResponse(404, "resource_not_found_exception", "no route")
                                         : ErrorResponse(405, "method_not_allowed_exception", "method not allowed");
  }
  request.path_params = std::move(match.params);
  std::string spilled;
  if (match.options.large_body) {
    spilled = state_->volume.volume->data_dir() + "/tmp/embedded-" + std::to_string(state_->next_spill++);
    std::ofstream(spilled, std::ios::binary) << body;
    request.body_file = spilled;
  } else {
    request.body = std::move(body);
  }
  HttpResponse response = (*match.handler)(request);
  if (!spilled.empty()) std::filesystem::remove(spilled);
  return response;
}

Status EmbeddedNode::Close() {
  if (state_->closed) return Status::OK();
  state_->closed = true;
  for (const auto& release : state_->api.before_close) release();
  state_->api.indices.store(nullptr);
  Status s = state_->shards.Close();
  if (!s.ok()) return s;
  return state_->volume.store->MarkCleanShutdown();
}

}  // namespace holdfast
