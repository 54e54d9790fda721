// Test support: temporary directories and real child processes (a holdfast
// node or any binary) whose output goes to a log file the test can wait on.
// Waits are conditions polled against a deadline, never bare sleeps.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace holdfast::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents on
// destruction — unless HOLDFAST_KEEP_TEST_DIRS is set (for debugging).
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Every file under `dir` (relative path → bytes; directories as "<dir>"):
// proves that a refused volume was left untouched.
std::map<std::string, std::string> DirectorySnapshot(const std::string& dir);

// Polls `cond` every few milliseconds until it is true or `timeout` passes.
bool WaitFor(const std::function<bool()>& cond, std::chrono::milliseconds timeout);

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();  // SIGKILLs and reaps a child still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Starts argv[0] with stdout and stderr appended to `log_path`.
  bool Start(const std::vector<std::string>& argv, const std::string& log_path);
  pid_t pid() const { return pid_; }
  bool running();
  // How it ended, once running() saw it end: "exit 1", "signal 11 (Segmentation fault)".
  std::string HowItEnded() const;
  // Sends `sig`; for SIGSTOP, returns once the child is stopped.
  void Signal(int sig);
  // Exit code, or 128+signal when killed; nullopt on timeout.
  std::optional<int> WaitExit(std::chrono::milliseconds timeout);
  std::string Log() const;
  bool WaitForLog(const std::string& needle, std::chrono::milliseconds timeout) const;

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  int wait_error_ = 0;  // errno of a failed waitpid
  std::string log_path_;
};

// A holdfast node on loopback with ports chosen by the kernel (port 0) and
// read back from its startup banner.
class NodeProcess {
 public:
  static std::string BinaryPath();  // the holdfast binary under test

  // Starts `holdfast serve --data-dir <data_dir> --http-addr 127.0.0.1:0
  // --grpc-addr 127.0.0.1:0 <extra...>` and waits for its banner. Unless
  // `extra` has --disk-* flags, the disk watermarks are off
  // (--disk-threshold-enabled false): how full the host's disk is must not
  // decide a test of something else. False when
  // it exited or did not start within the deadline (see Log()).
  bool Start(const std::string& data_dir, const std::vector<std::string>& extra = {},
             std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // Waits until /_lifecycle/ready answers 200 (startup recovery done: index
  // and document requests are served). False at the deadline.
  bool WaitReady(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Starts without waiting for the banner (for runs expected to fail, or
  // several nodes started at once: then WaitStarted).
  bool Launch(const std::string& data_dir, const std::vector<std::string>& extra = {});
  // Waits for the banner of a Launch()ed node and reads its ports.
  bool WaitStarted(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // The directory each later Start/Launch writes a new log file in (default:
  // next to the data directory) — off a volume the test fills, say.
  void set_log_dir(std::string dir) { log_dir_ = std::move(dir); }
  // Where later Start/Launch listen: `host` (default 127.0.0.1) and the two
  // ports (default 0: chosen by the kernel). WaitReady asks `reach_host`
  // (default: `host`; give one when `host` is 0.0.0.0).
  void set_listen(std::string host, int http_port = 0, int grpc_port = 0, std::string reach_host = "") {
    host_ = reach_host.empty() ? host : std::move(reach_host);
    listen_host_ = std::move(host);
    listen_http_port_ = http_port;
    listen_grpc_port_ = grpc_port;
  }
  // Words put before the holdfast command line, e.g. {"/usr/sbin/ip",
  // "netns", "exec", "<ns>"}: a wrapper that execs in place, so that pid()
  // stays the node's own and signals reach it.
  void set_command_prefix(std::vector<std::string> prefix) { prefix_ = std::move(prefix); }

  const std::string& host() const { return host_; }
  int http_port() const { return http_port_; }
  int grpc_port() const { return grpc_port_; }
  ChildProcess& process() { return process_; }
  std::string Log() const { return process_.Log(); }
  const std::string& log_path() const { return log_path_; }

 private:
  ChildProcess process_;
  std::string log_path_;
  std::string log_dir_;
  std::string host_ = "127.0.0.1";         // where the test reaches it
  std::string listen_host_ = "127.0.0.1";  // where it listens
  int listen_http_port_ = 0;
  int listen_grpc_port_ = 0;
  std::vector<std::string> prefix_;
  int http_port_ = 0;
  int grpc_port_ = 0;
};

}  // namespace holdfast::testing
