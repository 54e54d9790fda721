// Status and gRPC codes: the gRPC code that fits each Status kind, for
// every service of the node's gRPC port (Admin, Shard), and gRPC's names of
// its codes for messages. Tools that only read the code (holdfastctl,
// grpcurl, logs) get a sensible one: INVALID_ARGUMENT for a bad request,
// NOT_FOUND for a missing index, FAILED_PRECONDITION for an operation the
// node's state refuses, UNAVAILABLE for "try again", ...
// GrpcCodeName is header-only (holdfastctl uses it without this library).
// Pure functions; thread-safe.
#pragma once

#include <grpcpp/support/status.h>

#include <iterator>
#include <string>

#include "index/util/status.h"

namespace holdfast {

// "OK", "INVALID_ARGUMENT", ... ("UNKNOWN" for a code gRPC does not define).
inline const char* GrpcCodeName(grpc::StatusCode code) {
  static constexpr const char* kNames[] = {
      "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",            // 0-5
      "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",  // 6-10
      "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"};    // 11-16
  const auto i = static_cast<size_t>(code);
  return i < std::size(kNames) ? kNames[i] : "UNKNOWN";
}

// The gRPC code for a kind (OK for kOk, UNKNOWN where none fits).
grpc::StatusCode GrpcCodeFor(StatusCode kind);

// A gRPC status with the kind's code and the Status's message; `details`
// (binary) travel along for clients that rebuild the Status exactly.
grpc::Status ToGrpcStatus(const Status& status, const std::string& details = "");

}  // namespace holdfast
