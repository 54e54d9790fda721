// RunKit: starts what a kit starts — the real holdfast, with exactly the
// kit's command line and environment (`env -i`, nothing inherited from the
// test) — substituting only the data dir (a temp dir), the listen addresses
// (127.0.0.1, port 0), etcd's endpoints (a real etcd on loopback) and files
// the kit mounts from secrets (temp files). Then it asks the kit's probes,
// runs the kit's holdfastctl pre-stop, checks the kill timeout against the
// shutdown the kit configures, and stops every node with SIGTERM.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <regex>
#include <sstream>

#include "tests/kits/kit_model.h"
#include "tests/support/etcd_process.h"
#include "tests/support/http_client.h"
#include "tests/support/test_process.h"

namespace holdfast::kits {

using namespace std::chrono_literals;
using holdfast::testing::ChildProcess;
using holdfast::testing::HttpCall;
using holdfast::testing::TempDir;
using holdfast::testing::WaitFor;

namespace {

std::string Dirname(const std::string& p) { return p.substr(0, p.rfind('/')); }
std::string Basename(const std::string& p) { return p.substr(p.rfind('/') + 1); }

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// stdout and stderr of a command that must end within `timeout`.
std::pair<int, std::string> Capture(const std::vector<std::string>& argv) {
  std::string cmd = "timeout 30 ";
  for (const std::string& a : argv) cmd += Quote(a) + " ";
  FILE* p = ::popen((cmd + "2>&1").c_str(), "r");
  if (p == nullptr) throw KitError("cannot run " + cmd);
  std::string out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof(buf), p)) > 0;) out.append(buf, n);
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

const HelpInfo& ServeHelp() {
  static const HelpInfo help = Help(HoldfastBinary(), {"serve"});
  return help;
}
const HelpInfo& CtlHelp() {
  static const HelpInfo help = Help(HoldfastctlBinary(), {});
  return help;
}
const HelpInfo& PreStopHelp() {
  static const HelpInfo help = Help(HoldfastctlBinary(), {"lifecycle", "pre-stop"});
  return help;
}

struct Address {
  std::string host;
  int port = -1;
};
Address SplitAddress(const std::string& text, const std::string& what) {
  const size_t colon = text.rfind(':');
  Address a;
  if (colon == std::string::npos || colon == 0) throw KitError(what + " \"" + text + "\" is not host:port");
  a.host = text.substr(0, colon);
  const std::string port = text.substr(colon + 1);
  if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos) {
    throw KitError(what + " \"" + text + "\" has no numeric port");
  }
  a.port = std::stoi(port);
  return a;
}
bool IsIpLiteral(std::string host) {
  unsigned char buf[16];
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    return ::inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), buf) == 1;
  }
  return ::inet_pton(AF_INET, host.c_str(), buf) == 1;
}
bool AnyAddress(const std::string& host) { return host == "0.0.0.0" || host == "[::]" || host == "::"; }

// Whether holdfastctl given `ctl` reaches a node listening on `listen`
// (inside the same container or host).
bool Reaches(const Address& ctl, const Address& listen) {
  if (ctl.port != listen.port) return false;
  if (ctl.host == listen.host) return true;
  const bool ctl_local = ctl.host == "127.0.0.1" || ctl.host == "localhost";
  return ctl_local && (AnyAddress(listen.host) || listen.host == "127.0.0.1" || listen.host == "localhost");
}

// A flag's value on a command line (from `first`): "--x v" or "--x=v"; the
// index of the value word, or npos.
size_t FlagValueIndex(const std::vector<std::string>& argv, size_t first, const std::string& flag) {
  size_t found = std::string::npos;
  for (size_t i = first; i < argv.size(); ++i) {
    if (argv[i] == flag && i + 1 < argv.size()) found = i + 1;
    if (StartsWith(argv[i], flag + "=")) found = i;
  }
  return found;
}
std::string ValueAt(const std::vector<std::string>& argv, size_t i, const std::string& flag) {
  return StartsWith(argv[i], flag + "=") ? argv[i].substr(flag.size() + 1) : argv[i];
}
void SetValueAt(std::vector<std::string>* argv, size_t i, const std::string& flag, const std::string& value) {
  (*argv)[i] = StartsWith((*argv)[i], flag + "=") ? flag + "=" + value : value;
}

