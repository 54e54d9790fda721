// The Shard service over gRPC: a real GrpcServer on 127.0.0.1 (port 0)
// answering with a real ShardService, called through GrpcShardClient.
// Answers equal the in-process client's byte for byte, errors keep their
// kind and message, and every transport failure — a node not serving shards
// yet, a port where nothing listens, a peer that never answers, a call past
// its deadline — is kUnavailable within the call's deadline, never a hang.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "replication/grpc_shard_client.h"
#include "replication/local_shard_client.h"
#include "server/grpc/grpc_server.h"
#include "tests/replication/shard_service_fixture.h"

namespace holdfast {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A TCP socket listening on 127.0.0.1 (a kernel-chosen port) that accepts
// connections into its backlog and never answers: a peer that hangs.
class SilentListener {
 public:
  SilentListener() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd_, 16) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return;
    }
    port_ = ntohs(addr.sin_port);
  }
  ~SilentListener() { Close(); }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A loopback port where nothing listens: one the kernel handed out, closed again.
int ClosedPort() {
  SilentListener listener;
  const int port = listener.port();
  listener.Close();
  return port;
}

std::string Loopback(int port) { return "127.0.0.1:" + std::to_string(port); }

class GrpcShardClientTest : public testing::ShardServiceFixture {
 protected:
  void SetUp() override {
    ShardServiceFixture::SetUp();
    if (HasFatalFailure()) return;
    server_ = std::make_unique<GrpcServer>(NodeIdentityView{"node-a", nullptr, nullptr});
    ASSERT_TRUE(server_->Start("127.0.0.1:0").ok());
    server_->SetShardService(service_.get());
    address_ = Loopback(server_->port());
    grpc_ = clients_.Get(address_);
    local_ = std::make_unique<LocalShardClient>(service_.get());
  }
  void TearDown() override {
    if (server_) {
      server_->SetShardService(nullptr);
      server_->Shutdown(2s);
    }
    ShardServiceFixture::TearDown();
  }

  pb::WriteResponse Write(const std::vector<std::pair<std::string, std::string>>& docs) {
    pb::WriteRequest w;
    *w.mutable_target() = Target();
    for (const auto& [id, source] : docs) {
      pb::DocWrite* d = w.add_items();
      d->set_id(id);
      d->set_source(source);
    }
    pb::WriteResponse r;
    Status s = grpc_->Write(w, &r, DeadlineIn(10s));
    EXPECT_TRUE(s.ok()) << s.ToString();
    return r;
  }

