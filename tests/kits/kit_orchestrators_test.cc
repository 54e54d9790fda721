// The Marathon app, the Nomad job and the systemd unit of docker/, parsed and
// run (kit_model.h). The orchestrator's own variables ($HOST, $PORT_HTTP,
// ${NOMAD_ADDR_grpc}, $MAINPID, ...) are given the values it would give on
// one machine; the rest comes from the files as written.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <regex>
#include <set>

#include "tests/kits/kit_model.h"

namespace holdfast::kits {
namespace {

using namespace std::chrono_literals;

// --- Marathon ----------------------------------------------------------------

const rapidjson::Value& Member(const rapidjson::Value& v, const char* name, const std::string& where) {
  if (!v.IsObject() || !v.HasMember(name)) throw KitError(where + ": no \"" + name + "\"");
  return v[name];
}
std::string Str(const rapidjson::Value& v, const char* name, const std::string& where) {
  const auto& m = Member(v, name, where);
  if (!m.IsString()) throw KitError(where + ": \"" + name + "\" is not a string");
  return m.GetString();
}

TEST(KitManifest, Marathon) {
  const std::string path = DockerDir() + "/marathon/holdfast.json";
  rapidjson::Document app;
  app.Parse(ReadFile(path).c_str());
  ASSERT_FALSE(app.HasParseError()) << path << " is not JSON";
  Kit kit;
  kit.name = "marathon";
  kit.files = {path};
  const auto& container = Member(app, "container", path);
  EXPECT_EQ(Str(Member(container, "docker", path), "image", path), ImageTag(DockerDir()));

  // What Mesos and Marathon give a task on one agent (docs: task environment).
  const std::string sandbox = "/mnt/mesos/sandbox";
  Env env = ImageEnv();
  env["HOST"] = "127.0.0.1";
  env["MESOS_SANDBOX"] = sandbox;
  env["MARATHON_APP_ID"] = Str(app, "id", path);
  env["MESOS_TASK_ID"] = "holdfast.instance-00000000-0000-0000-0000-000000000000._app.1";
  const auto& ports = Member(app, "portDefinitions", path);
  std::map<std::string, int> port_by_name;
  for (rapidjson::SizeType i = 0; i < ports.Size(); ++i) {
    const int port = Member(ports[i], "port", path).GetInt();
    std::string name = Str(ports[i], "name", path);
    port_by_name[name] = port;
    for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    env["PORT" + std::to_string(i)] = env["PORT_" + name] = std::to_string(port);
  }
  EXPECT_TRUE(Member(app, "requirePorts", path).GetBool()) << "the ports the command names must be the ones reserved";
  for (const auto& kv : Member(app, "env", path).GetObject()) env[kv.name.GetString()] = kv.value.GetString();

  // Persistent volumes: a relative containerPath, in the sandbox; a second
  // volume may map it to an absolute path.
  for (const auto& v : Member(container, "volumes", path).GetArray()) {
    const std::string at = Str(v, "containerPath", path);
    if (v.HasMember("persistent")) {
      if (at.find('/') != std::string::npos) throw KitError(path + ": a persistent containerPath must be relative: " + at);
      kit.persistent_mounts.push_back(sandbox + "/" + at);
    } else if (v.HasMember("hostPath") && at.front() == '/') {
      kit.persistent_mounts.push_back(at);
    }
  }
  std::vector<std::string> argv;
  if (app.HasMember("cmd")) {
    argv = ShellWords(Str(app, "cmd", path), env);
  } else {
    std::vector<std::string> args;
    for (const auto& a : Member(app, "args", path).GetArray()) args.push_back(a.GetString());
    argv = ContainerCommand(std::nullopt, args);
  }
  kit.instances = {{"holdfast", {argv, env, ""}}};
  const KitCommand& serve = kit.instances[0].serve;
  const int http_port = ListenPort(serve, "--http-addr");

  bool live = false, ready = false;
  for (const auto& h : Member(app, "healthChecks", path).GetArray()) {
    const std::string protocol = Str(h, "protocol", path), probe = Str(h, "path", path);
    EXPECT_TRUE(protocol == "MESOS_HTTP" || protocol == "HTTP") << protocol;
    const rapidjson::SizeType index = Member(h, "portIndex", path).GetUint();
    if (index >= ports.Size()) throw KitError(path + ": a health check's portIndex is past portDefinitions");
    EXPECT_EQ(ports[index]["port"].GetInt(), http_port) << "the health check is not on the HTTP port";
    live |= probe == "/_lifecycle/live";
    kit.probe_paths.push_back(probe);
  }
  for (const auto& r : Member(app, "readinessChecks", path).GetArray()) {
    const std::string probe = Str(r, "path", path);
    EXPECT_EQ(port_by_name.at(Str(r, "portName", path)), http_port) << "readiness check port";
    ready |= probe == "/_lifecycle/ready";
    kit.probe_paths.push_back(probe);
  }
  EXPECT_TRUE(live) << "no health check on /_lifecycle/live";
  EXPECT_TRUE(ready) << "no readiness check on /_lifecycle/ready";

  EXPECT_EQ(Str(Member(app, "residency", path), "taskLostBehavior", path), "WAIT_FOREVER");
  EXPECT_EQ(Member(Member(app, "upgradeStrategy", path), "minimumHealthCapacity", path).GetDouble(), 0.0);
  EXPECT_EQ(Member(Member(app, "upgradeStrategy", path), "maximumOverCapacity", path).GetDouble(), 0.0);
  if (!ServeSetting(serve, "--node-name")) {  // the node is named after its host: one per host
    bool unique = false;
    for (const auto& c : Member(app, "constraints", path).GetArray()) {
      unique |= c.Size() >= 2 && std::string(c[0].GetString()) == "hostname" && std::string(c[1].GetString()) == "UNIQUE";
    }
    EXPECT_TRUE(unique) << "nodes named after their host need the constraint [\"hostname\", \"UNIQUE\"]";
  }
  kit.kill_timeout_field = "taskKillGracePeriodSeconds";
  kit.kill_timeout = std::chrono::seconds(Member(app, "taskKillGracePeriodSeconds", path).GetInt());
  // After a leader failover the README posts such a body to /_lifecycle/reconcile.
  // The node ignores fields it does not know, so their names are checked
  // here against docs/lifecycle.md; the answer must judge every task.
  const std::string example_path = DockerDir() + "/marathon/reconcile-example.json";
  const std::string example = ReadFile(example_path);
  rapidjson::Document body;
  body.Parse(example.c_str());
  ASSERT_FALSE(body.HasParseError()) << example_path;
  const std::set<std::string> top = {"orchestrator", "tasks"}, orchestrator = {"id", "epoch"},
                              task_fields = {"task_id", "node_name", "address", "volume_id", "intent"};
  for (const auto& m : body.GetObject()) EXPECT_TRUE(top.count(m.name.GetString())) << example_path << ": " << m.name.GetString();
  for (const auto& m : Member(body, "orchestrator", example_path).GetObject()) {
    EXPECT_TRUE(orchestrator.count(m.name.GetString())) << example_path << ": orchestrator." << m.name.GetString();
  }
  const size_t tasks = Member(body, "tasks", example_path).Size();
  for (const auto& t : body["tasks"].GetArray()) {
    for (const auto& m : t.GetObject()) EXPECT_TRUE(task_fields.count(m.name.GetString())) << example_path << ": tasks[]." << m.name.GetString();
  }
  kit.requests.push_back({"POST", "/_lifecycle/reconcile", example, [tasks](const std::string& answer) -> std::string {
    static const std::set<std::string> kVerdicts = {"keep", "safe_to_stop", "drain_first", "unknown"};
    rapidjson::Document d;
    d.Parse(answer.c_str());
    if (d.HasParseError() || !d.IsObject() || !d.HasMember("tasks") || !d["tasks"].IsArray() || d["tasks"].Size() != tasks) {
      return "expected a verdict for each of the " + std::to_string(tasks) + " tasks";
    }
    for (const auto& t : d["tasks"].GetArray()) {
      if (!t.HasMember("verdict") || !t["verdict"].IsString() || !kVerdicts.count(t["verdict"].GetString())) return "a task without a verdict";
    }
    return "";
  }});
  RunKit(kit);
}

// --- Nomad ---------------------------------------------------------------------

// Nomad's interpolation for the variables the job uses, on client `client`
// whose address stands in as loopback.
std::string Interpolate(const std::string& s, const HclBlock& network, const std::string& client) {
  static const std::regex kVar(R"(\$\{([^}]+)\})");
  std::string out;
  auto begin = s.cbegin();
  for (std::smatch m; std::regex_search(begin, s.cend(), m, kVar); begin = m.suffix().first) {
    out.append(begin, m[0].first);
    const std::string var = m[1].str();
    const auto port_of = [&](const std::string& label) {
      for (const HclBlock* p : network.All("port")) {
        if (!p->labels.empty() && p->labels[0] == label) return p->Text("static");
      }
      throw KitError("${" + var + "}: the network block has no port \"" + label + "\"");
    };
    if (var == "node.unique.name") out += client;
    else if (StartsWith(var, "NOMAD_PORT_")) out += port_of(var.substr(11));
    else if (StartsWith(var, "NOMAD_IP_") && !port_of(var.substr(9)).empty()) out += "127.0.0.1";
    else if (StartsWith(var, "NOMAD_ADDR_")) out += "127.0.0.1:" + port_of(var.substr(11));
    else throw KitError("the kit test does not simulate ${" + var + "}");
  }
  out.append(begin, s.cend());
  return out;
}

TEST(KitManifest, Nomad) {
  const std::string path = DockerDir() + "/nomad/holdfast.nomad";
  const HclBlock file = ParseHcl(path);
  const HclBlock& job = file.One("job");
  const HclBlock& group = job.One("group");
  const HclBlock& task = group.One("task");
  const HclBlock& config = task.One("config");
  const HclBlock& network = group.One("network");
  Kit kit;
  kit.name = "nomad";
  kit.files = {path};
  EXPECT_EQ(task.Text("driver"), "docker");
  EXPECT_EQ(config.Text("image"), ImageTag(DockerDir()));
  EXPECT_EQ(group.One("disconnect").Text("reconcile"), "keep_original");
  EXPECT_NO_THROW(GoDuration(group.Text("shutdown_delay"))) << "shutdown_delay";
  EXPECT_EQ(task.Text("kill_signal"), "SIGTERM");
  kit.kill_timeout_field = "kill_timeout";
  kit.kill_timeout = GoDuration(task.Text("kill_timeout"));

  // The host volume, mounted where the node keeps its data.
  std::set<std::string> host_volumes;
  for (const HclBlock* v : group.All("volume")) {
    if (v->Text("type") == "host") host_volumes.insert(v->labels.at(0));
  }
  for (const HclBlock* m : task.All("volume_mount")) {
    if (!host_volumes.count(m->Text("volume"))) throw KitError(path + ": volume_mount of an unknown volume " + m->Text("volume"));
    kit.persistent_mounts.push_back(m->Text("destination"));
  }

  // Service checks: HTTP on the http port label.
  std::map<std::string, std::string> label_port;
  for (const HclBlock* p : network.All("port")) label_port[p->labels.at(0)] = p->Text("static");
  std::set<std::string> checked, check_ports;
  for (const HclBlock* service : group.All("service")) {
    for (const HclBlock* check : service->All("check")) {
      EXPECT_EQ(check->Text("type"), "http");
      const std::string port = check->Has("port") ? check->Text("port") : service->Text("port");
      if (!label_port.count(port)) throw KitError(path + ": check on an unknown port label " + port);
      checked.insert(check->Text("path"));
      kit.probe_paths.push_back(check->Text("path"));
      if (check->Text("path") == "/_lifecycle/live") {
        EXPECT_FALSE(check->All("check_restart").empty()) << "the live check restarts a dead node";
      } else {
        EXPECT_TRUE(check->All("check_restart").empty()) << "only the live check may restart the task: " << check->Text("path");
      }
      check_ports.insert(port);
    }
  }
  EXPECT_TRUE(checked.count("/_lifecycle/live") && checked.count("/_lifecycle/ready")) << "checks on live and ready";

  const int count = std::stoi(group.Text("count"));
  for (int i = 0; i < count; ++i) {
    const std::string client = "nomad-client-" + std::to_string(i + 1);
    Env env = ImageEnv();
    for (const auto& [key, value] : task.One("env").attrs) env[key] = Interpolate(value.text, network, client);
    std::vector<std::string> args;
    for (const std::string& a : config.List("args")) args.push_back(Interpolate(a, network, client));
    kit.instances.push_back({client, {ContainerCommand(std::nullopt, args), env, ""}});
  }
  ASSERT_FALSE(kit.instances.empty());
  for (const std::string& label : check_ports) {
    EXPECT_EQ(label_port[label], std::to_string(ListenPort(kit.instances[0].serve, "--http-addr")))
        << "port \"" << label << "\" of the checks is not the node's HTTP port";
  }
  RunKit(kit);
}

// --- systemd ---------------------------------------------------------------------

TEST(KitManifest, Systemd) {
  const std::string path = DockerDir() + "/systemd/holdfast.service";
  UnitFile unit = ParseUnitFile(path);
  auto& service = unit["Service"];
  const auto one = [&](const std::string& key) -> const std::string& {
    if (service[key].size() != 1) throw KitError(path + ": expected exactly one " + key + "=");
    return service[key][0];
  };
  Kit kit;
  kit.name = "systemd";
  kit.files = {path};
  EXPECT_NE(one("User"), "root");
  kit.persistent_mounts.push_back("/var/lib/" + one("StateDirectory"));

  // systemd's PATH for services, then Environment= in order.
  Env env = {{"PATH", kImagePath}};
  for (const std::string& line : service["Environment"]) {
    for (const std::string& kv : SystemdWords(line, nullptr)) {
      const size_t eq = kv.find('=');
      if (eq == std::string::npos) throw KitError(path + ": Environment= word is not KEY=value: " + kv);
      env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  }
  for (const std::string& f : service["EnvironmentFile"]) {
    if (!StartsWith(f, "-")) throw KitError(path + ": EnvironmentFile=" + f + " is required: the test cannot know its values");
  }
  const std::vector<std::string> start = SystemdWords(one("ExecStart"), &env);
  if (!start.empty() && std::string("-@:+!").find(start[0][0]) != std::string::npos) {
    throw KitError(path + ": ExecStart with a prefix: " + start[0]);
  }
  kit.instances = {{"holdfast", {start, env, ""}}};
  kit.has_health_checks = false;  // systemd probes nothing; its lifecycle call is ExecStop's pre-stop

  // ExecStop: holdfastctl lifecycle pre-stop, directly or through /bin/sh -c.
  std::vector<std::string> stop = SystemdWords(one("ExecStop"), &env);
  KitCommand pre_stop{stop, env, ""};
  if (stop.size() == 3 && stop[0] == "/bin/sh" && stop[1] == "-c") {
    pre_stop.shell_script = stop[2];
    const size_t exec = stop[2].rfind("exec ");
    if (exec == std::string::npos) throw KitError(path + ": ExecStop's script does not exec holdfastctl");
    pre_stop.argv = ShellWords(stop[2].substr(exec), env);
    kit.pre_stop_skips_without_mainpid = stop[2].find("$MAINPID") != std::string::npos;
    EXPECT_TRUE(kit.pre_stop_skips_without_mainpid)
        << "ExecStop also runs after the node exited by itself: without $MAINPID it must not wait for it";
  }
  kit.pre_stop = pre_stop;
  kit.pre_stop_counts_against_kill_timeout = true;
  const std::string kill_mode = service["KillMode"].empty() ? "control-group" : one("KillMode");
  EXPECT_TRUE(kill_mode == "mixed" || kill_mode == "control-group") << "KillMode=" << kill_mode;
  EXPECT_EQ(service["KillSignal"].empty() ? "SIGTERM" : one("KillSignal"), "SIGTERM");
  kit.kill_timeout_field = "TimeoutStopSec";
  kit.kill_timeout = SystemdTimespan(one("TimeoutStopSec"));
  RunKit(kit);
}

}  // namespace
}  // namespace holdfast::kits
