// Coalescing of search batches to one peer (replication/grpc_shard_client.h):
// a real ShardService behind gRPC on 127.0.0.1. While the client's rpc slots
// are taken, the search batches started meanwhile wait and then travel
// together in one rpc, each answered exactly as if it had gone alone; a
// thread waiting for a batch that waits takes the answers of the rpcs ahead
// of it (no other thread has to); many threads over two peers, waiting in
// opposite orders, all finish; a full rpc of waiting batches goes without
// a slot; writes never wait for a slot; a peer of an older version (no
// batches in a batch) gets each batch on its own.
#include <gtest/gtest.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
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

// A peer whose Batch rpcs wait while its gate is closed when they carry the
// query text "hold-me" (such a batch holds one of a client's slots for as
// long as a test likes); the others are answered at once by the real
// ShardService. `older`: it answers every batch in a batch "unknown shard
// method [Batch]", as a node of an older version does.
class GatedPeer final : public pb::Shard::Service {
 public:
  explicit GatedPeer(ShardService* service) : service_(service) {}
  grpc::Status Batch(grpc::ServerContext*, const pb::BatchRequest* request, pb::BatchResponse* response) override {
    ++rpcs;
    const bool nested = std::any_of(request->calls().begin(), request->calls().end(),
                                    [](const pb::ShardCall& call) { return call.method() == "Batch"; });
    if (nested) ++nested_rpcs;
    if (request->SerializeAsString().find("hold-me") != std::string::npos) {
      std::unique_lock<std::mutex> lock(mu_);
      if (!cv_.wait_for(lock, std::chrono::seconds(20), [&] { return open_; })) {
        return grpc::Status(grpc::StatusCode::INTERNAL, "the gate stayed closed");
      }
    }
    if (nested && older) {
      for (const pb::ShardCall& call : request->calls()) {
        ToProto(Status::InvalidArgument("unknown shard method [" + call.method() + "] in a batch"),
                response->add_results()->mutable_error());
      }
      return grpc::Status::OK;
    }
    service_->HandleBatch(*request, response);
    return grpc::Status::OK;
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = false;
  }
  std::atomic<int> rpcs{0}, nested_rpcs{0};
  std::atomic<bool> older{false};

 private:
  ShardService* service_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

class GrpcBatchCoalescingTest : public testing::ShardServiceFixture {
 protected:
  void SetUp() override {
    ShardServiceFixture::SetUp();
    if (HasFatalFailure()) return;
    pb::WriteRequest w;
    *w.mutable_target() = Target();
    for (int i = 0; i < kDocs; ++i) {
      pb::DocWrite* d = w.add_items();
      d->set_id(std::to_string(i));
      d->set_source(R"({"title":"doc )" + std::to_string(i) + R"("})");
    }
    pb::WriteResponse written;
    ASSERT_TRUE(service_->Write(w, &written).ok());
    ASSERT_TRUE(Engine().Refresh().ok());
    // The real node's gRPC server, and the gated peer on a port of its own.
    server_ = std::make_unique<GrpcServer>(NodeIdentityView{"node-a", nullptr, nullptr});
    ASSERT_TRUE(server_->Start("127.0.0.1:0").ok());
    server_->SetShardService(service_.get());
    address_ = "127.0.0.1:" + std::to_string(server_->port());
    gated_ = std::make_unique<GatedPeer>(service_.get());
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(gated_.get());
    gated_server_ = builder.BuildAndStart();
    ASSERT_NE(gated_server_, nullptr);
    gated_address_ = "127.0.0.1:" + std::to_string(port);
  }
  void TearDown() override {
    if (gated_) gated_->Open();
    if (gated_server_) gated_server_->Shutdown(std::chrono::system_clock::now() + 2s);
    if (server_) {
      server_->SetShardService(nullptr);
      server_->Shutdown(2s);
    }
    ShardServiceFixture::TearDown();
  }

