#include "tests/support/etcd_process.h"

#include "tests/support/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

namespace holdfast::testing {

int FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

std::string OnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t colon = dirs.find(':', start);
    if (colon == std::string::npos) colon = dirs.size();
    const std::string candidate = dirs.substr(start, colon - start) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = colon + 1;
  }
  return name;
}

namespace {

bool Accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

bool EtcdProcess::Start(const std::string& data_dir, std::chrono::milliseconds timeout) {
  data_dir_ = data_dir;
  for (int attempt = 0; attempt < 3; ++attempt) {
    client_port_ = FreeLoopbackPort();
    peer_port_ = FreeLoopbackPort();
    if (client_port_ == 0 || peer_port_ == 0 || client_port_ == peer_port_) continue;
    if (Launch(timeout)) return true;
  }
  return false;
}

bool EtcdProcess::Restart(std::chrono::milliseconds timeout) { return Launch(timeout); }

bool EtcdProcess::Launch(std::chrono::milliseconds timeout) {
  if (process_ && process_->running()) Stop();
  const std::string client = endpoint();
  // Listens on both; advertises the address every client can reach.
  const std::string clients = extra_client_host_.empty() ? client : client + "," + extra_endpoint();
  const std::string advertised = extra_client_host_.empty() ? client : extra_endpoint();
  const std::string peer = "http://127.0.0.1:" + std::to_string(peer_port_);
  process_ = std::make_unique<ChildProcess>();
  std::vector<std::string> argv = {
      OnPath("etcd"), "--name", "test", "--data-dir", data_dir_, "--listen-client-urls", clients, "--advertise-client-urls",
      advertised, "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster",
      "test=" + peer, "--log-level", "warn"};
  if (!tls_.empty()) {
    argv.insert(argv.end(), {"--cert-file", tls_[0], "--key-file", tls_[1], "--client-cert-auth", "--trusted-ca-file",
                             tls_[2]});
  }
  if (!process_->Start(argv, data_dir_ + ".log." + std::to_string(launches_++))) return false;
  // Ready once it accepts clients and reports itself healthy (a leader, a
  // working store): etcd's own /health on the client port.
  const bool healthy = WaitFor(
      [&] {
        if (!process_->running()) return true;
        if (!Accepts(client_port_)) return false;
        if (!tls_.empty()) return true;
        HttpReply r = HttpCall(client_port_, "GET", "/health");
        return r.status == 200 && r.body.find("\"health\":\"true\"") != std::string::npos;
      },
      timeout);
  return healthy && process_->running();
}

void EtcdProcess::Stop() {
  if (!process_ || !process_->running()) return;
  process_->Signal(SIGTERM);
  if (!process_->WaitExit(std::chrono::seconds(10)).has_value()) {
    process_->Signal(SIGKILL);
    (void)process_->WaitExit(std::chrono::seconds(10));
  }
}

}  // namespace holdfast::testing
