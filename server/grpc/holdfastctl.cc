// holdfastctl: the admin CLI, speaking gRPC to a node's port 9300.
// Today: health and node-info; shard placement, rebalance, move, exclude and
// drain join it with the cluster issues.
#include <grpcpp/grpcpp.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>

#include "grpc/health/v1/health.grpc.pb.h"
#include "holdfast/v1/admin.grpc.pb.h"
#include "server/process/version.h"

namespace {

std::unique_ptr<grpc::ClientContext> ContextWithDeadline(int timeout_ms) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
  return ctx;
}

int Health(const std::string& addr, int timeout_ms) {
  auto channel = grpc::CreateChannel(addr, grpc::InsecureChannelCredentials());
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse res;
  auto ctx = ContextWithDeadline(timeout_ms);
  grpc::Status s = stub->Check(ctx.get(), req, &res);
  if (!s.ok()) {
    std::fprintf(stderr, "holdfastctl: %s: %s\n", addr.c_str(), s.error_message().c_str());
    return 1;
  }
  const char* name = grpc::health::v1::HealthCheckResponse::ServingStatus_Name(res.status()).c_str();
  std::printf("%s\n", name);
  return res.status() == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 3;
}

int NodeInfo(const std::string& addr, int timeout_ms) {
  auto channel = grpc::CreateChannel(addr, grpc::InsecureChannelCredentials());
  auto stub = holdfast::v1::Admin::NewStub(channel);
  holdfast::v1::GetNodeInfoRequest req;
  holdfast::v1::NodeInfo info;
  auto ctx = ContextWithDeadline(timeout_ms);
  grpc::Status s = stub->GetNodeInfo(ctx.get(), req, &info);
  if (!s.ok()) {
    std::fprintf(stderr, "holdfastctl: %s: %s\n", addr.c_str(), s.error_message().c_str());
    return 1;
  }
  std::printf("name            %s\nnode_id         %s\nvolume_uuid     %s\ncluster_uuid    %s\n"
              "format_version  %d\nversion         %s\nphase           %s\n",
              info.name().c_str(), info.node_id().c_str(), info.volume_uuid().c_str(),
              info.cluster_uuid().c_str(), info.format_version(), info.version().c_str(),
              info.phase().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"holdfastctl: administer holdfast nodes over gRPC"};
  app.set_version_flag("--version", holdfast::kHoldfastVersion);
  std::string addr = "127.0.0.1:9300";
  int timeout_ms = 5000;
  app.add_option("--addr", addr, "node gRPC address")->envname("HOLDFASTCTL_ADDR")->capture_default_str();
  app.add_option("--timeout-ms", timeout_ms, "deadline per call")->capture_default_str();
  app.require_subcommand(1);
  auto* health = app.add_subcommand("health", "gRPC health check (exit 0 when SERVING)");
  auto* info = app.add_subcommand("node-info", "identity and phase of the node");
  CLI11_PARSE(app, argc, argv);
  if (health->parsed()) return Health(addr, timeout_ms);
  if (info->parsed()) return NodeInfo(addr, timeout_ms);
  return 2;
}