  // A search batch (the calls of search phases): a Fetch of document `id`
  // and a Count. What a caller keeps until its batch is answered.
  struct FetchAndCount {
    pb::FetchRequest get;
    pb::FetchResponse got;
    pb::CountRequest count;
    pb::CountResponse counted;
    std::vector<ShardCall> calls;
  };
  std::unique_ptr<FetchAndCount> MakeBatch(int id, const std::string& query = "") {
    auto b = std::make_unique<FetchAndCount>();
    *b->get.mutable_target() = Target();
    b->get.add_ids(std::to_string(id));
    b->get.mutable_source()->set_enabled(true);
    *b->count.mutable_target() = Target();
    b->count.mutable_source()->set_query_json(
        query.empty() ? R"({"match":{"title":")" + std::to_string(id) + R"("}})" : query);
    b->calls = {{ShardMethod::kFetch, &b->get, &b->got, Status::OK()},
                {ShardMethod::kCount, &b->count, &b->counted, Status::OK()}};
    return b;
  }
  // Its answers are those of document `id`.
  static void ExpectAnswered(const FetchAndCount& b, int id) {
    ASSERT_EQ(b.calls.size(), 2u);
    ASSERT_TRUE(b.calls[0].status.ok()) << b.calls[0].status.ToString();
    ASSERT_TRUE(b.calls[1].status.ok()) << b.calls[1].status.ToString();
    ASSERT_EQ(b.got.docs_size(), 1);
    EXPECT_TRUE(b.got.docs(0).found());
    EXPECT_EQ(b.got.docs(0).source(), R"({"title":"doc )" + std::to_string(id) + R"("})");
    EXPECT_EQ(b.counted.count(), 1u);
  }
  // A search batch the gated peer holds until it opens.
  std::unique_ptr<FetchAndCount> MakeHeld() { return MakeBatch(0, R"({"match":{"title":"hold-me"}})"); }
  static void ExpectHeldAnswered(const FetchAndCount& b) {
    ASSERT_TRUE(b.calls[0].status.ok()) << b.calls[0].status.ToString();
    ASSERT_TRUE(b.calls[1].status.ok()) << b.calls[1].status.ToString();
    EXPECT_EQ(b.counted.count(), 0u);
  }