  void Refresh() {
    pb::MaintenanceRequest m;
    *m.mutable_target() = Target();
    m.set_action(pb::MaintenanceRequest::REFRESH);
    pb::MaintenanceResponse done;
    Status s = grpc_->Maintenance(m, &done, DeadlineIn(10s));
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // The same request through both clients: the same Status kind and message.
  template <class Request, class Response>
  void ExpectSameError(Status (ShardClient::*method)(const Request&, Response*, Deadline), const Request& request,
                       StatusCode expected) {
    Response over_grpc, in_process;
    Status remote = (grpc_.get()->*method)(request, &over_grpc, DeadlineIn(10s));
    Status local = (local_.get()->*method)(request, &in_process, DeadlineIn(10s));
    EXPECT_EQ(local.code(), expected) << local.ToString();
    EXPECT_EQ(remote.code(), local.code()) << remote.ToString();
    EXPECT_EQ(remote.message(), local.message());
  }

  std::unique_ptr<GrpcServer> server_;
  std::string address_;
  GrpcShardClients clients_;
  std::shared_ptr<GrpcShardClient> grpc_;
  std::unique_ptr<LocalShardClient> local_;
};

TEST_F(GrpcShardClientTest, AWriteThenAGetRoundTrip) {
  pb::WriteResponse written = Write({{"a", R"({"title":"over the wire"})"}});
  ASSERT_EQ(written.results_size(), 1);
  const pb::DocWriteResult& result = written.results(0);
  EXPECT_FALSE(result.has_error()) << result.error().message();
  EXPECT_EQ(result.outcome(), pb::DocWriteResult::CREATED);
  EXPECT_EQ(result.version(), 1);
  EXPECT_EQ(result.seq_no(), 0);
  EXPECT_EQ(result.primary_term(), Engine().primary_term());

  pb::GetRequest get;
  *get.mutable_target() = Target();
  get.add_ids("a");
  get.add_ids("missing");
  pb::GetResponse got;
  Status s = grpc_->Get(get, &got, DeadlineIn(10s));
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(got.docs_size(), 2);
  EXPECT_TRUE(got.docs(0).found());
  EXPECT_EQ(got.docs(0).version(), result.version());
  EXPECT_EQ(got.docs(0).seq_no(), result.seq_no());
  EXPECT_EQ(got.docs(0).primary_term(), result.primary_term());
  EXPECT_EQ(got.docs(0).source(), R"({"title":"over the wire"})");
  EXPECT_FALSE(got.docs(1).found());

  pb::GetResponse local;
  ASSERT_TRUE(local_->Get(get, &local).ok());
  EXPECT_EQ(got.SerializeAsString(), local.SerializeAsString());
}

TEST_F(GrpcShardClientTest, QueryAndCountAnswerWhatTheLocalClientAnswers) {
  Write({{"1", R"({"title":"red apple","n":1})"},
         {"2", R"({"title":"green apple","n":2})"},
         {"3", R"({"title":"red cherry","n":3})"},
         {"4", R"({"title":"apple pie with apple","n":4})"}});
  Refresh();

  pb::QueryRequest query;
  *query.mutable_target() = Target();
  query.mutable_source()->set_query_json(R"({"match":{"title":"apple"}})");
  query.mutable_source()->set_track_total_hits(10000);
  query.set_size(10);
  pb::QueryResponse over_grpc, in_process;
  Status s = grpc_->Query(query, &over_grpc, DeadlineIn(10s));
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_TRUE(local_->Query(query, &in_process).ok());
  EXPECT_EQ(over_grpc.total(), 3u);
  EXPECT_EQ(over_grpc.hits_size(), 3);
  EXPECT_EQ(over_grpc.SerializeAsString(), in_process.SerializeAsString());

  pb::CountRequest count;
  *count.mutable_target() = Target();
  count.mutable_source()->set_query_json(R"({"match":{"title":"red"}})");
  pb::CountResponse counted_grpc, counted_local;
  s = grpc_->Count(count, &counted_grpc, DeadlineIn(10s));
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_TRUE(local_->Count(count, &counted_local).ok());
  EXPECT_EQ(counted_grpc.count(), 2u);
  EXPECT_EQ(counted_grpc.count(), counted_local.count());
}

TEST_F(GrpcShardClientTest, ErrorsKeepTheirKindAndMessage) {
  // A shard this node does not hold.
  pb::GetRequest get;
  *get.mutable_target() = Target();
  get.mutable_target()->mutable_shard()->set_index_uuid("no-such-index");
  get.add_ids("a");
  ExpectSameError(&ShardClient::Get, get, StatusCode::kUnavailable);

  // A query the shard cannot parse.
  pb::CountRequest count;
  *count.mutable_target() = Target();
  count.mutable_source()->set_query_json(R"({"no_such_query":{}})");
  pb::CountResponse counted;
  Status local = local_->Count(count, &counted);
  ASSERT_FALSE(local.ok());
  ASSERT_NE(local.code(), StatusCode::kUnavailable) << local.ToString();
  ExpectSameError(&ShardClient::Count, count, local.code());

  // A write from an older primary term is fenced off.
  ASSERT_TRUE(Engine().SetPrimaryTerm(2).ok());
  pb::WriteRequest w;
  *w.mutable_target() = Target(1);
  w.add_items()->set_id("x");
  ExpectSameError(&ShardClient::Write, w, StatusCode::kFenced);
}

TEST_F(GrpcShardClientTest, ANodeNotServingShardsAnswersUnavailable) {
  // A server that has not been given its ShardService yet (startup recovery).
  GrpcServer starting(NodeIdentityView{"node-b", nullptr, nullptr});
  ASSERT_TRUE(starting.Start("127.0.0.1:0").ok());
  GrpcShardClient client(Loopback(starting.port()));
  pb::ShardStatsRequest stats;
  *stats.mutable_target() = Target();
  pb::ShardStatsResponse answer;
  Status s = client.Stats(stats, &answer, DeadlineIn(5s));
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("node node-b is not serving shards"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("Stats on " + client.address()), std::string::npos) << s.message();

  // Given one, it answers; cleared again (the node stopping), it does not.
  starting.SetShardService(service_.get());
  s = client.Stats(stats, &answer, DeadlineIn(5s));
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(answer.state(), ShardCopyStateName(ShardCopyState::kStarted));
  starting.SetShardService(nullptr);
  EXPECT_EQ(client.Stats(stats, &answer, DeadlineIn(5s)).code(), StatusCode::kUnavailable);
  starting.Shutdown(1s);
}

TEST_F(GrpcShardClientTest, NothingListeningIsUnavailableAtOnce) {
  GrpcShardClient client(Loopback(ClosedPort()));
  pb::GetRequest get;
  *get.mutable_target() = Target();
  get.add_ids("a");
  pb::GetResponse got;
  const Clock::time_point start = Clock::now();
  Status s = client.Get(get, &got, start + 2s);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("Get on " + client.address()), std::string::npos) << s.message();
  EXPECT_LT(Clock::now() - start, 3s);
}

