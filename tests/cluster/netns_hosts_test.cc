// The network-namespace hosts of the fault tests (tests/support/
// netns_hosts.h): traffic crosses between them; a fault drops packets — a
// connect hangs until its deadline and an established stream stalls, nothing
// is refused or reset; healing brings it all back; nothing is left behind.
// Needs root, iproute2 and nftables: without them these tests fail, saying so.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ostream>
#include <string>
#include <thread>

#include "tests/support/netns_hosts.h"
#include "tests/support/test_process.h"

namespace holdfast::testing {
namespace {

using namespace std::chrono_literals;

// A TCP socket made inside namespace `ns` ("" = the root one): it stays in
// that namespace whatever thread uses it later. setns runs on a thread of
// its own, so the test's thread never leaves the root namespace.
int SocketIn(const std::string& ns) {
  int fd = -1;
  std::thread t([&] {
    if (!ns.empty()) {
      const int nsfd = ::open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
      if (nsfd < 0 || ::setns(nsfd, CLONE_NEWNET) != 0) return;
      ::close(nsfd);
    }
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  });
  t.join();
  return fd;
}

sockaddr_in Address(const std::string& ip, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  return a;
}

// A listening socket on ip:port inside `ns`.
int Listen(const std::string& ns, const std::string& ip, int port) {
  const int fd = SocketIn(ns);
  if (fd < 0) return -1;
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in a = Address(ip, port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || ::listen(fd, 16) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

enum class ConnectResult { kConnected, kTimedOut, kRefused, kOtherError };

const char* Name(ConnectResult r) {
  switch (r) {
    case ConnectResult::kConnected: return "connected";
    case ConnectResult::kTimedOut: return "timed out";
    case ConnectResult::kRefused: return "refused";
    case ConnectResult::kOtherError: return "failed otherwise";
  }
  return "?";
}

// What a failed expectation prints.
void PrintTo(ConnectResult r, std::ostream* os) { *os << Name(r); }

// A non-blocking connect from a socket made in `from_ns` to ip:port, waited
// for until `timeout`; on success *out holds the connected socket.
ConnectResult Connect(const std::string& from_ns, const std::string& ip, int port, std::chrono::milliseconds timeout,
                      int* out = nullptr) {
  const int fd = SocketIn(from_ns);
  if (fd < 0) return ConnectResult::kOtherError;
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  sockaddr_in a = Address(ip, port);
  ConnectResult result = ConnectResult::kConnected;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    if (errno != EINPROGRESS) {
      result = errno == ECONNREFUSED ? ConnectResult::kRefused : ConnectResult::kOtherError;
    } else {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, static_cast<int>(timeout.count())) == 0) {
        result = ConnectResult::kTimedOut;
      } else {
        int err = 0;
        socklen_t len = sizeof(err);
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        result = err == 0 ? ConnectResult::kConnected
                          : err == ECONNREFUSED ? ConnectResult::kRefused : ConnectResult::kOtherError;
      }
    }
  }
  if (result == ConnectResult::kConnected && out != nullptr) {
    *out = fd;
  } else {
    ::close(fd);
  }
  return result;
}

// Accepts one connection within `timeout` (-1 when none came).
int Accept(int listener, std::chrono::milliseconds timeout) {
  pollfd p{listener, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return -1;
  return ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
}

// Bytes that arrive on `fd` within `timeout` ("" when none did).
std::string Receive(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return "";
  char buf[256];
  const ssize_t n = ::recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

bool Send(int fd, const std::string& bytes) {
  return ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
}

bool Mentions(const std::vector<std::string>& argv, const std::string& needle) {
  return RunCommand(argv).output.find(needle) != std::string::npos;
}

constexpr int kPort = 7700;

TEST(NetnsHosts, TrafficCrossesAFaultDropsItAndHealingBringsItBack) {
  NetnsHosts hosts(2);
  ASSERT_TRUE(hosts.ok()) << "cannot make network-namespace hosts: " << hosts.error();
  const int listener = Listen(hosts.ns(0), hosts.address(0), kPort);
  ASSERT_GE(listener, 0) << "listen on " << hosts.address(0) << " in " << hosts.ns(0) << ": " << std::strerror(errno);

  // Host 1 → host 0, and the root namespace → host 0.
  int stream = -1;
  ASSERT_EQ(Connect(hosts.ns(1), hosts.address(0), kPort, 5s, &stream), ConnectResult::kConnected);
  const int accepted = Accept(listener, 5s);
  ASSERT_GE(accepted, 0);
  ASSERT_TRUE(Send(stream, "before"));
  EXPECT_EQ(Receive(accepted, 5s), "before");
  ASSERT_EQ(Connect("", hosts.address(0), kPort, 5s), ConnectResult::kConnected);
  ::close(Accept(listener, 5s));
  // A port nobody listens on is refused: the probe tells refusals apart.
  EXPECT_EQ(Connect(hosts.ns(1), hosts.address(0), kPort + 1, 5s), ConnectResult::kRefused);

  // Isolated: a connect hangs until its deadline, an established stream stalls.
  ASSERT_TRUE(hosts.Isolate(0)) << hosts.error();
  EXPECT_EQ(Connect(hosts.ns(1), hosts.address(0), kPort, 1500ms), ConnectResult::kTimedOut);
  EXPECT_EQ(Connect("", hosts.address(0), kPort, 1500ms), ConnectResult::kTimedOut);
  EXPECT_EQ(Connect(hosts.ns(1), hosts.address(0), kPort + 1, 1500ms), ConnectResult::kTimedOut)
      << "even a closed port must not answer (no RST through a partition)";
  ASSERT_TRUE(Send(stream, "during"));  // into the socket's buffer
  EXPECT_EQ(Receive(accepted, 2s), "") << "bytes crossed an isolated host's link";
  // Its own loopback still works.
  const int local = Listen(hosts.ns(0), "127.0.0.1", kPort);
  ASSERT_GE(local, 0);
  EXPECT_EQ(Connect(hosts.ns(0), "127.0.0.1", kPort, 2s), ConnectResult::kConnected);
  ::close(local);

  // Healed: the stalled bytes arrive (TCP retransmits them), new connects work.
  ASSERT_TRUE(hosts.HealAll()) << hosts.error();
  EXPECT_EQ(Receive(accepted, 15s), "during");
  EXPECT_EQ(Connect(hosts.ns(1), hosts.address(0), kPort, 5s), ConnectResult::kConnected);
  ::close(Accept(listener, 5s));
  ::close(stream);
  ::close(accepted);
  ::close(listener);
}

TEST(NetnsHosts, ALinkCutAndACutFromEtcdDropOnlyTheirOwnTraffic) {
  NetnsHosts hosts(3);
  ASSERT_TRUE(hosts.ok()) << "cannot make network-namespace hosts: " << hosts.error();
  const int on0 = Listen(hosts.ns(0), hosts.address(0), kPort);
  const int etcd = Listen("", hosts.etcd_address(), kPort);
  ASSERT_GE(on0, 0);
  ASSERT_GE(etcd, 0) << "listen on " << hosts.etcd_address() << ": " << std::strerror(errno);
  ASSERT_EQ(Connect(hosts.ns(0), hosts.etcd_address(), kPort, 5s), ConnectResult::kConnected);
  ::close(Accept(etcd, 5s));

  ASSERT_TRUE(hosts.CutLink(0, 1)) << hosts.error();
  EXPECT_EQ(Connect(hosts.ns(1), hosts.address(0), kPort, 1500ms), ConnectResult::kTimedOut);
  EXPECT_EQ(Connect(hosts.ns(2), hosts.address(0), kPort, 5s), ConnectResult::kConnected);
  ::close(Accept(on0, 5s));
  ASSERT_TRUE(hosts.HealAll()) << hosts.error();

  ASSERT_TRUE(hosts.CutFromEtcd(0)) << hosts.error();
  EXPECT_EQ(hosts.Describe(), "h0 cut from etcd");
  EXPECT_EQ(Connect(hosts.ns(0), hosts.etcd_address(), kPort, 1500ms), ConnectResult::kTimedOut);
  // The test's own client (the bridge's other address) and the other hosts still reach it.
  EXPECT_EQ(Connect("", hosts.address(0), kPort, 5s), ConnectResult::kConnected);
  ::close(Accept(on0, 5s));
  EXPECT_EQ(Connect(hosts.ns(1), hosts.address(0), kPort, 5s), ConnectResult::kConnected);
  ::close(Accept(on0, 5s));
  EXPECT_EQ(Connect(hosts.ns(1), hosts.etcd_address(), kPort, 5s), ConnectResult::kConnected);
  ::close(Accept(etcd, 5s));
  ASSERT_TRUE(hosts.HealAll()) << hosts.error();
  EXPECT_EQ(Connect(hosts.ns(0), hosts.etcd_address(), kPort, 5s), ConnectResult::kConnected);
  ::close(Accept(etcd, 5s));
  ::close(on0);
  ::close(etcd);
}

TEST(NetnsHosts, NothingIsLeftBehindAndLeftoversOfDeadRunsAreRemoved) {
  // A leftover of a run whose process is gone: a namespace named with the
  // pid of a child that has exited.
  const pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ASSERT_GT(dead, 0);
  ::waitpid(dead, nullptr, 0);
  const std::string stale = std::string(NetnsHosts::kNsPrefix) + std::to_string(dead) + "-0";
  ASSERT_TRUE(RunCommand({"ip", "netns", "add", stale}).ok()) << "cannot make a namespace (root? iproute2?)";

  std::string names;
  {
    NetnsHosts hosts(2);
    ASSERT_TRUE(hosts.ok()) << "cannot make network-namespace hosts: " << hosts.error();
    EXPECT_FALSE(Mentions({"ip", "netns", "list"}, stale)) << "a dead run's namespace was left in place";
    EXPECT_TRUE(Mentions({"ip", "netns", "list"}, hosts.ns(1)));
    ASSERT_TRUE(hosts.Isolate(1)) << hosts.error();
    names = std::to_string(::getpid());
  }
  EXPECT_FALSE(Mentions({"ip", "netns", "list"}, std::string(NetnsHosts::kNsPrefix) + names + "-"));
  EXPECT_FALSE(Mentions({"ip", "-o", "link", "show"}, std::string(NetnsHosts::kBridgePrefix) + names + ":"));
  EXPECT_FALSE(Mentions({"ip", "-o", "link", "show"}, std::string(NetnsHosts::kVethPrefix) + names + "-"));
}

}  // namespace
}  // namespace holdfast::testing