// Every word of `argv` from `first` is a flag `help` knows, or a flag's value.
void CheckFlags(const std::vector<std::string>& argv, size_t first, const HelpInfo& help, const std::string& what) {
  for (size_t i = first; i < argv.size(); ++i) {
    const std::string flag = argv[i].substr(0, argv[i].find('='));
    if (!StartsWith(flag, "--")) throw KitError(what + ": \"" + argv[i] + "\" is not a flag");
    if (help.flags.count(flag) == 0) throw KitError(what + ": " + flag + " is not a flag of " + Basename(argv[0]));
    if (argv[i].find('=') == std::string::npos && help.valued.count(flag)) ++i;  // its value
  }
}

void CheckExpanded(const std::vector<std::string>& argv, const std::string& what) {
  for (const std::string& a : argv) {
    if (a.find("$(") != std::string::npos || a.find("${") != std::string::npos) {
      throw KitError(what + ": \"" + a + "\" still holds an unexpanded variable");
    }
  }
}

void CheckEnvironment(const Env& env, const std::string& what) {
  const std::set<std::string> known = KnownEnvironment();
  for (const auto& [key, value] : env) {
    if ((StartsWith(key, "HOLDFAST_") || StartsWith(key, "HOLDFASTCTL_")) && known.count(key) == 0) {
      throw KitError(what + ": environment variable " + key + " is read by neither holdfast nor holdfastctl");
    }
    if (value.find("$(") != std::string::npos || value.find("${") != std::string::npos) {
      throw KitError(what + ": " + key + "=" + value + " still holds an unexpanded variable");
    }
  }
}

// The binary a kit names must be the one it installs.
void CheckBinary(const Kit& kit, const KitCommand& c, const std::string& name) {
  if (c.argv.empty() || Basename(c.argv[0]) != name) {
    throw KitError(kit.name + ": expected " + name + ", the command is " + (c.argv.empty() ? "empty" : c.argv[0]));
  }
  if (c.argv[0] == name) {  // found through PATH
    auto path = c.env.find("PATH");
    if (path == c.env.end() || (":" + path->second + ":").find(":" + kit.install_dir + ":") == std::string::npos) {
      throw KitError(kit.name + ": runs `" + name + "` through a PATH without " + kit.install_dir);
    }
  } else if (Dirname(c.argv[0]) != kit.install_dir) {
    throw KitError(kit.name + ": runs " + c.argv[0] + ", but the binaries are installed in " + kit.install_dir);
  }
}

bool UnderAny(const std::string& path, const std::vector<std::string>& dirs) {
  for (std::string d : dirs) {
    while (d.size() > 1 && d.back() == '/') d.pop_back();
    if (path == d || StartsWith(path, d + "/")) return true;
  }
  return false;
}

struct Node {
  std::string name;
  std::unique_ptr<ChildProcess> process;
  std::string log;
  int http_port = 0, grpc_port = 0;
  Address grpc_kit;  // the gRPC address as the kit gives it
  std::optional<std::string> token_kit;
};

std::string Tail(const std::string& s) { return s.size() > 4000 ? s.substr(s.size() - 4000) : s; }

// Starts `argv` with exactly `env` (and nothing of the test's environment).
std::unique_ptr<ChildProcess> StartClean(const std::vector<std::string>& argv, const Env& env, const std::string& log) {
  std::vector<std::string> full = {"/usr/bin/env", "-i"};
  for (const auto& [k, v] : env) full.push_back(k + "=" + v);
  full.insert(full.end(), argv.begin(), argv.end());
  auto p = std::make_unique<ChildProcess>();
  if (!p->Start(full, log)) throw KitError("cannot start " + argv[0]);
  return p;
}

}  // namespace

std::string HoldfastBinary() { return holdfast::testing::NodeProcess::BinaryPath(); }
std::string HoldfastctlBinary() { return Dirname(HoldfastBinary()) + "/holdfastctl"; }

