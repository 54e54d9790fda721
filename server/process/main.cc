// holdfast: the server process. `holdfast serve` runs a node; `holdfast
// version` prints the build version.
#include <absl/synchronization/mutex.h>
#include <spdlog/spdlog.h>

#include <execinfo.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "lifecycle/exit_codes.h"
#include "server/process/logging.h"
#include "server/process/node.h"
#include "server/process/node_config.h"
#include "server/process/version.h"

namespace {

// A crash says what killed the process, with a backtrace, on stderr (the
// log of a node run by an orchestrator), then dies of the same signal.
// Async-signal-safe calls only (backtrace's unwinder is loaded beforehand).
void OnFatalSignal(int sig) {
  char line[64] = "holdfast: fatal signal ";
  size_t n = strlen(line);
  char digits[8];
  size_t d = 0;
  for (int v = sig; v > 0 && d < sizeof(digits); v /= 10) digits[d++] = static_cast<char>('0' + v % 10);
  while (d > 0) line[n++] = digits[--d];
  const char* tail = "; backtrace:\n";
  memcpy(line + n, tail, strlen(tail));
  n += strlen(tail);
  (void)!write(STDERR_FILENO, line, n);
  void* frames[64];
  const int depth = backtrace(frames, 64);
  backtrace_symbols_fd(frames, depth, STDERR_FILENO);
  signal(sig, SIG_DFL);
  raise(sig);
}

void InstallCrashReport() {
  void* warm[1];
  (void)backtrace(warm, 1);  // loads the unwinder now, not inside the handler
  struct sigaction action {};
  action.sa_handler = OnFatalSignal;
  action.sa_flags = SA_RESETHAND;
  sigemptyset(&action.sa_mask);
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) sigaction(sig, &action, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace holdfast;
  InstallCrashReport();
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
