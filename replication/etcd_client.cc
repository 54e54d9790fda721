#include "replication/etcd_client.h"

#include <grpcpp/grpcpp.h>

#include "etcd/etcdserver/api/v3election/v3electionpb/v3election.grpc.pb.h"
#include "etcd/etcdserver/etcdserverpb/rpc.grpc.pb.h"

namespace holdfast {

namespace {

using namespace etcdserverpb;

EtcdKeyValue FromProto(const mvccpb::KeyValue& kv) {
  EtcdKeyValue out;
  out.key = kv.key();
  out.value = kv.value();
  out.create_revision = kv.create_revision();
  out.mod_revision = kv.mod_revision();
  out.version = kv.version();
  out.lease = kv.lease();
  return out;
}

void ToProto(const EtcdCompare& c, Compare* out) {
  out->set_key(c.key);
  switch (c.result) {
    case EtcdCompare::Result::kEqual: out->set_result(Compare::EQUAL); break;
    case EtcdCompare::Result::kGreater: out->set_result(Compare::GREATER); break;
    case EtcdCompare::Result::kLess: out->set_result(Compare::LESS); break;
    case EtcdCompare::Result::kNotEqual: out->set_result(Compare::NOT_EQUAL); break;
  }
  switch (c.target) {
    case EtcdCompare::Target::kVersion:
      out->set_target(Compare::VERSION);
      out->set_version(c.number);
      break;
    case EtcdCompare::Target::kCreateRevision:
      out->set_target(Compare::CREATE);
      out->set_create_revision(c.number);
      break;
    case EtcdCompare::Target::kModRevision:
      out->set_target(Compare::MOD);
      out->set_mod_revision(c.number);
      break;
    case EtcdCompare::Target::kValue:
      out->set_target(Compare::VALUE);
      out->set_value(c.value);
      break;
  }
}

void ToProto(const EtcdOp& op, RequestOp* out) {
  switch (op.kind) {
    case EtcdOp::Kind::kPut: {
      PutRequest* put = out->mutable_request_put();
      put->set_key(op.key);
      put->set_value(op.value);
      put->set_lease(op.lease);
      break;
    }
    case EtcdOp::Kind::kDelete: out->mutable_request_delete_range()->set_key(op.key); break;
    case EtcdOp::Kind::kDeletePrefix: {
      DeleteRangeRequest* del = out->mutable_request_delete_range();
      del->set_key(op.key);
      del->set_range_end(EtcdPrefixEnd(op.key));
      break;
    }
  }
}

}  // namespace

struct EtcdClient::Stubs {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<KV::Stub> kv;
  std::unique_ptr<Lease::Stub> lease;
  std::unique_ptr<etcdserverpb::Watch::Stub> watch;
  std::unique_ptr<v3electionpb::Election::Stub> election;
};

EtcdCompare EtcdCompare::ModRevision(std::string key, int64_t revision) {
  EtcdCompare c;
  c.key = std::move(key);
  c.target = Target::kModRevision;
  c.number = revision;
  return c;
}

EtcdCompare EtcdCompare::CreateRevision(std::string key, int64_t revision) {
  EtcdCompare c;
  c.key = std::move(key);
  c.target = Target::kCreateRevision;
  c.number = revision;
  return c;
}

EtcdCompare EtcdCompare::Value(std::string key, std::string value) {
  EtcdCompare c;
  c.key = std::move(key);
  c.target = Target::kValue;
  c.value = std::move(value);
  return c;
}

EtcdOp EtcdOp::Put(std::string key, std::string value, int64_t lease) {
  EtcdOp op;
  op.kind = Kind::kPut;
  op.key = std::move(key);
  op.value = std::move(value);
  op.lease = lease;
  return op;
}

EtcdOp EtcdOp::Delete(std::string key) {
  EtcdOp op;
  op.kind = Kind::kDelete;
  op.key = std::move(key);
  return op;
}

EtcdOp EtcdOp::DeletePrefix(std::string prefix) {
  EtcdOp op;
  op.kind = Kind::kDeletePrefix;
  op.key = std::move(prefix);
  return op;
}

std::string EtcdClusterPrefix(const std::string& cluster_name) { return "/holdfast/" + cluster_name + "/"; }

std::string EtcdPrefixEnd(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    if (static_cast<unsigned char>(end.back()) < 0xff) {
      end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // every key (etcd's "\0" range end)
}

Result<std::vector<std::string>> ParseEtcdEndpoints(const std::string& text, bool* tls) {
  std::vector<std::string> out;
  bool https = false, http = false;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string e = text.substr(start, comma - start);
    start = comma + 1;
    while (!e.empty() && e.front() == ' ') e.erase(e.begin());
    while (!e.empty() && e.back() == ' ') e.pop_back();
    if (e.empty()) continue;
    if (e.rfind("https://", 0) == 0) {
      https = true;
      e = e.substr(8);
    } else if (e.rfind("http://", 0) == 0) {
      http = true;
      e = e.substr(7);
    }
    while (!e.empty() && e.back() == '/') e.pop_back();
    const size_t colon = e.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == e.size() ||
        e.find_first_not_of("0123456789", colon + 1) != std::string::npos) {
      return Status::InvalidArgument("etcd endpoint \"" + e + "\" is not host:port (e.g. http://127.0.0.1:2379)");
    }
    out.push_back(e);
  }
  if (out.empty()) return Status::InvalidArgument("no etcd endpoint given");
  if (https && http) return Status::InvalidArgument("etcd endpoints mix http:// and https://: use one for all");
  if (tls != nullptr) *tls = https;
  return out;
}

