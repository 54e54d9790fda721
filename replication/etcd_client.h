// EtcdClient: what holdfast needs of etcd's v3 API — KV (range, put,
// delete, transactions), leases, watches and v3election — over etcd's own
// gRPC services (stubs generated from etcd's .proto files: proto/CMakeLists.txt).
// The cluster state on etcd (DESIGN.md §6) stands on this.
//
// Every call has a deadline (EtcdClientOptions::call_timeout; Campaign its
// own wait). A call that times out or loses its connection is kUnavailable
// and its outcome is unknown: a put or transaction may or may not have been
// applied — callers re-read, they never assume "failed". Nothing is retried
// here (a retried transaction could report "compare failed" for a write the
// first attempt applied); after kUnavailable the next call goes to the next
// endpoint.
//
// Endpoints are "http://host:port", "https://host:port" (TLS, every one
// alike: EtcdClientOptions::tls) or "host:port". Thread-safe: calls may run
// concurrently; a watch runs on its own thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "index/util/status.h"

namespace grpc {
class Channel;
class ClientContext;
class Status;
}  // namespace grpc

namespace holdfast {

struct EtcdKeyValue {
  std::string key;
  std::string value;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  int64_t version = 0;
  int64_t lease = 0;
};

// What a read saw, and the store's revision it saw it at.
struct EtcdRange {
  std::vector<EtcdKeyValue> kvs;
  int64_t revision = 0;
};

// One comparison of a transaction's guard.
struct EtcdCompare {
  enum class Target { kVersion, kCreateRevision, kModRevision, kValue };
  enum class Result { kEqual, kGreater, kLess, kNotEqual };
  std::string key;
  Target target = Target::kModRevision;
  Result result = Result::kEqual;
  int64_t number = 0;  // version or revision
  std::string value;   // kValue

  // The key was last written at `revision` (0: the key does not exist).
  static EtcdCompare ModRevision(std::string key, int64_t revision);
  // The key was created at `revision` (0: the key does not exist).
  static EtcdCompare CreateRevision(std::string key, int64_t revision);
  static EtcdCompare Value(std::string key, std::string value);
};

// One operation of a transaction's branch.
struct EtcdOp {
  enum class Kind { kPut, kDelete, kDeletePrefix };
  Kind kind = Kind::kPut;
  std::string key;
  std::string value;
  int64_t lease = 0;

  static EtcdOp Put(std::string key, std::string value, int64_t lease = 0);
  static EtcdOp Delete(std::string key);
  static EtcdOp DeletePrefix(std::string prefix);
};

struct EtcdTxnResult {
  bool succeeded = false;  // the guard held: the success branch ran
  int64_t revision = 0;    // the store's revision after the transaction
};

struct EtcdWatchEvent {
  enum class Type { kPut, kDelete };
  Type type = Type::kPut;
  EtcdKeyValue kv;  // for a delete: the key and the revision of the delete
};

// A running watch; destroying it cancels the stream and joins its thread.
class EtcdWatch {
 public:
  ~EtcdWatch();
  EtcdWatch(const EtcdWatch&) = delete;
  EtcdWatch& operator=(const EtcdWatch&) = delete;

 private:
  friend class EtcdClient;
  EtcdWatch() = default;
  std::unique_ptr<grpc::ClientContext> context_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

// Lets another thread end a blocking call (a campaign) early: Cancel()
// makes the call return kUnavailable at once, and every later call made with
// this token too. Thread-safe.
class EtcdCancel {
 public:
  void Cancel();
  bool cancelled() const;

 private:
  friend class EtcdClient;
  // Registers the call in flight; false when already cancelled.
  bool Begin(grpc::ClientContext* context);
  void End();
  mutable std::mutex mu_;
  grpc::ClientContext* context_ = nullptr;
  bool cancelled_ = false;
};

// A won election: what Resign and Leader name.
struct EtcdLeaderKey {
  std::string name;  // the election
  std::string key;   // the campaigner's key (under the election's prefix)
  int64_t revision = 0;  // its create revision: a write guard for "still leader"
  int64_t lease = 0;
};

// TLS to etcd: PEM texts (etcdctl's --cacert, --cert, --key).
struct EtcdTls {
  std::string ca_pem;    // the CAs etcd's server certificate must chain to; empty: the system's
  std::string cert_pem;  // a client certificate (etcd --client-cert-auth), with key_pem; empty: none
  std::string key_pem;
};

struct EtcdClientOptions {
  std::vector<std::string> endpoints;  // at least one
  std::chrono::milliseconds call_timeout{5000};
  // Set: every endpoint is reached over TLS (also implied by https:// ones).
  std::optional<EtcdTls> tls;
};

class EtcdClient {
 public:
  // Parses the endpoints and creates the channels; no call is made.
  static Result<std::unique_ptr<EtcdClient>> Connect(const EtcdClientOptions& options);
  ~EtcdClient();

