// ClusterForwarder: a node's client of the master's Cluster service
// (changes a non-master node forwards), one channel per address; private to
// EtcdClusterState (etcd_cluster_state*.cc).
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "holdfast/v1/cluster.grpc.pb.h"
#include "index/util/status.h"
#include "replication/proto_convert.h"

namespace holdfast {

// The answer of a node that is not (or no longer) the master: the change is
// sent to the master it names, or again later.
inline bool IsNotMaster(const Status& s) { return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kFenced; }

// The client of the master's Cluster service: one channel per address.
class ClusterForwarder {
 public:
  holdfast::v1::Cluster::Stub* Stub(const std::string& address) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& slot = stubs_[address];
    if (!slot) {
      grpc::ChannelArguments args;
      args.SetMaxReceiveMessageSize(64 << 20);
      args.SetMaxSendMessageSize(64 << 20);
      slot = holdfast::v1::Cluster::NewStub(
          grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
    }
    return slot.get();
  }

  // Sends one request; the answer's `error` becomes the Status.
  template <typename Request, typename Response, typename Method>
  Result<int64_t> Call(const std::string& address, Method method, const Request& request, Response* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(10000));
    grpc::Status s = (Stub(address)->*method)(&context, request, response);
    if (!s.ok()) {
      return Status::Unavailable("the master at " + address + " did not answer: " + s.error_message() +
                                 " (outcome unknown)");
    }
    if (response->has_error()) return FromProto(response->error());
    return response->version();
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<holdfast::v1::Cluster::Stub>> stubs_;
};

}  // namespace holdfast
