#include "tests/support/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace holdfast::testing {

std::string HttpReply::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

HttpConnection::HttpConnection(int port, std::chrono::milliseconds timeout)
    : HttpConnection("127.0.0.1", port, timeout) {}

HttpConnection::HttpConnection(const std::string& host, int port, std::chrono::milliseconds timeout) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  timeval tv{};
  tv.tv_sec = timeout.count() / 1000;
  tv.tv_usec = (timeout.count() % 1000) * 1000;
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

HttpConnection::~HttpConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool HttpConnection::SendRaw(const std::string& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

HttpReply HttpConnection::Request(const std::string& method, const std::string& target,
                                  const std::string& body, const std::string& extra_headers) {
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers;
  if (!body.empty() || method == "POST" || method == "PUT") {
    req += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n" + body;
  if (!SendRaw(req)) return {};
  return ReadReply(method == "HEAD");
}

HttpReply HttpConnection::ReadReply(bool head_only) {
  HttpReply reply;
  std::string& buf = pending_;
  char chunk[16384];
  auto fill = [&]() {
    ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buf.append(chunk, static_cast<size_t>(n));
    return true;
  };
  size_t head_end;
  while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
    if (!fill()) return reply;
  }
  std::string head = buf.substr(0, head_end);
  buf.erase(0, head_end + 4);
  size_t line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  if (status_line.size() >= 12) reply.status = std::atoi(status_line.c_str() + 9);
  size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    size_t e = head.find("\r\n", pos);
    if (e == std::string::npos) e = head.size();
    std::string line = head.substr(pos, e - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      size_t v = colon + 1;
      while (v < line.size() && line[v] == ' ') ++v;
      reply.headers[name] = line.substr(v);
    }
    pos = e + 2;
  }
  size_t length = head_only ? 0 : std::strtoul(reply.Header("content-length").c_str(), nullptr, 10);
  while (buf.size() < length) {
    if (!fill()) break;
  }
  reply.body = buf.substr(0, std::min(length, buf.size()));
  buf.erase(0, reply.body.size());
  return reply;
}

bool HttpConnection::WaitClosed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char c;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) > 0) {
      ssize_t n = ::recv(fd_, &c, 1, 0);
      if (n == 0) return true;
      if (n < 0 && errno != EAGAIN && errno != EINTR) return true;
    }
  }
  return false;
}

HttpReply HttpCall(int port, const std::string& method, const std::string& target,
                   const std::string& body) {
  HttpConnection c(port);
  return c.Request(method, target, body);
}

HttpReply HttpCall(const std::string& host, int port, const std::string& method, const std::string& target,
                   const std::string& body, std::chrono::milliseconds timeout) {
  HttpConnection c(host, port, timeout);
  if (!c.connected()) return {};
  return c.Request(method, target, body);
}

}  // namespace holdfast::testing