TEST_F(GrpcShardClientTest, APeerThatNeverAnswersIsUnavailableAtTheDeadline) {
  SilentListener silent;
  ASSERT_NE(silent.port(), 0);
  GrpcShardClient client(Loopback(silent.port()));
  pb::GetRequest get;
  *get.mutable_target() = Target();
  get.add_ids("a");
  pb::GetResponse got;
  const Clock::time_point start = Clock::now();
  Status s = client.Get(get, &got, start + 500ms);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("outcome unknown"), std::string::npos) << s.message();
  EXPECT_GE(Clock::now() - start, 400ms);
  EXPECT_LT(Clock::now() - start, 1500ms);
}

TEST_F(GrpcShardClientTest, ASlowCallPastItsDeadlineHasAnUnknownOutcome) {
  pb::WriteResponse written = Write({{"a", R"({"x":1})"}});
  ASSERT_EQ(written.results_size(), 1);
  // Nothing refreshes on its own here: the wait runs until its own timeout.
  pb::WaitForRefreshRequest wait;
  *wait.mutable_target() = Target();
  wait.set_seq_no(written.results(0).seq_no());
  wait.set_timeout_ms(20'000);
  pb::WaitForRefreshResponse waited;
  const Clock::time_point start = Clock::now();
  Status s = grpc_->WaitForRefresh(wait, &waited, start + 300ms);
  const Clock::duration took = Clock::now() - start;
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_EQ(s.message(), "WaitForRefresh on " + address_ + ": deadline exceeded (outcome unknown)");
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 1300ms);
  // The server still waits; a refresh ends it (and lets the server stop).
  ASSERT_TRUE(Engine().Refresh().ok());
}

