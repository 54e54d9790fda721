// holdfast: the server process. `holdfast serve` runs a node; `holdfast
// version` prints the build version.
#include <absl/synchronization/mutex.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "lifecycle/exit_codes.h"
#include "server/process/logging.h"
#include "server/process/node.h"
#include "server/process/node_config.h"
#include "server/process/version.h"

int main(int argc, char** argv) {
  using namespace holdfast;
  // gRPC locks abseil mutexes many times per call; Debian's abseil tracks
  // their lock order in a global graph on every lock (a debugging aid that
  // cost a node ~8% of its CPU on node-to-node searches). Off.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  CLI::App app{"holdfast: a stateful search and recommendation node"};
  app.require_subcommand(1);
  app.set_version_flag("--version", kHoldfastVersion);
  CLI::App* serve = app.add_subcommand("serve", "run a node on a data directory");
  serve->footer(
      "Precedence: flag > HOLDFAST_* environment variable > config file > default.\n"
      "Sizes take b/kb/mb/gb, durations ms/s/m/h. See docs/operations.md.");
  NodeConfigLoader loader;
  loader.RegisterFlags(serve);
  CLI::App* version = app.add_subcommand("version", "print the version and exit");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (version->parsed()) {
    std::printf("holdfast %s\n", kHoldfastVersion);
    return kExitOk;
  }
  auto config = loader.Resolve();
  if (!config.ok()) {
    std::fprintf(stderr, "holdfast: %s\n", config.status().message().c_str());
    return kExitUsage;
  }
  Status s = SetupLogging(config->log_level, config->log_format);
  if (!s.ok()) {
    std::fprintf(stderr, "holdfast: %s\n", s.message().c_str());
    return kExitUsage;
  }
  return RunNode(config.value());
}
