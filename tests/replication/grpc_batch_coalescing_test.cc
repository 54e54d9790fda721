// Coalescing of batches to one peer (replication/grpc_shard_client.h): a
// real GrpcServer on 127.0.0.1 answering with a real ShardService. While the
// client's rpc slots are taken, the batches started meanwhile wait and then
// travel together in one rpc, each answered exactly as if it had gone alone;
// a thread waiting for a batch that waits takes the answers of the rpcs ahead
// of it (no other thread has to); many threads over two peers, waiting in
// opposite orders, all finish; a peer of an older version (no batches in a
// batch) gets each batch on its own.
#include <gtest/gtest.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include "holdfast/v1/shard.grpc.pb.h"
#include "replication/grpc_shard_client.h"
#include "replication/proto_convert.h"
#include "server/grpc/grpc_server.h"
#include "tests/replication/shard_service_fixture.h"

namespace holdfast {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class GrpcBatchCoalescingTest : public testing::ShardServiceFixture {
 protected:
  void SetUp() override {
    ShardServiceFixture::SetUp();
    if (HasFatalFailure()) return;
    server_ = std::make_unique<GrpcServer>(NodeIdentityView{"node-a", nullptr, nullptr});
    ASSERT_TRUE(server_->Start("127.0.0.1:0").ok());
    server_->SetShardService(service_.get());
    address_ = "127.0.0.1:" + std::to_string(server_->port());
    pb::WriteRequest w;
    *w.mutable_target() = Target();
    for (int i = 0; i < kDocs; ++i) {
      pb::DocWrite* d = w.add_items();
      d->set_id(std::to_string(i));
      d->set_source(R"({"title":"doc )" + std::to_string(i) + R"("})");
    }
    pb::WriteResponse written;
    ASSERT_TRUE(service_->Write(w, &written).ok());
    last_seq_no_ = Engine().Stats().max_seq_no;
    ASSERT_TRUE(Engine().Refresh().ok());
    // Refreshes only when a test says (a WaitForRefresh then waits: Blocker).
    Engine().SetRefreshInterval(std::chrono::hours(1));
  }
  void TearDown() override {
    if (server_) {
      server_->SetShardService(nullptr);
      server_->Shutdown(2s);
    }
    ShardServiceFixture::TearDown();
  }

  // A batch of a Get of document `id` and a Count: what a caller keeps
  // until its batch is answered.
  struct GetAndCount {
    pb::GetRequest get;
    pb::GetResponse got;
    pb::CountRequest count;
    pb::CountResponse counted;
    std::vector<ShardCall> calls;
  };
  std::unique_ptr<GetAndCount> MakeBatch(int id) {
    auto b = std::make_unique<GetAndCount>();
    *b->get.mutable_target() = Target();
    b->get.add_ids(std::to_string(id));
    *b->count.mutable_target() = Target();
    b->count.mutable_source()->set_query_json(R"({"match":{"title":")" + std::to_string(id) + R"("}})");
    b->calls = {{ShardMethod::kGet, &b->get, &b->got, Status::OK()},
                {ShardMethod::kCount, &b->count, &b->counted, Status::OK()}};
    return b;
  }
  // Its answers are those of document `id`.
  static void ExpectAnswered(const GetAndCount& b, int id) {
    ASSERT_EQ(b.calls.size(), 2u);
    ASSERT_TRUE(b.calls[0].status.ok()) << b.calls[0].status.ToString();
    ASSERT_TRUE(b.calls[1].status.ok()) << b.calls[1].status.ToString();
    ASSERT_EQ(b.got.docs_size(), 1);
    EXPECT_TRUE(b.got.docs(0).found());
    EXPECT_EQ(b.got.docs(0).source(), R"({"title":"doc )" + std::to_string(id) + R"("})");
    EXPECT_EQ(b.counted.count(), 1u);
  }

