#include "tests/support/netns_hosts.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <sstream>

#include "tests/support/etcd_process.h"

namespace holdfast::testing {

CommandResult RunCommand(const std::vector<std::string>& argv) {
  CommandResult result;
  if (argv.empty()) return result;
  // Everything the child needs is made before the fork: between fork and
  // exec (other threads may hold locks) it only calls async-signal-safe code.
  const std::string path = argv[0].find('/') == std::string::npos ? OnPath(argv[0]) : argv[0];
  std::vector<char*> args;
  args.push_back(const_cast<char*>(path.c_str()));
  for (size_t i = 1; i < argv.size(); ++i) args.push_back(const_cast<char*>(argv[i].c_str()));
  args.push_back(nullptr);
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return result;
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(out[0]);
    ::close(out[1]);
    return result;
  }
  if (pid == 0) {
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(out[1]);
  char buf[4096];
  ssize_t n;
  while ((n = ::read(out[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0) result.output.append(buf, static_cast<size_t>(n));
  }
  ::close(out[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

namespace {

constexpr char kTable[] = "holdfast_fault";

// The pid a name of ours carries ("hfnet123-0" → 123), or 0.
pid_t PidInName(const std::string& name, const std::string& prefix) {
  if (name.rfind(prefix, 0) != 0) return 0;
  pid_t pid = 0;
  size_t i = prefix.size();
  for (; i < name.size() && std::isdigit(static_cast<unsigned char>(name[i])); ++i) pid = pid * 10 + (name[i] - '0');
  return i == prefix.size() ? 0 : pid;
}

bool PidGone(pid_t pid) { return ::access(("/proc/" + std::to_string(pid)).c_str(), F_OK) != 0; }

// First word of every line of `ip -o netns list` / the name field of `ip -o link show`.
std::vector<std::string> Namespaces() {
  std::vector<std::string> out;
  std::istringstream lines(RunCommand({"ip", "netns", "list"}).output);
  std::string line;
  while (std::getline(lines, line)) {
    const std::string name = line.substr(0, line.find(' '));
    if (!name.empty()) out.push_back(name);
  }
  return out;
}

std::vector<std::string> Links() {
  std::vector<std::string> out;
  std::istringstream lines(RunCommand({"ip", "-o", "link", "show"}).output);
  std::string line;
  while (std::getline(lines, line)) {
    // "7: hfnv123-0@if2: <BROADCAST,..."
    const size_t start = line.find(": ");
    if (start == std::string::npos) continue;
    const size_t end = line.find_first_of("@:", start + 2);
    out.push_back(line.substr(start + 2, end == std::string::npos ? std::string::npos : end - start - 2));
  }
  return out;
}

// Removes namespaces, bridges and veths of test processes that are gone.
void RemoveLeftovers() {
  for (const std::string& ns : Namespaces()) {
    const pid_t pid = PidInName(ns, NetnsHosts::kNsPrefix);
    if (pid > 0 && PidGone(pid)) RunCommand({"ip", "netns", "del", ns});
  }
  for (const std::string& link : Links()) {
    for (const char* prefix : {NetnsHosts::kBridgePrefix, NetnsHosts::kVethPrefix}) {
      const pid_t pid = PidInName(link, prefix);
      if (pid > 0 && PidGone(pid)) RunCommand({"ip", "link", "del", link});
    }
  }
}

bool Executable(const std::string& name) { return ::access(OnPath(name).c_str(), X_OK) == 0; }

}  // namespace

NetnsHosts::NetnsHosts(size_t count) : count_(count), tag_(std::to_string(::getpid())), ns_made_(count, false) {
  ok_ = Create();
}

NetnsHosts::~NetnsHosts() {
  for (size_t i = 0; i < count_; ++i) {
    if (ns_made_[i]) RunCommand({"ip", "netns", "del", ns(i)});
    // Gone with its namespace's end, unless a process still holds that
    // namespace (then deleting this end removes the pair).
    RunCommand({"ip", "link", "del", kVethPrefix + tag_ + "-" + std::to_string(i)});
  }
  if (bridge_made_) RunCommand({"ip", "link", "del", kBridgePrefix + tag_});
}

bool NetnsHosts::Fail(std::string what) {
  error_ = std::move(what);
  return false;
}

bool NetnsHosts::Create() {
  if (::geteuid() != 0) return Fail("network namespace hosts need root (CAP_NET_ADMIN, CAP_SYS_ADMIN)");
  if (!Executable("ip")) return Fail("no `ip` on PATH: install iproute2 (scripts/install-deps)");
  if (!Executable("nft")) return Fail("no `nft` on PATH: install nftables (scripts/install-deps)");
  RemoveLeftovers();
  // A /24 under 10/8 from the pid; one the machine already routes (another
  // test's, or the machine's own network) is skipped.
  const unsigned pid = static_cast<unsigned>(::getpid());
  bool found = false;
  for (unsigned attempt = 0; attempt < 64 && !found; ++attempt) {
    const unsigned v = (pid + attempt * 7919u) & 0xffffu;
    octet2_ = static_cast<int>(v >> 8);
    octet3_ = static_cast<int>(v & 0xffu);
    const CommandResult routes = RunCommand({"ip", "-o", "-4", "route", "show", "to", "match", root_address()});
    if (!routes.ok()) return Fail("`ip route` failed: " + routes.output);
    found = true;
    std::istringstream lines(routes.output);
    std::string line;
    while (std::getline(lines, line)) found = found && (line.empty() || line.rfind("default", 0) == 0);
  }
  if (!found) return Fail("every candidate subnet under 10.0.0.0/8 is already routed on this machine");

  const std::string bridge = kBridgePrefix + tag_;
  auto run = [this](const std::vector<std::string>& argv) {
    const CommandResult r = RunCommand(argv);
    if (r.ok()) return true;
    std::string cmd;
    for (const std::string& a : argv) cmd += (cmd.empty() ? "" : " ") + a;
    return Fail("`" + cmd + "` failed (exit " + std::to_string(r.exit_code) + "): " + r.output);
  };
  if (!run({"ip", "link", "add", bridge, "type", "bridge"})) return false;
  bridge_made_ = true;
  if (!run({"ip", "addr", "add", root_address() + "/24", "dev", bridge}) ||
      !run({"ip", "addr", "add", etcd_address() + "/24", "dev", bridge}) ||
      !run({"ip", "link", "set", bridge, "up"})) {
    return false;
  }
  for (size_t i = 0; i < count_; ++i) {
    const std::string veth = kVethPrefix + tag_ + "-" + std::to_string(i);
    if (!run({"ip", "netns", "add", ns(i)})) return false;
    ns_made_[i] = true;
    if (!run({"ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns(i)}) ||
        !run({"ip", "link", "set", veth, "master", bridge}) || !run({"ip", "link", "set", veth, "up"}) ||
        !run({"ip", "-n", ns(i), "addr", "add", address(i) + "/24", "dev", "eth0"}) ||
        !run({"ip", "-n", ns(i), "link", "set", "eth0", "up"}) || !run({"ip", "-n", ns(i), "link", "set", "lo", "up"})) {
      return false;
    }
  }
  return true;
}

std::string NetnsHosts::ns(size_t host) const { return kNsPrefix + tag_ + "-" + std::to_string(host); }

std::string NetnsHosts::address(size_t host) const {
  return "10." + std::to_string(octet2_) + "." + std::to_string(octet3_) + "." + std::to_string(host + 2);
}

std::string NetnsHosts::root_address() const {
  return "10." + std::to_string(octet2_) + "." + std::to_string(octet3_) + ".1";
}

std::string NetnsHosts::etcd_address() const {
  return "10." + std::to_string(octet2_) + "." + std::to_string(octet3_) + ".254";
}

std::vector<std::string> NetnsHosts::ExecPrefix(size_t host) const { return {OnPath("ip"), "netns", "exec", ns(host)}; }

// Replaces the host's fault table with the rules of the faults in force
// (one nft transaction: the old rules go and the new ones come at once).
bool NetnsHosts::ApplyRules(size_t host) {
  std::vector<std::string> drop_from;  // input: "ip saddr X", output: "ip daddr X"
  if (cut_from_etcd_.count(host)) drop_from.push_back(etcd_address());
  for (const auto& [a, b] : cut_links_) {
    if (a == host) drop_from.push_back(address(b));
    if (b == host) drop_from.push_back(address(a));
  }
  const bool isolated = isolated_.count(host) > 0;
  std::string script = std::string("table inet ") + kTable + "\ndelete table inet " + kTable + "\n";
  if (isolated || !drop_from.empty()) {
    std::string in = "  chain input { type filter hook input priority 0; policy accept;\n";
    std::string out = "  chain output { type filter hook output priority 0; policy accept;\n";
    if (isolated) {
      in += "    iifname != \"lo\" drop\n";
      out += "    oifname != \"lo\" drop\n";
    }
    for (const std::string& peer : drop_from) {
      in += "    ip saddr " + peer + " drop\n";
      out += "    ip daddr " + peer + " drop\n";
    }
    script += std::string("table inet ") + kTable + " {\n" + in + "  }\n" + out + "  }\n}\n";
  }
  const CommandResult r = RunCommand({"ip", "netns", "exec", ns(host), "nft", script});
  return r.ok() || Fail("nft in " + ns(host) + " failed (exit " + std::to_string(r.exit_code) + "): " + r.output);
}

bool NetnsHosts::Isolate(size_t host) {
  if (host >= count_) return Fail("no host " + std::to_string(host));
  isolated_.insert(host);
  return ApplyRules(host);
}

bool NetnsHosts::CutFromEtcd(size_t host) {
  if (host >= count_) return Fail("no host " + std::to_string(host));
  cut_from_etcd_.insert(host);
  return ApplyRules(host);
}

bool NetnsHosts::CutLink(size_t a, size_t b) {
  if (a >= count_ || b >= count_ || a == b) return Fail("no link between hosts " + std::to_string(a) + " and " + std::to_string(b));
  cut_links_.insert({std::min(a, b), std::max(a, b)});
  return ApplyRules(a) && ApplyRules(b);
}

bool NetnsHosts::HealAll() {
  isolated_.clear();
  cut_from_etcd_.clear();
  cut_links_.clear();
  bool ok = true;
  for (size_t i = 0; i < count_; ++i) ok = ApplyRules(i) && ok;
  return ok;
}

std::string NetnsHosts::Describe() const {
  std::string out;
  auto add = [&out](const std::string& s) { out += (out.empty() ? "" : "; ") + s; };
  for (size_t h : isolated_) add("isolated h" + std::to_string(h));
  for (size_t h : cut_from_etcd_) add("h" + std::to_string(h) + " cut from etcd");
  for (const auto& [a, b] : cut_links_) add("cut h" + std::to_string(a) + "<->h" + std::to_string(b));
  return out.empty() ? "no faults" : out;
}

}  // namespace holdfast::testing
