// GrpcServer: the gRPC endpoint of a node (port 9300): the standard health
// service (grpc.health.v1) and holdfast's Admin service; the internal
// replication and recovery services join it in later issues.
//
// Start/Shutdown from the control thread; gRPC runs its own threads.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "index/util/status.h"
#include "lifecycle/readiness.h"
#include "lifecycle/volume.h"

namespace grpc {
class Server;
}

namespace holdfast {

struct NodeIdentityView {
  std::string node_name;
  const VolumeIdentity* volume = nullptr;
  const Readiness* readiness = nullptr;
};

class GrpcServer {
 public:
  explicit GrpcServer(NodeIdentityView identity);
  ~GrpcServer();

  // `address` is host:port; port 0 picks a free one (see port()).
  Status Start(const std::string& address);
  int port() const { return port_; }
  // Health flips to NOT_SERVING with the node; used as readiness for gRPC peers.
  void SetServing(bool serving);
  void Shutdown(std::chrono::milliseconds deadline);

 private:
  class AdminService;
  NodeIdentityView identity_;
  std::unique_ptr<AdminService> admin_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace holdfast