  Result<EtcdRange> Get(const std::string& key);
  // Every key starting with `prefix`, in key order; at `revision` when > 0.
  Result<EtcdRange> GetPrefix(const std::string& prefix, int64_t revision = 0);
  // Returns the revision of the write.
  Result<int64_t> Put(const std::string& key, const std::string& value, int64_t lease = 0);
  // Returns the revision after the delete and how many keys went.
  Result<int64_t> Delete(const std::string& key, int64_t* deleted = nullptr);
  // If every compare holds, runs `success`, else `failure`, atomically.
  Result<EtcdTxnResult> Txn(const std::vector<EtcdCompare>& compares, const std::vector<EtcdOp>& success,
                            const std::vector<EtcdOp>& failure = {});

  // A lease of `ttl` (etcd may grant a longer one); returns its id.
  Result<int64_t> GrantLease(std::chrono::seconds ttl);
  // Renews the lease; returns its new TTL in seconds. kNotFound once it expired.
  Result<int64_t> KeepAliveOnce(int64_t lease);
  // Ends the lease now; the keys attached to it are deleted.
  Status RevokeLease(int64_t lease);

  // Streams the changes of every key under `prefix` from `start_revision`
  // on (0: from now), in revision order, to `on_events` (one call per etcd
  // response, on the watch's thread). When the stream ends for any reason
  // other than the watch being destroyed, `on_end` hears why, once:
  // kHistoryTrimmed when `start_revision` was compacted away (the message
  // names the compact revision: re-read, then watch from the read's
  // revision + 1), kUnavailable when etcd went away.
  using WatchEvents = std::function<void(const std::vector<EtcdWatchEvent>& events, int64_t revision)>;
  using WatchEnd = std::function<void(const Status& why)>;
  std::unique_ptr<EtcdWatch> WatchPrefix(const std::string& prefix, int64_t start_revision, WatchEvents on_events,
                                         WatchEnd on_end);

  // Campaigns in election `name` with `value`, on `lease` (the leadership
  // ends with it): returns once this campaigner leads, or kUnavailable when
  // `wait` passes first (the campaign may still win later: resign or revoke
  // the lease to withdraw it). `cancel` (optional) ends the wait early; a
  // campaign that ends without winning is withdrawn by etcd.
  Result<EtcdLeaderKey> Campaign(const std::string& name, int64_t lease, const std::string& value,
                                 std::chrono::milliseconds wait, EtcdCancel* cancel = nullptr);
  // The current leader's key and value; kNotFound when there is none.
  Result<EtcdKeyValue> Leader(const std::string& name);
  Status Resign(const EtcdLeaderKey& leader);

  const std::vector<std::string>& endpoints() const { return endpoints_; }

 private:
  struct Stubs;
  explicit EtcdClient(std::chrono::milliseconds call_timeout);
  // The stubs of the current endpoint.
  Stubs& Current();
  // grpc status → Status; on a lost connection the next call goes to the next endpoint.
  Status Check(const grpc::Status& status, const char* what);
  void SetDeadline(grpc::ClientContext* context, std::chrono::milliseconds timeout) const;

  const std::chrono::milliseconds call_timeout_;
  std::vector<std::string> endpoints_;  // host:port
  std::vector<std::unique_ptr<Stubs>> stubs_;
  std::atomic<size_t> current_{0};
};

// "http://127.0.0.1:2379,127.0.0.2:2379" → {"127.0.0.1:2379", "127.0.0.2:2379"};
// `tls` (may be null) is set when they are https:// ones. InvalidArgument
// for a malformed entry, or http:// and https:// ones mixed.
Result<std::vector<std::string>> ParseEtcdEndpoints(const std::string& text, bool* tls = nullptr);

// "/holdfast/<cluster-name>/": where every key of a cluster lives in etcd.
std::string EtcdClusterPrefix(const std::string& cluster_name);

// The smallest key greater than every key starting with `prefix` (etcd's range_end).
std::string EtcdPrefixEnd(const std::string& prefix);

}  // namespace holdfast