Result<std::unique_ptr<EtcdClient>> EtcdClient::Connect(const EtcdClientOptions& options) {
  if (options.endpoints.empty()) return Status::InvalidArgument("no etcd endpoint given");
  std::unique_ptr<EtcdClient> client(new EtcdClient(options.call_timeout));
  std::vector<std::string> endpoints;
  bool https = false;
  for (const std::string& endpoint : options.endpoints) {
    bool tls = false;
    auto parsed = ParseEtcdEndpoints(endpoint, &tls);
    if (!parsed.ok()) return parsed.status();
    https = https || tls;
    endpoints.insert(endpoints.end(), parsed->begin(), parsed->end());
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (options.tls || https) {
    grpc::SslCredentialsOptions ssl;
    if (options.tls) {
      ssl.pem_root_certs = options.tls->ca_pem;
      ssl.pem_cert_chain = options.tls->cert_pem;
      ssl.pem_private_key = options.tls->key_pem;
    }
    credentials = grpc::SslCredentials(ssl);
  }
  for (const std::string& e : endpoints) {
    auto stubs = std::make_unique<Stubs>();
    grpc::ChannelArguments args;
    // Watches and campaigns stay open for long: keep the connection checked.
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10'000);
    args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5'000);
    args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
    // An etcd that comes back is reconnected to within a second: gRPC's
    // default backoff grows past the lease TTL after some seconds away, and
    // the members' leases would then expire on the etcd that is back.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 200);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1'000);
    stubs->channel = grpc::CreateCustomChannel(e, credentials, args);
    stubs->kv = KV::NewStub(stubs->channel);
    stubs->lease = Lease::NewStub(stubs->channel);
    stubs->watch = etcdserverpb::Watch::NewStub(stubs->channel);
    stubs->election = v3electionpb::Election::NewStub(stubs->channel);
    client->endpoints_.push_back(e);
    client->stubs_.push_back(std::move(stubs));
  }
  return client;
}

EtcdClient::EtcdClient(std::chrono::milliseconds call_timeout) : call_timeout_(call_timeout) {}

EtcdClient::~EtcdClient() = default;

EtcdClient::Stubs& EtcdClient::Current() { return *stubs_[current_.load() % stubs_.size()]; }

void EtcdClient::SetDeadline(grpc::ClientContext* context, std::chrono::milliseconds timeout) const {
  context->set_deadline(std::chrono::system_clock::now() + timeout);
}

Status EtcdClient::Check(const grpc::Status& status, const char* what) {
  if (status.ok()) return Status::OK();
  const std::string where = std::string("etcd ") + what + " at " + endpoints_[current_.load() % endpoints_.size()];
  switch (status.error_code()) {
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      current_.fetch_add(1);
      return Status::Unavailable(where + ": no answer before the deadline; the outcome is unknown");
    case grpc::StatusCode::UNAVAILABLE:
      current_.fetch_add(1);
      return Status::Unavailable(where + ": unreachable (" + status.error_message() + "); the outcome is unknown");
    case grpc::StatusCode::NOT_FOUND: return Status::NotFound(where + ": " + status.error_message());
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE: return Status::InvalidArgument(where + ": " + status.error_message());
    case grpc::StatusCode::FAILED_PRECONDITION:
      return Status(StatusCode::kFailedPrecondition, where + ": " + status.error_message());
    default: return Status::Internal(where + ": " + status.error_message());
  }
}

Result<EtcdRange> EtcdClient::Get(const std::string& key) {
  RangeRequest request;
  request.set_key(key);
  RangeResponse response;
  grpc::ClientContext context;
  SetDeadline(&context, call_timeout_);
  HOLDFAST_RETURN_IF_ERROR(Check(Current().kv->Range(&context, request, &response), "get"));
  EtcdRange out;
  out.revision = response.header().revision();
  for (const auto& kv : response.kvs()) out.kvs.push_back(FromProto(kv));
  return out;
}

Result<EtcdRange> EtcdClient::GetPrefix(const std::string& prefix, int64_t revision) {
  RangeRequest request;
  request.set_key(prefix);
  request.set_range_end(EtcdPrefixEnd(prefix));
  request.set_revision(revision);
  RangeResponse response;
  grpc::ClientContext context;
  SetDeadline(&context, call_timeout_);
  HOLDFAST_RETURN_IF_ERROR(Check(Current().kv->Range(&context, request, &response), "get prefix"));
  EtcdRange out;
  out.revision = response.header().revision();
  out.kvs.reserve(static_cast<size_t>(response.kvs_size()));
  for (const auto& kv : response.kvs()) out.kvs.push_back(FromProto(kv));
  return out;
}

Result<int64_t> EtcdClient::Put(const std::string& key, const std::string& value, int64_t lease) {
  PutRequest request;
  request.set_key(key);
  request.set_value(value);
  request.set_lease(lease);
  PutResponse response;
  grpc::ClientContext context;
  SetDeadline(&context, call_timeout_);
  HOLDFAST_RETURN_IF_ERROR(Check(Current().kv->Put(&context, request, &response), "put"));
  return response.header().revision();
}

Result<int64_t> EtcdClient::Delete(const std::string& key, int64_t* deleted) {
  DeleteRangeRequest request;
  request.set_key(key);
  DeleteRangeResponse response;
  grpc::ClientContext context;
  SetDeadline(&context, call_timeout_);
  HOLDFAST_RETURN_IF_ERROR(Check(Current().kv->DeleteRange(&context, request, &response), "delete"));
  if (deleted != nullptr) *deleted = response.deleted();
  return response.header().revision();
}

Result<EtcdTxnResult> EtcdClient::Txn(const std::vector<EtcdCompare>& compares, const std::vector<EtcdOp>& success,
                                      const std::vector<EtcdOp>& failure) {
  TxnRequest request;
  for (const EtcdCompare& c : compares) ToProto(c, request.add_compare());
  for (const EtcdOp& op : success) ToProto(op, request.add_success());
  for (const EtcdOp& op : failure) ToProto(op, request.add_failure());
  TxnResponse response;
  grpc::ClientContext context;
  SetDeadline(&context, call_timeout_);
  HOLDFAST_RETURN_IF_ERROR(Check(Current().kv->Txn(&context, request, &response), "transaction"));
  EtcdTxnResult out;
  out.succeeded = response.succeeded();
  out.revision = response.header().revision();
  return out;
}

Result<int64_t> EtcdClient::GrantLease(std::chrono::seconds ttl) {
  LeaseGrantRequest request;
  request.set_ttl(ttl.count());
  LeaseGrantResponse response;
  grpc::ClientContext context;
  SetDeadline(&context, call_timeout_);
  HOLDFAST_RETURN_IF_ERROR(Check(Current().lease->LeaseGrant(&context, request, &response), "lease grant"));
  if (!response.error().empty()) return Status::Internal("etcd lease grant: " + response.error());
  return response.id();
}

Result<int64_t> EtcdClient::KeepAliveOnce(int64_t lease) {
  grpc::ClientContext context;
  SetDeadline(&context, call_timeout_);
  auto stream = Current().lease->LeaseKeepAlive(&context);
  LeaseKeepAliveRequest request;
  request.set_id(lease);
  LeaseKeepAliveResponse response;
  const bool exchanged = stream->Write(request) && stream->Read(&response);
  stream->WritesDone();
  if (exchanged) context.TryCancel();  // one answer is all we wait for
  grpc::Status finished = stream->Finish();
  if (!exchanged) {
    HOLDFAST_RETURN_IF_ERROR(Check(finished, "lease keep-alive"));
    return Status::Unavailable("etcd lease keep-alive: the stream ended without an answer; the outcome is unknown");
  }
  // etcd answers TTL 0 for a lease that expired or never existed.
  if (response.ttl() <= 0) return Status::NotFound("etcd lease " + std::to_string(lease) + " has expired");
  return response.ttl();
}

Status EtcdClient::RevokeLease(int64_t lease) {
  LeaseRevokeRequest request;
  request.set_id(lease);
  LeaseRevokeResponse response;
  grpc::ClientContext context;
  SetDeadline(&context, call_timeout_);
  return Check(Current().lease->LeaseRevoke(&context, request, &response), "lease revoke");
}

EtcdWatch::~EtcdWatch() {
  stopping_.store(true);
  if (context_) context_->TryCancel();
  if (thread_.joinable()) thread_.join();
}

std::unique_ptr<EtcdWatch> EtcdClient::WatchPrefix(const std::string& prefix, int64_t start_revision,
                                                   WatchEvents on_events, WatchEnd on_end) {
  std::unique_ptr<EtcdWatch> watch(new EtcdWatch());
  watch->context_ = std::make_unique<grpc::ClientContext>();
  Stubs* stubs = &Current();
  const std::string where = "etcd watch of " + prefix + " at " + endpoints_[current_.load() % endpoints_.size()];
  EtcdWatch* self = watch.get();  // outlives the thread: its destructor joins it
  watch->thread_ = std::thread([self, stubs, where, prefix, start_revision, on_events = std::move(on_events),
                                on_end = std::move(on_end)] {
    auto stream = stubs->watch->Watch(self->context_.get());
    WatchRequest request;
    WatchCreateRequest* create = request.mutable_create_request();
    create->set_key(prefix);
    create->set_range_end(EtcdPrefixEnd(prefix));
    create->set_start_revision(start_revision);
    Status why;  // OK: the stream itself ended (Finish says why)
    if (stream->Write(request)) {
      WatchResponse response;
      while (stream->Read(&response)) {
        if (response.compact_revision() > 0) {
          why = Status(StatusCode::kHistoryTrimmed, where + " from revision " + std::to_string(start_revision) +
                                                        ": compacted up to revision " +
                                                        std::to_string(response.compact_revision()));
          break;
        }
        if (response.canceled()) {
          why = Status::Unavailable(where + ": canceled by etcd (" + response.cancel_reason() + ")");
          break;
        }
        if (response.events_size() == 0) continue;  // created, or a progress notification
        std::vector<EtcdWatchEvent> events;
        events.reserve(static_cast<size_t>(response.events_size()));
        for (const mvccpb::Event& e : response.events()) {
          EtcdWatchEvent out;
          out.type = e.type() == mvccpb::Event::DELETE ? EtcdWatchEvent::Type::kDelete : EtcdWatchEvent::Type::kPut;
          out.kv = FromProto(e.kv());
          events.push_back(std::move(out));
        }
        on_events(events, response.header().revision());
      }
    }
    self->context_->TryCancel();
    const grpc::Status finished = stream->Finish();
    if (self->stopping_.load()) return;  // the owner ended it
    if (why.ok()) {
      why = Status::Unavailable(where + ": the stream ended (" +
                                (finished.ok() ? std::string("closed by etcd") : finished.error_message()) + ")");
    }
    if (on_end) on_end(why);
  });
  return watch;
}

void EtcdCancel::Cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  cancelled_ = true;
  if (context_ != nullptr) context_->TryCancel();
}