  static constexpr int kDocs = 40;
  std::unique_ptr<GrpcServer> server_;
  std::string address_;
  std::unique_ptr<GatedPeer> gated_;
  std::unique_ptr<grpc::Server> gated_server_;
  std::string gated_address_;
};

TEST_F(GrpcBatchCoalescingTest, BatchesStartedWhileTheSlotIsTakenTravelTogether) {
  GrpcShardClient client(gated_address_, /*max_batches_in_flight=*/1);
  std::unique_ptr<FetchAndCount> held = MakeHeld();
  std::unique_ptr<ShardClient::PendingBatch> first = client.StartBatch(held->calls, DeadlineIn(15s));
  EXPECT_EQ(client.batch_rpcs(), 1u);
  ASSERT_TRUE(testing::WaitFor([&] { return gated_->rpcs.load() == 1; }, 5s)) << "the held batch never reached the peer";

  // Five batches while the one slot is taken: none leaves yet.
  std::vector<std::unique_ptr<FetchAndCount>> batches;
  std::vector<std::unique_ptr<ShardClient::PendingBatch>> pending;
  for (int i = 0; i < 5; ++i) {
    batches.push_back(MakeBatch(i * 7));
    pending.push_back(client.StartBatch(batches.back()->calls, DeadlineIn(15s)));
  }
  EXPECT_EQ(client.batch_rpcs(), 1u);
  EXPECT_EQ(client.batches_sent(), 1u);
  EXPECT_EQ(gated_->rpcs.load(), 1);

  // Waiting for the last of them: this thread takes the first rpc's answer
  // (nobody else waits), which sends the five in one rpc.
  std::thread open([this] {
    std::this_thread::sleep_for(100ms);  // whether the wait below began by then or not
    gated_->Open();
  });
  const Clock::time_point start = Clock::now();
  pending.back()->Wait();
  open.join();
  EXPECT_LT(Clock::now() - start, 10s);
  EXPECT_EQ(client.batch_rpcs(), 2u);
  EXPECT_EQ(client.batches_sent(), 6u);
  EXPECT_EQ(gated_->rpcs.load(), 2);
  EXPECT_EQ(gated_->nested_rpcs.load(), 1);
  for (auto& p : pending) p->Wait();
  for (int i = 0; i < 5; ++i) ExpectAnswered(*batches[i], i * 7);
  first->Wait();
  ExpectHeldAnswered(*held);

  // A free slot: a batch goes at once and alone.
  std::unique_ptr<FetchAndCount> alone = MakeBatch(3);
  client.StartBatch(alone->calls, DeadlineIn(15s))->Wait();
  ExpectAnswered(*alone, 3);
  EXPECT_EQ(client.batch_rpcs(), 3u);
}

// coalesce_full_at 3: the third batch waiting for the one slot makes the
// rpc full, and it goes at once, beyond the slot; with two rpcs out (twice
// the slots) a further full set waits after all, and goes once one is back.
TEST_F(GrpcBatchCoalescingTest, AFullRpcOfWaitingBatchesGoesWithoutWaitingForTheSlot) {
  GrpcShardClient client(gated_address_, /*max_batches_in_flight=*/1, /*coalesce_full_at=*/3);
  std::unique_ptr<FetchAndCount> held = MakeHeld();
  std::unique_ptr<ShardClient::PendingBatch> first = client.StartBatch(held->calls, DeadlineIn(15s));
  ASSERT_TRUE(testing::WaitFor([&] { return gated_->rpcs.load() == 1; }, 5s)) << "the held batch never reached the peer";

  std::vector<std::unique_ptr<FetchAndCount>> batches;
  std::vector<std::unique_ptr<ShardClient::PendingBatch>> pending;
  auto start = [&](int i) {
    batches.push_back(MakeBatch(i));
    pending.push_back(client.StartBatch(batches.back()->calls, DeadlineIn(15s)));
  };
  start(1);
  start(2);
  EXPECT_EQ(client.batch_rpcs(), 1u) << "two batches wait for the slot";
  start(3);
  EXPECT_EQ(client.batch_rpcs(), 2u) << "the third made the rpc full: it went without the slot";
  EXPECT_EQ(client.batches_sent(), 4u);
  ASSERT_TRUE(testing::WaitFor([&] { return gated_->rpcs.load() == 2; }, 5s)) << "the full rpc never reached the peer";
  EXPECT_EQ(gated_->nested_rpcs.load(), 1);

  // Two rpcs out, twice the one slot: three more wait, full or not.
  for (int i = 4; i <= 6; ++i) start(i);
  EXPECT_EQ(client.batch_rpcs(), 2u);

  // The full rpc was answered (the peer held only the first): taking its
  // answer frees a slot and the three waiting go.
  pending[0]->Wait();
  ExpectAnswered(*batches[0], 1);
  EXPECT_EQ(client.batch_rpcs(), 3u);
  EXPECT_EQ(client.batches_sent(), 7u);
  gated_->Open();
  for (auto& p : pending) p->Wait();
  for (int i = 0; i < 6; ++i) ExpectAnswered(*batches[i], i + 1);
  first->Wait();
  ExpectHeldAnswered(*held);
  EXPECT_EQ(gated_->rpcs.load(), 3);
}

TEST_F(GrpcBatchCoalescingTest, WritesAndBatchesWithFarDeadlinesDoNotWaitForASlot) {
  GrpcShardClient client(gated_address_, /*max_batches_in_flight=*/1);
  std::unique_ptr<FetchAndCount> held = MakeHeld();
  std::unique_ptr<ShardClient::PendingBatch> first = client.StartBatch(held->calls, DeadlineIn(15s));
  std::unique_ptr<FetchAndCount> waits = MakeBatch(1);
  std::unique_ptr<ShardClient::PendingBatch> queued = client.StartBatch(waits->calls, DeadlineIn(15s));
  EXPECT_EQ(client.batch_rpcs(), 1u);

  // A write is not a search phase: it goes at once, while the slot is taken.
  pb::WriteRequest write;
  *write.mutable_target() = Target();
  pb::DocWrite* doc = write.add_items();
  doc->set_id("written");
  doc->set_source(R"({"title":"written meanwhile"})");
  pb::WriteResponse written;
  std::vector<ShardCall> writes = {{ShardMethod::kWrite, &write, &written, Status::OK()}};
  Clock::time_point start = Clock::now();
  client.StartBatch(writes, DeadlineIn(15s))->Wait();
  EXPECT_LT(Clock::now() - start, 5s);
  ASSERT_TRUE(writes[0].status.ok()) << writes[0].status.ToString();
  ASSERT_EQ(written.results_size(), 1);
  EXPECT_FALSE(written.results(0).has_error());
  EXPECT_EQ(client.batch_rpcs(), 2u);

  // A search batch whose deadline is 13 s earlier than the waiting one's must
  // not wait with it (the rpc would carry the earlier deadline for both).
  std::unique_ptr<FetchAndCount> hurried = MakeBatch(2);
  start = Clock::now();
  client.StartBatch(hurried->calls, DeadlineIn(2s))->Wait();
  EXPECT_LT(Clock::now() - start, 2s);
  ExpectAnswered(*hurried, 2);
  EXPECT_EQ(client.batch_rpcs(), 3u);

  gated_->Open();
  queued->Wait();
  ExpectAnswered(*waits, 1);
  first->Wait();
  ExpectHeldAnswered(*held);
  EXPECT_EQ(client.batch_rpcs(), 4u);
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
        std::unique_ptr<FetchAndCount> ba = MakeBatch(ida), bb = MakeBatch(idb);
        std::unique_ptr<ShardClient::PendingBatch> pa = a.StartBatch(ba->calls, DeadlineIn(20s));
        std::unique_ptr<ShardClient::PendingBatch> pb = b.StartBatch(bb->calls, DeadlineIn(20s));
        if (random() % 2 == 0) {
          pa->Wait();
          pb->Wait();
        } else {
          pb->Wait();
          pa->Wait();
        }
        auto is = [](const FetchAndCount& x, int id) {
          return x.calls[0].status.ok() && x.calls[1].status.ok() && x.got.docs_size() == 1 &&
                 x.got.docs(0).source() == R"({"title":"doc )" + std::to_string(id) + R"("})" &&
                 x.counted.count() == 1;
        };
        if (is(*ba, ida) && is(*bb, idb)) ++right;
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
  std::unique_ptr<FetchAndCount> inner = MakeBatch(5);
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

TEST_F(GrpcBatchCoalescingTest, APeerThatKnowsNoBatchesInABatchGetsEachOnItsOwn) {
  gated_->older = true;
  GrpcShardClient client(gated_address_, 1);
  std::unique_ptr<FetchAndCount> held = MakeHeld();
  std::unique_ptr<ShardClient::PendingBatch> first = client.StartBatch(held->calls, DeadlineIn(10s));
  std::vector<std::unique_ptr<FetchAndCount>> batches;
  std::vector<std::unique_ptr<ShardClient::PendingBatch>> pending;
  for (int i = 1; i <= 3; ++i) {
    batches.push_back(MakeBatch(i));
    pending.push_back(client.StartBatch(batches.back()->calls, DeadlineIn(10s)));
  }
  EXPECT_EQ(client.batch_rpcs(), 1u);
  gated_->Open();
  for (auto& p : pending) p->Wait();
  first->Wait();
  ExpectHeldAnswered(*held);
  // The three went together, were refused, and went again, each alone.
  EXPECT_EQ(gated_->nested_rpcs.load(), 1);
  EXPECT_EQ(gated_->rpcs.load(), 1 + 1 + 3);
  for (int i = 1; i <= 3; ++i) ExpectAnswered(*batches[i - 1], i);

  // From then on every batch goes at once, even while the slot is taken.
  gated_->Close();
  held = MakeHeld();
  first = client.StartBatch(held->calls, DeadlineIn(10s));
  const uint64_t rpcs = client.batch_rpcs();
  std::unique_ptr<FetchAndCount> x = MakeBatch(8), y = MakeBatch(9);
  auto px = client.StartBatch(x->calls, DeadlineIn(10s));
  auto py = client.StartBatch(y->calls, DeadlineIn(10s));
  EXPECT_EQ(client.batch_rpcs(), rpcs + 2);
  px->Wait();
  py->Wait();
  ExpectAnswered(*x, 8);
  ExpectAnswered(*y, 9);
  gated_->Open();
  first->Wait();
  ExpectHeldAnswered(*held);
  EXPECT_EQ(gated_->nested_rpcs.load(), 1);
}

}  // namespace
}  // namespace holdfast
