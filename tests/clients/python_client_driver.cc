// Runs tests/clients/python_client_test.py — the official Elasticsearch
// Python client (python3-elasticsearch 7.17) — against a fresh node on a
// kernel-chosen loopback port, and fails with the script's output unless it
// exits 0.
#include <gtest/gtest.h>

#include <chrono>

#include "tests/support/test_process.h"

namespace holdfast {
namespace {

using testing::ChildProcess;
using testing::NodeProcess;
using testing::TempDir;

TEST(PythonClientTest, OfficialClientAgainstNode) {
  TempDir tmp;
  NodeProcess node;
  ASSERT_TRUE(node.Start(tmp.Sub("data"))) << node.Log();
  ASSERT_TRUE(node.WaitReady()) << node.Log();
  ChildProcess script;
  ASSERT_TRUE(script.Start({HOLDFAST_CLIENT_PYTHON, HOLDFAST_PYTHON_CLIENT_TEST, "--port",
                            std::to_string(node.http_port())},
                           tmp.Sub("python.log")));
  auto code = script.WaitExit(std::chrono::minutes(8));
  ASSERT_TRUE(code.has_value()) << "the script did not finish in time\n" << script.Log();
  EXPECT_EQ(*code, 0) << script.Log() << "\n--- node log ---\n" << node.Log().substr(0, 20000);
  std::printf("%s", script.Log().c_str());
}

}  // namespace
}  // namespace holdfast