  // A call that stays on the server until the next refresh (nothing here
  // refreshes on its own): it holds one of a client's rpc slots.
  struct Blocker {
    pb::WaitForRefreshRequest wait;
    pb::WaitForRefreshResponse waited;
    std::vector<ShardCall> calls;
  };
  std::unique_ptr<Blocker> MakeBlocker() {
    auto b = std::make_unique<Blocker>();
    *b->wait.mutable_target() = Target();
    b->wait.set_seq_no(last_seq_no_ + 1);  // the next write's
    b->wait.set_timeout_ms(20'000);
    b->calls = {{ShardMethod::kWaitForRefresh, &b->wait, &b->waited, Status::OK()}};
    return b;
  }
  // Lets the blockers go: a write (the seq_no they wait for) and a refresh.
  void Unblock() {
    pb::WriteRequest w;
    *w.mutable_target() = Target();
    pb::DocWrite* d = w.add_items();
    d->set_id("unblock");
    d->set_source(R"({"title":"unblock"})");
    pb::WriteResponse written;
    ASSERT_TRUE(service_->Write(w, &written).ok());
    last_seq_no_ = Engine().Stats().max_seq_no;
    ASSERT_TRUE(Engine().Refresh().ok());
  }

  static constexpr int kDocs = 40;
  std::unique_ptr<GrpcServer> server_;
  std::string address_;
  int64_t last_seq_no_ = 0;
};

TEST_F(GrpcBatchCoalescingTest, BatchesStartedWhileTheSlotIsTakenTravelTogether) {
  GrpcShardClient client(address_, /*max_batches_in_flight=*/1);
  std::unique_ptr<Blocker> blocker = MakeBlocker();
  std::unique_ptr<ShardClient::PendingBatch> first = client.StartBatch(blocker->calls, DeadlineIn(15s));
  EXPECT_EQ(client.batch_rpcs(), 1u);

  // Five batches while the one slot is taken: none leaves yet.
  std::vector<std::unique_ptr<GetAndCount>> batches;
  std::vector<std::unique_ptr<ShardClient::PendingBatch>> pending;
  for (int i = 0; i < 5; ++i) {
    batches.push_back(MakeBatch(i * 7));
    pending.push_back(client.StartBatch(batches.back()->calls, DeadlineIn(15s)));
  }
  EXPECT_EQ(client.batch_rpcs(), 1u);
  EXPECT_EQ(client.batches_sent(), 1u);

  // Waiting for the last of them: this thread takes the first rpc's answer
  // (it is the only one waiting), which sends the five in one rpc.
  std::thread unblock([this] {
    std::this_thread::sleep_for(100ms);  // the waiter below is in its wait by then, or soon
    Unblock();
  });
  const Clock::time_point start = Clock::now();
  pending.back()->Wait();
  unblock.join();
  EXPECT_LT(Clock::now() - start, 10s);
  EXPECT_EQ(client.batch_rpcs(), 2u);
  EXPECT_EQ(client.batches_sent(), 6u);
  for (auto& p : pending) p->Wait();
  for (int i = 0; i < 5; ++i) ExpectAnswered(*batches[i], i * 7);
  first->Wait();
  EXPECT_TRUE(blocker->calls[0].status.ok()) << blocker->calls[0].status.ToString();

  // A free slot: a batch goes at once and alone.
  std::unique_ptr<GetAndCount> alone = MakeBatch(3);
  client.StartBatch(alone->calls, DeadlineIn(15s))->Wait();
  ExpectAnswered(*alone, 3);
  EXPECT_EQ(client.batch_rpcs(), 3u);
}

TEST_F(GrpcBatchCoalescingTest, ABatchWhoseDeadlineIsFarFromTheWaitingOnesGoesAlone) {
  GrpcShardClient client(address_, /*max_batches_in_flight=*/1);
  std::unique_ptr<Blocker> blocker = MakeBlocker();
  std::unique_ptr<ShardClient::PendingBatch> first = client.StartBatch(blocker->calls, DeadlineIn(15s));
  std::unique_ptr<GetAndCount> waits = MakeBatch(1);
  std::unique_ptr<ShardClient::PendingBatch> queued = client.StartBatch(waits->calls, DeadlineIn(15s));
  EXPECT_EQ(client.batch_rpcs(), 1u);
  // Its deadline is 13 s earlier than the waiting batch's: it must not wait
  // with it (the rpc would carry the earlier deadline for both).
  std::unique_ptr<GetAndCount> hurried = MakeBatch(2);
  const Clock::time_point start = Clock::now();
  client.StartBatch(hurried->calls, DeadlineIn(2s))->Wait();
  EXPECT_LT(Clock::now() - start, 2s);
  ExpectAnswered(*hurried, 2);
  EXPECT_EQ(client.batch_rpcs(), 2u);
  Unblock();
  queued->Wait();
  ExpectAnswered(*waits, 1);
  first->Wait();
}

// Coordinators wait for their batches in whatever order they started them;
// a batch waiting for a slot at one peer must never wait on a thread that
// itself waits at another peer. Eight threads, two peers (two clients of one
// slot each), random waiting orders, every answer right and in time.
TEST_F(GrpcBatchCoalescingTest, ManyThreadsOverTwoPeersWaitingInAnyOrderAllFinish) {
  GrpcShardClient a(address_, 1), b(address_, 1);
  std::atomic<int> right{0};
  std::vector<std::thread> threads;
  const Clock::time_point start = Clock::now();
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 random(static_cast<uint32_t>(t));
      for (int i = 0; i < 40; ++i) {
        const int ida = static_cast<int>(random() % kDocs), idb = static_cast<int>(random() % kDocs);
        std::unique_ptr<GetAndCount> ba = MakeBatch(ida), bb = MakeBatch(idb);
        std::unique_ptr<ShardClient::PendingBatch> pa = a.StartBatch(ba->calls, DeadlineIn(20s));
        std::unique_ptr<ShardClient::PendingBatch> pb = b.StartBatch(bb->calls, DeadlineIn(20s));
        if (random() % 2 == 0) {
          pa->Wait();
          pb->Wait();
        } else {
          pb->Wait();
          pa->Wait();
        }
        const bool ok = ba->calls[0].status.ok() && bb->calls[0].status.ok() && ba->got.docs_size() == 1 &&
                        bb->got.docs_size() == 1 &&
                        ba->got.docs(0).source() == R"({"title":"doc )" + std::to_string(ida) + R"("})" &&
                        bb->got.docs(0).source() == R"({"title":"doc )" + std::to_string(idb) + R"("})";
        if (ok) ++right;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(right.load(), 8 * 40);
  EXPECT_LT(Clock::now() - start, 15s);
  // They met on the way: fewer rpcs than batches.
  EXPECT_EQ(a.batches_sent(), 8u * 40);
  EXPECT_LT(a.batch_rpcs() + b.batch_rpcs(), a.batches_sent() + b.batches_sent());
}

// A batch in a batch holding batches is refused, with a reason; the others
// of the rpc are answered.
TEST_F(GrpcBatchCoalescingTest, OnlyOneLevelOfBatchesInABatch) {
  std::unique_ptr<GetAndCount> inner = MakeBatch(5);
  pb::BatchRequest one;
  ASSERT_TRUE(EncodeBatch(inner->calls, &one).ok());
  pb::BatchRequest two;
  pb::ShardCall* nested = two.add_calls();
  nested->set_method("Batch");
  nested->set_request(one.SerializeAsString());
  pb::BatchRequest request;
  pb::ShardCall* deep = request.add_calls();
  deep->set_method("Batch");
  deep->set_request(two.SerializeAsString());
  pb::ShardCall* fine = request.add_calls();
  fine->set_method("Batch");
  fine->set_request(one.SerializeAsString());
  pb::BatchResponse response;
  service_->HandleBatch(request, &response);
  ASSERT_EQ(response.results_size(), 2);
  ASSERT_TRUE(response.results(0).has_error());
  EXPECT_NE(response.results(0).error().message().find("one level only"), std::string::npos);
  ASSERT_FALSE(response.results(1).has_error());
  pb::BatchResponse answer;
  ASSERT_TRUE(answer.ParseFromString(response.results(1).response()));
  DecodeBatch(answer, inner->calls);
  ExpectAnswered(*inner, 5);
}

// A peer of an older version: it knows the Batch rpc but not batches in a
// batch (every such call answers "unknown shard method [Batch]").
class OlderPeer final : public pb::Shard::Service {
 public:
  explicit OlderPeer(ShardService* service) : service_(service) {}
  grpc::Status Batch(grpc::ServerContext*, const pb::BatchRequest* request, pb::BatchResponse* response) override {
    const bool nested = std::any_of(request->calls().begin(), request->calls().end(),
                                    [](const pb::ShardCall& call) { return call.method() == "Batch"; });
    if (!nested) {
      service_->HandleBatch(*request, response);
      return grpc::Status::OK;
    }
    ++nested_rpcs;
    for (const pb::ShardCall& call : request->calls()) {
      ToProto(Status::InvalidArgument("unknown shard method [" + call.method() + "] in a batch"),
              response->add_results()->mutable_error());
    }
    return grpc::Status::OK;
  }
  std::atomic<int> nested_rpcs{0};

 private:
  ShardService* service_;
};

TEST_F(GrpcBatchCoalescingTest, APeerThatKnowsNoBatchesInABatchGetsEachOnItsOwn) {
  OlderPeer older(service_.get());
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&older);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  GrpcShardClient client("127.0.0.1:" + std::to_string(port), 1);
  std::unique_ptr<Blocker> blocker = MakeBlocker();
  std::unique_ptr<ShardClient::PendingBatch> first = client.StartBatch(blocker->calls, DeadlineIn(10s));
  std::vector<std::unique_ptr<GetAndCount>> batches;
  std::vector<std::unique_ptr<ShardClient::PendingBatch>> pending;
  for (int i = 1; i <= 3; ++i) {
    batches.push_back(MakeBatch(i));
    pending.push_back(client.StartBatch(batches.back()->calls, DeadlineIn(10s)));
  }
  EXPECT_EQ(client.batch_rpcs(), 1u);
  Unblock();
  for (auto& p : pending) p->Wait();
  first->Wait();
  EXPECT_EQ(older.nested_rpcs.load(), 1);  // the three went together, were refused, and went again alone
  for (int i = 1; i <= 3; ++i) ExpectAnswered(*batches[i - 1], i);
  // From then on every batch goes at once, even while the slot is taken.
  blocker = MakeBlocker();
  first = client.StartBatch(blocker->calls, DeadlineIn(10s));
  const uint64_t rpcs = client.batch_rpcs();
  std::unique_ptr<GetAndCount> x = MakeBatch(8), y = MakeBatch(9);
  auto px = client.StartBatch(x->calls, DeadlineIn(10s));
  auto py = client.StartBatch(y->calls, DeadlineIn(10s));
  EXPECT_EQ(client.batch_rpcs(), rpcs + 2);
  px->Wait();
  py->Wait();
  ExpectAnswered(*x, 8);
  ExpectAnswered(*y, 9);
  Unblock();
  first->Wait();
  EXPECT_EQ(older.nested_rpcs.load(), 1);
  server->Shutdown(std::chrono::system_clock::now() + 2s);
}

}  // namespace
}  // namespace holdfast