// A coordinator starts its batches to other nodes, searches its own shards,
// then takes the answers (ShardFanOut): the started batch answers what the
// in-process client answers, a pending one destroyed unwaited still ends,
// and one to a peer that never answers ends at its deadline, outcome unknown.
TEST_F(GrpcShardClientTest, AStartedBatchIsAnsweredWhenWaitedFor) {
  Write({{"1", R"({"title":"red apple"})"}, {"2", R"({"title":"green apple"})"}});
  Refresh();
  pb::CountRequest count;
  *count.mutable_target() = Target();
  count.mutable_source()->set_query_json(R"({"match":{"title":"apple"}})");
  pb::GetRequest get;
  *get.mutable_target() = Target();
  get.add_ids("2");
  pb::CountResponse counted;
  pb::GetResponse got;
  std::vector<ShardCall> calls = {{ShardMethod::kCount, &count, &counted, Status::OK()},
                                  {ShardMethod::kGet, &get, &got, Status::OK()}};
  std::unique_ptr<ShardClient::PendingBatch> pending = grpc_->StartBatch(calls, DeadlineIn(10s));
  pb::CountResponse local_count;  // the caller's own work meanwhile
  ASSERT_TRUE(local_->Count(count, &local_count).ok());
  pending->Wait();
  ASSERT_TRUE(calls[0].status.ok()) << calls[0].status.ToString();
  ASSERT_TRUE(calls[1].status.ok()) << calls[1].status.ToString();
  EXPECT_EQ(counted.count(), 2u);
  EXPECT_EQ(counted.count(), local_count.count());
  ASSERT_EQ(got.docs_size(), 1);
  EXPECT_EQ(got.docs(0).source(), R"({"title":"green apple"})");

  // Not waited for: its destruction waits (the answer lands in live memory).
  pb::CountResponse again;
  std::vector<ShardCall> unwaited = {{ShardMethod::kCount, &count, &again, Status::OK()}};
  grpc_->StartBatch(unwaited, DeadlineIn(10s)).reset();
  EXPECT_TRUE(unwaited[0].status.ok()) << unwaited[0].status.ToString();
  EXPECT_EQ(again.count(), 2u);

  SilentListener silent;
  ASSERT_NE(silent.port(), 0);
  GrpcShardClient hanging(Loopback(silent.port()));
  pb::CountResponse never;
  std::vector<ShardCall> lost = {{ShardMethod::kCount, &count, &never, Status::OK()},
                                 {ShardMethod::kGet, &get, &got, Status::OK()}};
  const Clock::time_point start = Clock::now();
  hanging.StartBatch(lost, start + 500ms)->Wait();
  EXPECT_GE(Clock::now() - start, 400ms);
  EXPECT_LT(Clock::now() - start, 1500ms);
  for (const ShardCall& call : lost) {
    EXPECT_EQ(call.status.code(), StatusCode::kUnavailable) << call.status.ToString();
    EXPECT_NE(call.status.message().find("outcome unknown"), std::string::npos) << call.status.message();
  }
}

TEST_F(GrpcShardClientTest, ManyThreadsShareOneClientPerPeer) {
  Write({{"a", R"({"x":1})"}});
  EXPECT_EQ(clients_.Get(address_), grpc_);
  std::vector<std::thread> threads;
  std::atomic<int> found{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      std::shared_ptr<GrpcShardClient> client = clients_.Get(address_);
      pb::GetRequest get;
      *get.mutable_target() = Target();
      get.add_ids("a");
      for (int i = 0; i < 25; ++i) {
        pb::GetResponse got;
        if (client->Get(get, &got, DeadlineIn(10s)).ok() && got.docs_size() == 1 && got.docs(0).found()) ++found;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(found.load(), 100);

  // A forgotten peer gets a new client (and channel) on its next use.
  clients_.Forget(address_);
  std::shared_ptr<GrpcShardClient> fresh = clients_.Get(address_);
  EXPECT_NE(fresh, grpc_);
  pb::ShardStatsRequest stats;
  *stats.mutable_target() = Target();
  pb::ShardStatsResponse answer;
  EXPECT_TRUE(fresh->Stats(stats, &answer, DeadlineIn(10s)).ok());
  EXPECT_EQ(answer.max_seq_no(), 0);
}

}  // namespace
}  // namespace holdfast
