// A real etcd server (Debian's etcd-server) for tests: one member on
// loopback ports picked free, data in a directory of the test's, stopped
// (SIGTERM, then SIGKILL) when the object goes. Only this process is ever
// signalled.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/test_process.h"

namespace holdfast::testing {

// A TCP port on 127.0.0.1 that was free a moment ago (bound, read, closed).
int FreeLoopbackPort();
// The first executable `name` on $PATH, or `name` itself when none is.
std::string OnPath(const std::string& name);

class EtcdProcess {
 public:
  // Starts etcd with its data in `data_dir` and waits until it answers; on
  // a port taken meanwhile it tries again with new ports. False (see Log())
  // when it could not start.
  bool Start(const std::string& data_dir, std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // Before Start: clients may also reach it on `host` (an address of this
  // machine other than loopback, e.g. a test bridge's), same port.
  void set_extra_client_host(std::string host) { extra_client_host_ = std::move(host); }
  // Before Start: clients talk TLS to it (https), with its certificate and
  // key (PEM files), and must show a certificate signed by `client_ca_file`
  // (etcd --client-cert-auth). It is then ready once it accepts
  // connections (its /health needs TLS too).
  void set_tls(std::string cert_file, std::string key_file, std::string client_ca_file) {
    tls_ = {std::move(cert_file), std::move(key_file), std::move(client_ca_file)};
  }
  // Restarts on the same ports and data (after Stop or a kill).
  bool Restart(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  void Stop();  // SIGTERM, then SIGKILL after 10 s
  ChildProcess& process() { return *process_; }
  // "http://127.0.0.1:PORT" ("https://" with set_tls)
  std::string endpoint() const { return scheme() + "://127.0.0.1:" + std::to_string(client_port_); }
  // "http://HOST:PORT" on the extra client host.
  std::string extra_endpoint() const {
    return scheme() + "://" + extra_client_host_ + ":" + std::to_string(client_port_);
  }
  std::string Log() const { return process_ ? process_->Log() : std::string(); }

 private:
  bool Launch(std::chrono::milliseconds timeout);
  std::string scheme() const { return tls_.empty() ? "http" : "https"; }

  std::string data_dir_;
  std::string extra_client_host_;
  std::vector<std::string> tls_;  // cert, key, client CA; empty: plain http
  int client_port_ = 0;
  int peer_port_ = 0;
  int launches_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

}  // namespace holdfast::testing
