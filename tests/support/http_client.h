// Test support: a small blocking HTTP/1.1 client on POSIX sockets, so tests
// can send exactly the bytes they mean (oversized heads, slow bodies, raw
// garbage) and reuse one keep-alive connection.
#pragma once

#include <chrono>
#include <map>
#include <string>

namespace holdfast::testing {

struct HttpReply {
  int status = 0;  // 0: no reply (connection closed or timed out)
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string Header(const std::string& name) const;
};

class HttpConnection {
 public:
  // `timeout` bounds the connect and each send and receive on the socket
  // (SO_SNDTIMEO, SO_RCVTIMEO), so a peer behind dropped packets fails the
  // call instead of hanging it.
  explicit HttpConnection(int port, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // The same to an IPv4 address other than 127.0.0.1 ("10.1.2.3").
  HttpConnection(const std::string& host, int port, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Sends a request with Content-Length and reads the reply.
  HttpReply Request(const std::string& method, const std::string& target,
                    const std::string& body = "", const std::string& extra_headers = "");
  bool SendRaw(const std::string& bytes);
  // `head_only`: a reply to HEAD has a Content-Length but no body.
  HttpReply ReadReply(bool head_only = false);
  // True when the server closed the connection (read returns 0) within the timeout.
  bool WaitClosed(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
  std::string pending_;  // bytes read past the last reply
};

// One request on a fresh connection.
HttpReply HttpCall(int port, const std::string& method, const std::string& target,
                   const std::string& body = "");
// The same to `host` (an IPv4 address), every socket call bounded by `timeout`.
HttpReply HttpCall(const std::string& host, int port, const std::string& method, const std::string& target,
                   const std::string& body = "", std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace holdfast::testing
