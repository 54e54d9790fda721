#include "tests/support/test_process.h"

#include <algorithm>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "tests/support/http_client.h"

namespace holdfast::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/holdfast-test-XXXXXX";
  char* made = ::mkdtemp(tmpl.data());
  path_ = made ? made : "";
}

TempDir::~TempDir() {
  std::error_code ec;
  if (std::getenv("HOLDFAST_KEEP_TEST_DIRS") != nullptr) {
    std::fprintf(stderr, "kept test dir %s\n", path_.c_str());
    return;
  }
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

std::map<std::string, std::string> DirectorySnapshot(const std::string& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    std::string rel = std::filesystem::relative(e.path(), dir).string();
    if (!e.is_regular_file()) {
      files[rel] = "<dir>";
      continue;
    }
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    files[rel] = ss.str();
  }
  return files;
}

bool WaitFor(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (cond()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

ChildProcess::~ChildProcess() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    WaitExit(std::chrono::seconds(10));
  }
}

bool ChildProcess::Start(const std::vector<std::string>& argv, const std::string& log_path) {
  log_path_ = log_path;
  exit_code_.reset();
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) return false;
  if (pid_ == 0) {
    // Dies with the test (even one that crashes and runs no destructor), so
    // a failed test never leaves a node, an etcd or a mount in use behind.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the test died before prctl
    int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return true;
}

bool ChildProcess::running() {
  if (pid_ <= 0 || exit_code_) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  if (r == pid_) {
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  } else {
    wait_error_ = errno;
  }
  return false;
}

std::string ChildProcess::HowItEnded() const {
  if (wait_error_ != 0) return std::string("waitpid failed: ") + std::strerror(wait_error_);
  if (!exit_code_) return "still running";
  if (*exit_code_ > 128) {
    return "signal " + std::to_string(*exit_code_ - 128) + " (" + strsignal(*exit_code_ - 128) + ")";
  }
  return "exit " + std::to_string(*exit_code_);
}

namespace {

// The state letter of /proc/<pid>/stat ('T': stopped), or 0.
char ProcState(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() ? stat[paren + 2] : 0;
}

}  // namespace

void ChildProcess::Signal(int sig) {
  if (!running()) return;
  ::kill(pid_, sig);
  // A stop is delivered asynchronously: return once the child is stopped,
  // so that what the test does next meets a paused process, not a race.
  if (sig == SIGSTOP) WaitFor([this] { return ProcState(pid_) == 'T'; }, std::chrono::seconds(5));
}

std::optional<int> ChildProcess::WaitExit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  WaitFor([this] { return !running(); }, timeout);
  return exit_code_;
}

std::string ChildProcess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool ChildProcess::WaitForLog(const std::string& needle, std::chrono::milliseconds timeout) const {
  return WaitFor([&] { return Log().find(needle) != std::string::npos; }, timeout);
}

std::string NodeProcess::BinaryPath() { return HOLDFAST_BINARY; }

bool NodeProcess::Launch(const std::string& data_dir, const std::vector<std::string>& extra) {
  static int counter = 0;
  const std::string base = log_dir_.empty() ? data_dir : log_dir_ + "/node";
  log_path_ = base + ".log." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  const std::vector<std::string> command = {BinaryPath(), "serve", "--data-dir", data_dir,
                                            "--http-addr", listen_host_ + ":" + std::to_string(listen_http_port_),
                                            "--grpc-addr", listen_host_ + ":" + std::to_string(listen_grpc_port_)};
  std::vector<std::string> argv = prefix_;
  argv.insert(argv.end(), command.begin(), command.end());
  argv.insert(argv.end(), extra.begin(), extra.end());
  // The host's disk may be nearly full (a CI machine's often is): past the
  // flood stage every write would get 429 and tests of other things would
  // fail. Tests of the disk watermarks give --disk-* flags of their own.
  const bool disk_flags = std::any_of(extra.begin(), extra.end(), [](const std::string& a) {
    return a.rfind("--disk-", 0) == 0;
  });
  if (!disk_flags) {
    argv.push_back("--disk-threshold-enabled");
    argv.push_back("false");
  }
  // A stop goes straight to closing the listeners unless the test asks for
  // the readiness delay (5 s by default) that load balancers need.
  if (std::find(extra.begin(), extra.end(), "--shutdown-readiness-delay") == extra.end()) {
    argv.push_back("--shutdown-readiness-delay");
    argv.push_back("0s");
  }
  return process_.Start(argv, log_path_);
}

bool NodeProcess::WaitReady(std::chrono::milliseconds timeout) {
  return WaitFor([this] { return HttpCall(host_, http_port_, "GET", "/_lifecycle/ready").status == 200; }, timeout);
}

bool NodeProcess::Start(const std::string& data_dir, const std::vector<std::string>& extra,
                        std::chrono::milliseconds timeout) {
  return Launch(data_dir, extra) && WaitStarted(timeout);
}

bool NodeProcess::WaitStarted(std::chrono::milliseconds timeout) {
  static const std::regex kBanner(R"(http_address=[^ ]*:(\d+) grpc_address=[^ ]*:(\d+))");
  std::smatch m;
  bool ok = WaitFor(
      [&] {
        std::string log = Log();
        if (std::regex_search(log, m, kBanner)) {
          http_port_ = std::stoi(m[1].str());
          grpc_port_ = std::stoi(m[2].str());
          return true;
        }
        return !process_.running();
      },
      timeout);
  return ok && http_port_ > 0;
}

}  // namespace holdfast::testing