HelpInfo Help(const std::string& binary, const std::vector<std::string>& words) {
  std::vector<std::string> argv = {binary};
  argv.insert(argv.end(), words.begin(), words.end());
  argv.push_back("--help");
  auto [rc, out] = Capture(argv);
  if (rc != 0) throw KitError(binary + " --help exited " + std::to_string(rc) + ": " + out);
  HelpInfo help;
  static const std::regex kEnv(R"(\(Env:([A-Z0-9_]+)\))");
  std::string section;
  for (const std::string& line : Lines(out)) {
    if (!line.empty() && line[0] != ' ') {
      section = line;
      continue;
    }
    std::istringstream words_in(line);
    std::string first, second;
    words_in >> first >> second;
    if (section == "Subcommands:" && !first.empty() && line.size() > 2 && line[2] != ' ') help.subcommands.insert(first);
    if (section != "Options:" || !StartsWith(first, "-")) continue;
    std::string flag = first.substr(first.find("--") == std::string::npos ? 0 : first.find("--"));
    help.flags.insert(flag);
    if (const size_t eq = second.find('='); eq != std::string::npos) help.defaults[flag] = second.substr(eq + 1);
    if (!second.empty() && std::isupper(static_cast<unsigned char>(second[0]))) help.valued.insert(flag);
    std::smatch m;
    if (std::regex_search(line, m, kEnv)) help.flag_env[flag] = m[1].str();
  }
  if (help.flags.empty()) throw KitError("no flags in " + binary + " --help: " + out);
  return help;
}

std::set<std::string> KnownEnvironment() {
  std::set<std::string> names;
  for (const HelpInfo* h : {&ServeHelp(), &CtlHelp()}) {
    for (const auto& [flag, env] : h->flag_env) names.insert(env);
  }
  return names;
}

std::string ImageTag(const std::string& docker_dir) {
  for (const std::string& line : Lines(ReadFile(docker_dir + "/README.md"))) {
    if (line.find("docker build") == std::string::npos) continue;
    std::istringstream in(line);
    for (std::string w; in >> w;) {
      if (w == "-t" && in >> w) return w;
    }
  }
  throw KitError(docker_dir + "/README.md has no `docker build ... -t TAG` line");
}

std::string DockerDir() { return HOLDFAST_DOCKER_DIR; }

const Dockerfile& Image() {
  static const Dockerfile df = ParseDockerfile(DockerDir() + "/Dockerfile");
  return df;
}

Env ImageEnv() {
  Env env = {{"PATH", kImagePath}};
  for (const auto& [k, v] : Image().env) env[k] = v;
  return env;
}

std::vector<std::string> ContainerCommand(const std::optional<std::vector<std::string>>& entrypoint,
                                          const std::optional<std::vector<std::string>>& cmd) {
  std::vector<std::string> argv = entrypoint ? *entrypoint : Image().entrypoint;
  const std::vector<std::string>& rest = cmd ? *cmd : entrypoint ? std::vector<std::string>{} : Image().cmd;
  argv.insert(argv.end(), rest.begin(), rest.end());
  return argv;
}

int ListenPort(const KitCommand& serve, const std::string& flag) {
  auto value = ServeSetting(serve, flag);
  if (!value) throw KitError("no " + flag);
  return SplitAddress(*value, flag).port;
}

std::string ProbeUrlPath(const std::vector<std::string>& words, const KitCommand& serve, const std::string& what) {
  static const std::regex kUrl(R"(http://([^/:]+):(\d+)(/.*))");
  for (const std::string& w : words) {
    std::smatch m;
    if (!std::regex_match(w, m, kUrl)) continue;
    const Address listen = SplitAddress(ServeSetting(serve, "--http-addr").value_or("127.0.0.1:9200"), "--http-addr");
    if (m[1].str() != "127.0.0.1" && m[1].str() != "localhost") throw KitError(what + ": probes " + w + ", not loopback");
    if (!Reaches({m[1].str(), std::stoi(m[2].str())}, listen)) {
      throw KitError(what + ": " + w + " does not reach the node's HTTP address " + listen.host + ":" +
                     std::to_string(listen.port));
    }
    return m[3].str();
  }
  throw KitError(what + ": no http://host:port/path URL in the probe command");
}