bool EtcdCancel::cancelled() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cancelled_;
}

bool EtcdCancel::Begin(grpc::ClientContext* context) {
  std::lock_guard<std::mutex> lock(mu_);
  if (cancelled_) return false;
  context_ = context;
  return true;
}

void EtcdCancel::End() {
  std::lock_guard<std::mutex> lock(mu_);
  context_ = nullptr;
}

Result<EtcdLeaderKey> EtcdClient::Campaign(const std::string& name, int64_t lease, const std::string& value,
                                           std::chrono::milliseconds wait, EtcdCancel* cancel) {
  v3electionpb::CampaignRequest request;
  request.set_name(name);
  request.set_lease(lease);
  request.set_value(value);
  v3electionpb::CampaignResponse response;
  grpc::ClientContext context;
  SetDeadline(&context, wait);
  if (cancel != nullptr && !cancel->Begin(&context)) return Status::Unavailable("etcd campaign: cancelled");
  const grpc::Status done = Current().election->Campaign(&context, request, &response);
  if (cancel != nullptr) cancel->End();
  if (done.error_code() == grpc::StatusCode::CANCELLED) return Status::Unavailable("etcd campaign: cancelled");
  HOLDFAST_RETURN_IF_ERROR(Check(done, "campaign"));
  EtcdLeaderKey out;
  out.name = response.leader().name();
  out.key = response.leader().key();
  out.revision = response.leader().rev();
  out.lease = response.leader().lease();
  return out;
}

Result<EtcdKeyValue> EtcdClient::Leader(const std::string& name) {
  v3electionpb::LeaderRequest request;
  request.set_name(name);
  v3electionpb::LeaderResponse response;
  grpc::ClientContext context;
  SetDeadline(&context, call_timeout_);
  grpc::Status s = Current().election->Leader(&context, request, &response);
  if (!s.ok() && s.error_message().find("no leader") != std::string::npos) {
    return Status::NotFound("election " + name + " has no leader");
  }
  HOLDFAST_RETURN_IF_ERROR(Check(s, "leader"));
  if (!response.has_kv()) return Status::NotFound("election " + name + " has no leader");
  return FromProto(response.kv());
}

Status EtcdClient::Resign(const EtcdLeaderKey& leader) {
  v3electionpb::ResignRequest request;
  v3electionpb::LeaderKey* key = request.mutable_leader();
  key->set_name(leader.name);
  key->set_key(leader.key);
  key->set_rev(leader.revision);
  key->set_lease(leader.lease);
  v3electionpb::ResignResponse response;
  grpc::ClientContext context;
  SetDeadline(&context, call_timeout_);
  return Check(Current().election->Resign(&context, request, &response), "resign");
}

}  // namespace holdfast
