// /_lifecycle/ready answers 503 until startup recovery completes (server/node_routes.h).
#include <gtest/gtest.h>

#include "lifecycle/readiness.h"
#include "lifecycle/volume.h"
#include "server/http/http_router.h"
#include "server/api/node_routes.h"
#include "tests/support/test_process.h"

namespace holdfast {
namespace {

TEST(ReadinessRouteTest, NotReadyUntilRecoveredThenReadyThen503WhileStopping) {
  testing::TempDir tmp;
  VolumeError err;
  auto volume = Volume::Open({tmp.Sub("data"), ""}, &err);
  ASSERT_TRUE(volume.ok());
  NodeConfig config;
  Readiness readiness;
  NodeRouteContext ctx;
  ctx.config = &config;
  ctx.volume = volume->get();
  ctx.readiness = &readiness;
  HttpRouter router;
  AddNodeRoutes(&ctx, &router);
  auto call = [&](const char* path) {
    auto m = router.Find(HttpMethod::kGet, path);
    EXPECT_NE(m.handler, nullptr);
    return (*m.handler)(HttpRequest{});
  };
  EXPECT_EQ(call("/_lifecycle/ready").status, 503);
  EXPECT_NE(call("/_lifecycle/ready").body.find("\"starting\""), std::string::npos);
  EXPECT_EQ(call("/_lifecycle/live").status, 200);
  readiness.set_phase(NodePhase::kReady);
  EXPECT_EQ(call("/_lifecycle/ready").status, 200);
  readiness.set_phase(NodePhase::kStopping);
  EXPECT_EQ(call("/_lifecycle/ready").status, 503);
  EXPECT_NE(call("/_lifecycle/status").body.find("\"phase\":\"stopping\""), std::string::npos);
}

}  // namespace
}  // namespace holdfast