std::optional<std::string> ServeSetting(const KitCommand& serve, const std::string& flag) {
  if (size_t i = FlagValueIndex(serve.argv, 2, flag); i != std::string::npos) return ValueAt(serve.argv, i, flag);
  auto env_name = ServeHelp().flag_env.find(flag);
  if (env_name == ServeHelp().flag_env.end()) throw KitError(flag + " has no environment variable");
  if (auto it = serve.env.find(env_name->second); it != serve.env.end()) return it->second;
  return std::nullopt;
}

void RunKit(const Kit& kit) {
  ASSERT_FALSE(kit.instances.empty()) << kit.name << ": starts no holdfast";
  TempDir dir;
  const std::string token = "kit-test-admin-token-5f0c3e1a";
  std::map<std::string, std::string> files;  // a path the kit mounts → the temp file standing in for it
  const auto stand_in = [&](const std::string& path, const std::string& what) {
    if (!UnderAny(path, kit.secret_mounts)) throw KitError(kit.name + ": " + what + " " + path + " is not mounted by the kit");
    if (!files.count(path)) {
      files[path] = dir.Sub("file" + std::to_string(files.size()));
      std::ofstream(files[path]) << token << "\n";
    }
    return files[path];
  };

  // --- check and substitute every instance's command line --------------------
  std::optional<std::string> etcd_kit, cluster_name;
  std::set<std::string> node_names;
  std::vector<std::pair<std::vector<std::string>, Env>> launches;
  std::vector<Node> nodes(kit.instances.size());
  for (size_t n = 0; n < kit.instances.size(); ++n) {
    const KitInstance& inst = kit.instances[n];
    const KitCommand& c = inst.serve;
    const std::string what = kit.name + " (" + inst.name + ")";
    CheckBinary(kit, c, "holdfast");
    if (c.argv.size() < 2 || c.argv[1] != "serve") throw KitError(what + ": the command is not `holdfast serve`");
    CheckFlags(c.argv, 2, ServeHelp(), what);
    CheckExpanded(c.argv, what);
    CheckEnvironment(c.env, what);
    if (ServeSetting(c, "--config")) throw KitError(what + ": --config: the kit test cannot check a config file's values");
    const auto data_dir = ServeSetting(c, "--data-dir");
    const auto http = ServeSetting(c, "--http-addr");
    const auto grpc = ServeSetting(c, "--grpc-addr");
    if (!data_dir) throw KitError(what + ": no data dir: the node would write ./data in its working directory");
    // The volume stands in as a temp dir holding lost+found, as the root of a
    // new filesystem does; the data dir is at the same place under it.
    std::string mount;
    for (std::string m : kit.persistent_mounts) {
      while (m.size() > 1 && m.back() == '/') m.pop_back();
      if ((*data_dir == m || StartsWith(*data_dir, m + "/")) && m.size() > mount.size()) mount = m;
    }
    if (mount.empty()) throw KitError(what + ": the data dir " + *data_dir + " is on none of the kit's persistent volumes");
    // A data dir at the volume's root starts on the stand-in's lost+found,
    // as holdfast would on a new filesystem (an empty one is no obstacle).
    const std::string volume = dir.Sub(inst.name + "-volume");
    std::filesystem::create_directories(volume + "/lost+found");
    if (!http || !grpc) throw KitError(what + ": the HTTP and gRPC listen addresses must be given (defaults are loopback)");
    if (!IsIpLiteral(SplitAddress(*http, "--http-addr").host)) throw KitError(what + ": --http-addr needs an IP address: " + *http);
    nodes[n].grpc_kit = SplitAddress(*grpc, "--grpc-addr");
    const auto etcd = ServeSetting(c, "--etcd-endpoints");
    if (n == 0) etcd_kit = etcd;
    if (etcd != etcd_kit) throw KitError(what + ": another etcd than the kit's other nodes");
    if (etcd && AnyAddress(nodes[n].grpc_kit.host)) {
      throw KitError(what + ": gRPC on " + *grpc + ": the other nodes would dial that address");
    }
    if (etcd) {
      for (const std::string& url : Lines(std::regex_replace(*etcd, std::regex(","), "\n"))) {
        if (!std::regex_match(url, std::regex(R"(https?://[A-Za-z0-9.\-\[\]:]+:[0-9]+)"))) {
          throw KitError(what + ": etcd endpoint \"" + url + "\" is not http://host:port");
        }
      }
    }
    const auto name = ServeSetting(c, "--node-name");
    if (!node_names.insert(name.value_or("(the host name)")).second) {
      throw KitError(what + ": two nodes named " + name.value_or("by the host name") + " (exit 7)");
    }
    if (n == 0) cluster_name = ServeSetting(c, "--cluster-name");
    if (ServeSetting(c, "--cluster-name") != cluster_name) throw KitError(what + ": another cluster name");

    std::vector<std::string> argv = c.argv;
    Env env = c.env;
    argv[0] = HoldfastBinary();
    std::map<std::string, std::string> subst = {{"--data-dir", volume + data_dir->substr(mount.size())},
                                                {"--http-addr", "127.0.0.1:0"},
                                                {"--grpc-addr", "127.0.0.1:0"}};
    if (auto t = ServeSetting(c, "--admin-token-file")) {
      subst["--admin-token-file"] = stand_in(*t, "admin token file");
      nodes[n].token_kit = *t;
    }
    for (const auto& [flag, value] : subst) {
      if (size_t i = FlagValueIndex(argv, 2, flag); i != std::string::npos) SetValueAt(&argv, i, flag, value);
      if (auto e = env.find(ServeHelp().flag_env.at(flag)); e != env.end()) e->second = value;
    }
    launches.emplace_back(std::move(argv), std::move(env));
  }

  // --- etcd, then the nodes ----------------------------------------------------
  holdfast::testing::EtcdProcess etcd;
  if (etcd_kit) {
    ASSERT_TRUE(etcd.Start(dir.Sub("etcd"))) << etcd.Log();
    for (auto& [argv, env] : launches) {
      if (size_t i = FlagValueIndex(argv, 2, "--etcd-endpoints"); i != std::string::npos) {
        SetValueAt(&argv, i, "--etcd-endpoints", etcd.endpoint());
      }
      if (auto e = env.find("HOLDFAST_ETCD_ENDPOINTS"); e != env.end()) e->second = etcd.endpoint();
    }
  }
  for (size_t n = 0; n < nodes.size(); ++n) {
    nodes[n].name = kit.instances[n].name;
    nodes[n].log = dir.Sub(nodes[n].name + ".log");
    nodes[n].process = StartClean(launches[n].first, launches[n].second, nodes[n].log);
  }
  const auto logs = [&] {
    std::string all;
    for (const Node& node : nodes) {
      if (node.process) all += "---- " + node.name + " ----\n" + Tail(node.process->Log()) + "\n";
    }
    return all;
  };
  static const std::regex kBanner(R"(http_address=[^ ]*:(\d+) grpc_address=[^ ]*:(\d+))");
  for (Node& node : nodes) {
    std::smatch m;
    const bool started = WaitFor([&] {
      const std::string log = node.process->Log();
      if (std::regex_search(log, m, kBanner)) {
        node.http_port = std::stoi(m[1].str());
        node.grpc_port = std::stoi(m[2].str());
        return true;
      }
      return !node.process->running();
    }, 60s);
    ASSERT_TRUE(started && node.http_port > 0) << kit.name << ": " << node.name << " did not start ("
                                               << node.process->HowItEnded() << ")\n" << logs();
  }
  for (Node& node : nodes) {
    ASSERT_TRUE(WaitFor([&] { return HttpCall(node.http_port, "GET", "/_lifecycle/ready").status == 200; }, 60s))
        << kit.name << ": " << node.name << " never got ready\n" << logs();
  }
  if (etcd_kit && nodes.size() > 1) {
    const std::string want = "\"number_of_nodes\":" + std::to_string(nodes.size());
    EXPECT_TRUE(WaitFor([&] { return HttpCall(nodes[0].http_port, "GET", "/_cluster/health").body.find(want) !=
                                     std::string::npos; }, 30s))
        << kit.name << ": the nodes did not form one cluster\n" << logs();
  }

  // --- probes and documented requests ------------------------------------------
  ASSERT_TRUE(!kit.probe_paths.empty() || !kit.has_health_checks) << kit.name << ": no probe on a lifecycle endpoint";
  for (const std::string& path : kit.probe_paths) {
    EXPECT_TRUE(StartsWith(path, "/_lifecycle/")) << kit.name << ": probe " << path << " is not a lifecycle endpoint";
    for (const Node& node : nodes) {
      const auto r = HttpCall(node.http_port, "GET", path);
      EXPECT_EQ(r.status, 200) << kit.name << ": GET " << path << " on " << node.name << ": " << r.body;
    }
  }
  for (const Kit::Request& req : kit.requests) {
    const auto r = HttpCall(nodes[0].http_port, req.method, req.path, req.body);
    EXPECT_TRUE(r.status >= 200 && r.status < 300) << kit.name << ": " << req.method << " " << req.path << " answered "
                                                   << r.status << ": " << r.body;
    if (req.check) {
      EXPECT_EQ(req.check(r.body), "") << kit.name << ": " << req.method << " " << req.path << ": " << r.body;
    }
  }

  // --- the kill timeout covers what runs before SIGKILL ------------------------
  std::chrono::milliseconds need{0};
  for (const KitInstance& inst : kit.instances) {
    const auto grace = HoldfastDuration(ServeSetting(inst.serve, "--shutdown-grace").value_or("30s"));
    const auto delay = HoldfastDuration(ServeSetting(inst.serve, "--shutdown-readiness-delay").value_or("5s"));
    need = std::max(need, grace + delay);
  }
  std::chrono::milliseconds pre_stop_wait{0};
  if (kit.pre_stop) {
    const auto& argv = kit.pre_stop->argv;
    const size_t i = FlagValueIndex(argv, 1, "--wait-timeout");
    pre_stop_wait = HoldfastDuration(i == std::string::npos ? PreStopHelp().defaults.at("--wait-timeout")
                                                            : ValueAt(argv, i, "--wait-timeout"));
  }
  if (kit.pre_stop_counts_against_kill_timeout) need += pre_stop_wait;
  ASSERT_TRUE(kit.kill_timeout.has_value()) << kit.name << ": no kill timeout found";
  EXPECT_GE(kit.kill_timeout->count(), need.count())
      << kit.name << ": " << kit.kill_timeout_field << " is " << kit.kill_timeout->count() / 1000.0
      << "s, but the node may need " << need.count() / 1000.0 << "s (shutdown grace + readiness delay"
      << (kit.pre_stop_counts_against_kill_timeout ? " + the pre-stop's --wait-timeout)" : ")");

  // --- the pre-stop hook, the real holdfastctl -----------------------------------
  if (kit.pre_stop) {
    const KitCommand& c = *kit.pre_stop;
    Node& target = nodes.at(kit.pre_stop_instance);
    const std::string what = kit.name + " pre-stop";
    CheckBinary(kit, c, "holdfastctl");
    CheckExpanded(c.argv, what);
    CheckEnvironment(c.env, what);
    // holdfastctl [global flags] lifecycle pre-stop [its flags]
    size_t sub = 1;
    while (sub < c.argv.size() && StartsWith(c.argv[sub], "--")) {
      sub += c.argv[sub].find('=') == std::string::npos && CtlHelp().valued.count(c.argv[sub]) ? 2 : 1;
    }
    if (sub + 1 >= c.argv.size() || c.argv[sub] != "lifecycle" || c.argv[sub + 1] != "pre-stop") {
      throw KitError(what + ": not `holdfastctl lifecycle pre-stop`");
    }
    HelpInfo flags = CtlHelp();  // CLI11's fallthrough: global flags may follow the subcommand too
    flags.flags.insert(PreStopHelp().flags.begin(), PreStopHelp().flags.end());
    flags.valued.insert(PreStopHelp().valued.begin(), PreStopHelp().valued.end());
    std::vector<std::string> globals(c.argv.begin(), c.argv.begin() + static_cast<long>(sub));
    std::vector<std::string> rest = {c.argv[0]};
    rest.insert(rest.end(), c.argv.begin() + static_cast<long>(sub) + 2, c.argv.end());
    CheckFlags(globals, 1, flags, what);
    CheckFlags(rest, 1, flags, what);

    std::vector<std::string> argv = c.argv;
    Env env = c.env;
    std::string script = c.shell_script;
    const auto replace_in_script = [&](const std::string& from, const std::string& to) {
      for (size_t at; !from.empty() && (at = script.find(from)) != std::string::npos;) script.replace(at, from.size(), to);
    };
    const std::string real_addr = "127.0.0.1:" + std::to_string(target.grpc_port);
    std::string addr_kit = CtlHelp().defaults.at("--addr");
    if (size_t i = FlagValueIndex(argv, 1, "--addr"); i != std::string::npos) {
      addr_kit = ValueAt(argv, i, "--addr");
      SetValueAt(&argv, i, "--addr", real_addr);
      replace_in_script(addr_kit, real_addr);
    } else if (auto e = env.find("HOLDFASTCTL_ADDR"); e != env.end()) {
      addr_kit = e->second;
    }
    env["HOLDFASTCTL_ADDR"] = real_addr;  // the default 127.0.0.1:9300, when the kit relies on it
    if (!Reaches(SplitAddress(addr_kit, "holdfastctl --addr"), target.grpc_kit)) {
      throw KitError(what + ": holdfastctl would talk to " + addr_kit + ", the node listens on " + target.grpc_kit.host +
                     ":" + std::to_string(target.grpc_kit.port));
    }
    std::optional<std::string> token_kit;
    if (size_t i = FlagValueIndex(argv, 1, "--token-file"); i != std::string::npos) {
      token_kit = ValueAt(argv, i, "--token-file");
      SetValueAt(&argv, i, "--token-file", stand_in(*token_kit, "holdfastctl token file"));
      replace_in_script(*token_kit, files.at(*token_kit));
    } else if (auto e = env.find("HOLDFASTCTL_TOKEN_FILE"); e != env.end()) {
      token_kit = e->second;
      e->second = stand_in(*token_kit, "holdfastctl token file");
    }
    if (token_kit != target.token_kit) {
      throw KitError(what + ": holdfastctl's token file (" + token_kit.value_or("none") + ") is not the node's admin token (" +
                     target.token_kit.value_or("none") + ")");
    }
    argv[0] = HoldfastctlBinary();
    if (!script.empty()) {
      replace_in_script(kit.install_dir + "/holdfastctl", HoldfastctlBinary());
      argv = {"/bin/sh", "-c", script};
    }
    if (kit.pre_stop_skips_without_mainpid) env["MAINPID"] = std::to_string(target.process->pid());
    auto ctl = StartClean(argv, env, dir.Sub("pre-stop.log"));
    const auto rc = ctl->WaitExit(120s);
    EXPECT_EQ(rc, std::optional<int>(0)) << what << " (" << ctl->HowItEnded() << "):\n" << ctl->Log() << logs();
    EXPECT_NE(ctl->Log().find("safe to stop"), std::string::npos) << what << ":\n" << ctl->Log();
    if (kit.pre_stop_skips_without_mainpid) {
      // The node already gone: no $MAINPID, nothing to drain, no waiting.
      env.erase("MAINPID");
      env["HOLDFASTCTL_ADDR"] = "127.0.0.1:" + std::to_string(holdfast::testing::FreeLoopbackPort());
      auto gone = StartClean(argv, env, dir.Sub("pre-stop-gone.log"));
      EXPECT_EQ(gone->WaitExit(10s), std::optional<int>(0)) << what << " without $MAINPID:\n" << gone->Log();
    }
  }

  // --- SIGTERM: not ready at once, then a clean exit ---------------------------
  for (Node& node : nodes) node.process->Signal(SIGTERM);
  const auto delay0 = HoldfastDuration(ServeSetting(kit.instances[0].serve, "--shutdown-readiness-delay").value_or("5s"));
  if (delay0 >= 2s) {  // the signal is handled asynchronously: ready turns 503 within a moment
    int status = 0;
    EXPECT_TRUE(WaitFor([&] { return (status = HttpCall(nodes[0].http_port, "GET", "/_lifecycle/ready").status) == 503; },
                        1s))
        << kit.name << ": GET /_lifecycle/ready answered " << status << " during the readiness delay";
  }
  for (Node& node : nodes) {
    const auto rc = node.process->WaitExit(need + 30s);
    EXPECT_EQ(rc, std::optional<int>(0)) << kit.name << ": " << node.name << " after SIGTERM: "
                                         << node.process->HowItEnded() << "\n" << Tail(node.process->Log());
  }
  if (::testing::Test::HasFailure()) std::cerr << logs();
}

}  // namespace holdfast::kits
