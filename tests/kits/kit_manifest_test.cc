// Every kit in docker/ parsed and run (kit_model.h): the image's Dockerfile,
// the Compose file and the Kubernetes manifests here; Marathon, Nomad and
// systemd in kit_orchestrators_test.cc; the READMEs in kit_docs_test.cc.
// Each test reads the files, builds what the orchestrator would start, and
// RunKit starts the real holdfast and holdfastctl with it.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <regex>
#include <sstream>

#include "tests/kits/kit_model.h"

namespace holdfast::kits {
namespace {

std::pair<int, std::string> Run(const std::string& command) {
  FILE* p = ::popen(("timeout 120 " + command + " 2>&1").c_str(), "r");
  if (p == nullptr) throw KitError("cannot run " + command);
  std::string out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof(buf), p)) > 0;) out.append(buf, n);
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// "10001:10001" → 10001; a name is refused (runAsNonRoot cannot check it).
long NumericUid(const std::string& user) {
  const std::string uid = user.substr(0, user.find(':'));
  if (uid.empty() || uid.find_first_not_of("0123456789") != std::string::npos) {
    throw KitError("USER " + user + " is not numeric: Kubernetes' runAsNonRoot cannot verify it");
  }
  return std::stol(uid);
}

// The Debian packages of every shared library `binary` loads.
std::set<std::string> LibraryPackages(const std::string& binary) {
  auto [rc, out] = Run("ldd " + binary);
  if (rc != 0) throw KitError("ldd " + binary + ": " + out);
  static const std::regex kLib(R"(=> (/\S+))");
  std::vector<std::string> libs;
  std::string query = "dpkg -S";
  for (const std::string& line : Lines(out)) {
    std::smatch m;
    if (!std::regex_search(line, m, kLib)) continue;
    libs.push_back(m[1].str());
    query += " " + m[1].str() + " /usr" + m[1].str();  // merged /usr: a package ships one of the two
  }
  std::map<std::string, std::string> owner;  // path → package
  static const std::regex kOwner(R"(^([^:]+)(:[^:]+)?: (/\S+)$)");
  for (const std::string& line : Lines(Run(query).second)) {
    std::smatch m;
    if (std::regex_match(line, m, kOwner)) owner[m[3].str()] = m[1].str();
  }
  std::set<std::string> packages;
  for (const std::string& lib : libs) {
    auto it = owner.count(lib) ? owner.find(lib) : owner.find("/usr" + lib);
    if (it == owner.end()) throw KitError("no Debian package ships " + lib);
    packages.insert(it->second);
  }
  return packages;
}

// `packages` and everything they depend on, as apt sees it on this machine.
std::set<std::string> WithDependencies(const std::vector<std::string>& packages) {
  std::string cmd = "apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks "
                    "--no-replaces --no-enhances";
  for (const std::string& p : packages) cmd += " " + p;
  auto [rc, out] = Run(cmd);
  if (rc != 0) throw KitError(cmd + ": " + out);
  std::set<std::string> all(packages.begin(), packages.end());
  for (std::string line : Lines(out)) {
    line = Trim(line);
    if (const size_t colon = line.find(": "); colon != std::string::npos) line = line.substr(colon + 2);
    if (line.empty() || line[0] == '<') continue;
    all.insert(line.substr(0, line.find(':')));
  }
  return all;
}

// The --stop-timeout of every `docker run` line of docker/README.md (seconds).
std::optional<std::chrono::milliseconds> DockerRunStopTimeout() {
  std::optional<std::chrono::milliseconds> least;
  std::string joined;
  for (const std::string& raw : Lines(ReadFile(DockerDir() + "/README.md"))) {
    std::string line = Trim(raw);
    if (joined.empty() && !StartsWith(line, "docker run")) continue;
    const bool more = !line.empty() && line.back() == '\\';
    joined += (more ? line.substr(0, line.size() - 1) : line) + " ";
    if (more) continue;
    static const std::regex kStop(R"(--stop-timeout[ =](\d+))");
    std::smatch m;
    if (!std::regex_search(joined, m, kStop)) throw KitError("docker/README.md: `" + joined + "` has no --stop-timeout");
    const std::chrono::milliseconds t = std::chrono::seconds(std::stoi(m[1].str()));
    least = least ? std::min(*least, t) : t;
    joined.clear();
  }
  return least;
}

TEST(KitManifest, Dockerfile) {
  const Dockerfile& df = Image();
  for (const std::string& base : df.bases) EXPECT_TRUE(base == "debian:12" || StartsWith(base, "debian:bookworm")) << base;
  const long uid = NumericUid(df.user);
  EXPECT_NE(uid, 0) << "the image runs as root";
  bool user_created = false;
  for (const std::string& run : df.run_lines) user_created |= run.find("--uid " + std::to_string(uid)) != std::string::npos;
  EXPECT_TRUE(user_created) << "no useradd --uid " << uid << " in the runtime stage";
  EXPECT_EQ(df.stop_signal, "SIGTERM");
  std::set<std::string> installed;
  for (const std::string& src : df.copied) installed.insert(src.substr(src.rfind('/') + 1));
  EXPECT_TRUE(installed.count("holdfast") && installed.count("holdfastctl")) << "both binaries are copied into the image";
  std::string dest = df.copy_destination;
  while (dest.size() > 1 && dest.back() == '/') dest.pop_back();
  Kit kit;
  kit.name = "Dockerfile";
  kit.install_dir = dest;
  EXPECT_NE((":" + std::string(kImagePath) + ":").find(":" + dest + ":"), std::string::npos) << dest << " is not on PATH";

  // Every shared library the binaries load comes from a package the runtime stage installs.
  const std::set<std::string> provided = WithDependencies(df.apt_packages);
  for (const std::string& binary : {HoldfastBinary(), HoldfastctlBinary()}) {
    for (const std::string& pkg : LibraryPackages(binary)) {
      EXPECT_TRUE(provided.count(pkg) || pkg == "libc6") << binary << " needs " << pkg
                                                         << ", which the runtime stage does not install";
    }
  }

  // `docker run IMAGE`: ENTRYPOINT + CMD with the image's environment.
  KitInstance inst{"holdfast", {ContainerCommand(std::nullopt, std::nullopt), ImageEnv(), ""}};
  ASSERT_FALSE(df.healthcheck.empty()) << "no HEALTHCHECK";
  EXPECT_EQ(df.healthcheck[0], "curl");
  EXPECT_NE(std::find(df.apt_packages.begin(), df.apt_packages.end(), "curl"), df.apt_packages.end())
      << "the HEALTHCHECK runs curl, which the runtime stage does not install";
  const std::string health = ProbeUrlPath(df.healthcheck, inst.serve, "HEALTHCHECK");
  EXPECT_EQ(health, "/_lifecycle/live") << "Docker's health is liveness: a draining node is healthy";
  kit.probe_paths = {health};
  kit.persistent_mounts = df.volumes;
  kit.instances = {inst};
  kit.kill_timeout_field = "docker run --stop-timeout (docker/README.md)";
  kit.kill_timeout = DockerRunStopTimeout();
  kit.files = {DockerDir() + "/Dockerfile"};
  RunKit(kit);
}

// --- Compose -------------------------------------------------------------------

std::vector<std::string> StringList(const YAML::Node& n, const std::string& what) {
  if (!n.IsSequence()) throw KitError(what + " is not a list (the kit test reads the exec form only)");
  std::vector<std::string> out;
  for (const auto& x : n) out.push_back(x.as<std::string>());
  return out;
}

void CheckNoInterpolation(const std::string& value, const std::string& what) {
  for (size_t i = value.find('$'); i != std::string::npos; i = value.find('$', i + 2)) {
    if (i + 1 >= value.size() || value[i + 1] != '$') throw KitError(what + ": interpolation in \"" + value + "\"");
  }
}

TEST(KitManifest, Compose) {
  const std::string path = DockerDir() + "/compose.yaml";
  const YAML::Node root = YAML::LoadFile(path);
  const YAML::Node services = root["services"];
  ASSERT_TRUE(services && services.IsMap()) << path << ": no services";
  const std::string image = ImageTag(DockerDir());
  Kit kit;
  kit.name = "compose";
  kit.files = {path};
  std::string etcd_service;
  std::map<std::string, std::string> etcd_client_ports;  // service → the port of its listen-client-urls
  for (const auto& s : services) {
    const std::string name = s.first.as<std::string>();
    const std::string img = s.second["image"].as<std::string>("");
    if (img.find("etcd") == std::string::npos) continue;
    etcd_service = name;
    for (const std::string& w : StringList(s.second["command"], name + ".command")) {
      std::smatch m;
      if (std::regex_search(w, m, std::regex(R"(^--listen-client-urls=http://[^:]+:(\d+))"))) etcd_client_ports[name] = m[1];
    }
  }
  ASSERT_FALSE(etcd_service.empty()) << path << ": no etcd service";
  for (const auto& s : services) {
    const std::string name = s.first.as<std::string>();
    const YAML::Node svc = s.second;
    if (svc["image"].as<std::string>("") != image) continue;
    const std::string what = "compose service " + name;
    const YAML::Node build = svc["build"];
    if (!build || std::filesystem::weakly_canonical(DockerDir() + "/" + build["context"].as<std::string>() + "/" +
                                                    build["dockerfile"].as<std::string>()) !=
                      std::filesystem::weakly_canonical(DockerDir() + "/Dockerfile")) {
      throw KitError(what + ": does not build " + image + " from docker/Dockerfile");
    }
    std::optional<std::vector<std::string>> entrypoint, command;
    if (svc["entrypoint"]) entrypoint = StringList(svc["entrypoint"], what + ".entrypoint");
    if (svc["command"]) command = StringList(svc["command"], what + ".command");
    Env env = ImageEnv();
    const YAML::Node environment = svc["environment"];
    if (environment && environment.IsMap()) {
      for (const auto& kv : environment) env[kv.first.as<std::string>()] = kv.second.as<std::string>();
    } else if (environment) {
      for (const std::string& kv : StringList(environment, what + ".environment")) {
        env[kv.substr(0, kv.find('='))] = kv.find('=') == std::string::npos ? "" : kv.substr(kv.find('=') + 1);
      }
    }
    for (const auto& [k, v] : env) CheckNoInterpolation(v, what + " " + k);
    KitInstance inst{name, {ContainerCommand(entrypoint, command), env, ""}};
    // Named volumes, declared at the top level.
    for (const std::string& v : StringList(svc["volumes"], what + ".volumes")) {
      const size_t colon = v.find(':');
      const std::string source = v.substr(0, colon), target = v.substr(colon + 1, v.find(':', colon + 1) - colon - 1);
      if (colon == std::string::npos || !root["volumes"] || !root["volumes"][source]) {
        throw KitError(what + ": volume " + v + " is not a named volume of the file");
      }
      kit.persistent_mounts.push_back(target);
    }
    // Docker's healthcheck, on liveness.
    std::vector<std::string> test = StringList(svc["healthcheck"]["test"], what + ".healthcheck.test");
    if (test.empty() || test[0] != "CMD") throw KitError(what + ": healthcheck.test is not [\"CMD\", ...]");
    const std::string probe = ProbeUrlPath(test, inst.serve, what + " healthcheck");
    EXPECT_EQ(probe, "/_lifecycle/live") << what;
    if (std::find(kit.probe_paths.begin(), kit.probe_paths.end(), probe) == kit.probe_paths.end()) kit.probe_paths.push_back(probe);
    // SIGTERM and the time before SIGKILL.
    EXPECT_EQ(svc["stop_signal"].as<std::string>("SIGTERM"), "SIGTERM") << what;
    if (!svc["stop_grace_period"]) throw KitError(what + ": no stop_grace_period (Docker's default is 10s)");
    const auto grace = GoDuration(svc["stop_grace_period"].as<std::string>());
    kit.kill_timeout = kit.kill_timeout ? std::min(*kit.kill_timeout, grace) : grace;
    kit.kill_timeout_field = "stop_grace_period";
    // etcd: a service of this file, on its client port, started first.
    if (auto etcd = ServeSetting(inst.serve, "--etcd-endpoints")) {
      std::smatch m;
      if (!std::regex_match(*etcd, m, std::regex(R"(http://([^:]+):(\d+))")) || m[1].str() != etcd_service ||
          m[2].str() != etcd_client_ports[etcd_service]) {
        throw KitError(what + ": etcd endpoint " + *etcd + " is not the etcd service's client URL");
      }
      if (!svc["depends_on"] || !svc["depends_on"][etcd_service]) throw KitError(what + ": does not depend on " + etcd_service);
      // The gRPC address the other nodes dial: this service's own name.
      const std::string grpc = ServeSetting(inst.serve, "--grpc-addr").value_or("");
      if (grpc.substr(0, grpc.rfind(':')) != svc["hostname"].as<std::string>(name)) {
        throw KitError(what + ": --grpc-addr " + grpc + " is not the service's name, which the other nodes resolve");
      }
    }
    kit.instances.push_back(inst);
  }
  ASSERT_EQ(kit.instances.size(), 3u) << path << ": expected three holdfast services built from the image";
  // The pre-stop compose.README.md documents: `docker compose ... exec SERVICE holdfastctl ...`.
  for (const std::string& line : Lines(ReadFile(DockerDir() + "/compose.README.md"))) {
    const size_t exec = line.find(" exec ");
    if (exec == std::string::npos || line.find("holdfastctl lifecycle pre-stop") == std::string::npos) continue;
    std::istringstream in(line.substr(exec + 6));
    std::string service, w;
    in >> service;
    std::vector<std::string> argv;
    while (in >> w && w != "&&") argv.push_back(w);
    for (size_t i = 0; i < kit.instances.size(); ++i) {
      if (kit.instances[i].name != service) continue;
      kit.pre_stop = KitCommand{argv, kit.instances[i].serve.env, ""};
      kit.pre_stop_instance = i;
    }
  }
  ASSERT_TRUE(kit.pre_stop) << "compose.README.md documents no `exec <service> holdfastctl lifecycle pre-stop`";
  RunKit(kit);
}

// --- Kubernetes -------------------------------------------------------------------

// Kubernetes' $(VAR) expansion: from `vars`; `$$` → `$`; an unknown
// reference stays as written (RunKit then refuses it).
std::string Expand(const std::string& s, const Env& vars) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '$' && i + 1 < s.size() && s[i + 1] == '$') {
      out += '$';
      ++i;
    } else if (s[i] == '$' && i + 1 < s.size() && s[i + 1] == '(' && s.find(')', i) != std::string::npos) {
      const size_t close = s.find(')', i);
      auto it = vars.find(s.substr(i + 2, close - i - 2));
      out += it != vars.end() ? it->second : s.substr(i, close - i + 1);
      i = close;
    } else {
      out += s[i];
    }
  }
  return out;
}

// What the kubelet gives a fieldRef, for pod `pod`: the pod IP stands in as loopback.
std::string FieldRef(const std::string& field, const std::string& pod) {
  if (field == "metadata.name") return pod;
  if (field == "metadata.namespace") return "default";
  if (field == "status.podIP") return "127.0.0.1";
  throw KitError("the kit test does not simulate fieldRef " + field);
}

bool Selects(const YAML::Node& selector, const YAML::Node& labels) {
  if (!selector || !selector.IsMap() || selector.size() == 0) return false;
  for (const auto& kv : selector) {
    if (!labels[kv.first.as<std::string>()] ||
        labels[kv.first.as<std::string>()].as<std::string>() != kv.second.as<std::string>()) {
      return false;
    }
  }
  return true;
}

// The port a probe or Service names (a name or a number) → the container's number.
int ContainerPort(const YAML::Node& container, const YAML::Node& port) {
  for (const auto& p : container["ports"]) {
    if (p["name"].as<std::string>("") == port.as<std::string>() || p["containerPort"].as<std::string>() == port.as<std::string>()) {
      return p["containerPort"].as<int>();
    }
  }
  throw KitError("the container has no port " + port.as<std::string>());
}

TEST(KitManifest, Kubernetes) {
  const std::string dir = DockerDir() + "/kubernetes";
  const YAML::Node kustomization = YAML::LoadFile(dir + "/kustomization.yaml");
  std::vector<YAML::Node> docs;
  Kit kit;
  kit.name = "kubernetes";
  std::set<std::string> listed;
  for (const auto& r : kustomization["resources"]) {
    listed.insert(r.as<std::string>());
    kit.files.push_back(dir + "/" + r.as<std::string>());
    for (const YAML::Node& d : YAML::LoadAllFromFile(kit.files.back())) {
      if (d && !d.IsNull()) docs.push_back(d);
    }
  }
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string f = e.path().filename().string();
    if (e.path().extension() == ".yaml" && f != "kustomization.yaml") {
      EXPECT_TRUE(listed.count(f)) << f << " is not in kustomization.yaml";
    }
  }
  const std::string image = ImageTag(DockerDir());
  std::map<std::string, YAML::Node> services;
  YAML::Node sts, container, pdb;  // Node() counts as defined: found_* say whether they were
  bool found_sts = false, found_pdb = false;
  for (const YAML::Node& d : docs) {
    const std::string kind = d["kind"].as<std::string>();
    if (kind == "Service") services[d["metadata"]["name"].as<std::string>()].reset(d);
    if (kind == "PodDisruptionBudget") {
      found_pdb = true;
      pdb.reset(d);
    }
    if (kind != "StatefulSet") continue;
    for (const auto& c : d["spec"]["template"]["spec"]["containers"]) {
      if (c["image"].as<std::string>() == image) {
        if (found_sts) throw KitError("two containers run " + image);
        found_sts = true;
        sts.reset(d);
        container.reset(static_cast<const YAML::Node&>(c));
      }
    }
  }
  ASSERT_TRUE(found_sts) << "no StatefulSet runs " << image;
  const YAML::Node pod = sts["spec"]["template"];
  const YAML::Node labels = pod["metadata"]["labels"];
  ASSERT_TRUE(Selects(sts["spec"]["selector"]["matchLabels"], labels)) << "the StatefulSet's selector misses its pods";
  const std::string governing = sts["spec"]["serviceName"].as<std::string>();
  ASSERT_TRUE(services.count(governing)) << "no Service " << governing;
  const YAML::Node headless = services.at(governing);
  EXPECT_EQ(headless["spec"]["clusterIP"].as<std::string>(""), "None") << "the governing Service is not headless";
  EXPECT_TRUE(Selects(headless["spec"]["selector"], labels));
  bool client_service = false;
  for (const auto& [name, svc] : services) {
    if (svc["spec"]["clusterIP"].as<std::string>("") == "None" || !Selects(svc["spec"]["selector"], labels)) continue;
    client_service = true;
    for (const auto& p : svc["spec"]["ports"]) ContainerPort(container, p["targetPort"] ? p["targetPort"] : p["port"]);
  }
  EXPECT_TRUE(client_service) << "no client Service for the pods";
  ASSERT_TRUE(found_pdb) << "no PodDisruptionBudget";
  EXPECT_EQ(pdb["spec"]["maxUnavailable"].as<int>(), 1);
  EXPECT_TRUE(Selects(pdb["spec"]["selector"]["matchLabels"], labels)) << "the PodDisruptionBudget misses the pods";
  const YAML::Node security = pod["spec"]["securityContext"];
  EXPECT_TRUE(security["runAsNonRoot"].as<bool>(false));
  EXPECT_EQ(security["runAsUser"].as<long>(-1), NumericUid(Image().user)) << "another user than the image's";

  // Volumes: claims from the templates are persistent; secrets hold files.
  std::set<std::string> claims, secrets;
  for (const auto& t : sts["spec"]["volumeClaimTemplates"]) claims.insert(t["metadata"]["name"].as<std::string>());
  for (const auto& v : pod["spec"]["volumes"]) {
    if (v["secret"]) secrets.insert(v["name"].as<std::string>());
  }
  for (const auto& m : container["volumeMounts"]) {
    const std::string name = m["name"].as<std::string>(), at = m["mountPath"].as<std::string>();
    if (claims.count(name)) kit.persistent_mounts.push_back(at);
    else if (secrets.count(name)) kit.secret_mounts.push_back(at);
    else throw KitError("volumeMount " + name + " is neither a claim template nor a secret");
  }

  // One instance per replica, named as the StatefulSet names its pods.
  const int replicas = sts["spec"]["replicas"].as<int>();
  ASSERT_GE(replicas, 1);
  for (int i = 0; i < replicas; ++i) {
    const std::string pod_name = sts["metadata"]["name"].as<std::string>() + "-" + std::to_string(i);
    Env env = ImageEnv(), defined;
    if (container["envFrom"]) throw KitError("envFrom: the kit test reads env only");
    for (const auto& e : container["env"]) {
      const std::string name = e["name"].as<std::string>();
      std::string value;
      if (e["valueFrom"]) {
        if (!e["valueFrom"]["fieldRef"]) throw KitError("env " + name + ": only fieldRef is simulated");
        value = FieldRef(e["valueFrom"]["fieldRef"]["fieldPath"].as<std::string>(), pod_name);
      } else {
        value = Expand(e["value"].as<std::string>(""), defined);
      }
      env[name] = defined[name] = value;
    }
    std::optional<std::vector<std::string>> command, args;
    if (container["command"]) command = StringList(container["command"], "command");
    if (container["args"]) args = StringList(container["args"], "args");
    std::vector<std::string> argv = ContainerCommand(command, args);
    for (std::string& a : argv) a = Expand(a, defined);
    kit.instances.push_back({pod_name, {argv, env, ""}});
  }
  const KitCommand& serve = kit.instances[0].serve;

  // Probes: startup and liveness on live, readiness on ready, on the HTTP port.
  std::map<std::string, std::string> want = {
      {"startupProbe", "/_lifecycle/live"}, {"livenessProbe", "/_lifecycle/live"}, {"readinessProbe", "/_lifecycle/ready"}};
  for (const auto& [probe, path] : want) {
    const YAML::Node get = container[probe]["httpGet"];
    ASSERT_TRUE(get) << "no " << probe << ".httpGet";
    EXPECT_EQ(get["path"].as<std::string>(), path) << probe;
    EXPECT_EQ(ContainerPort(container, get["port"]), ListenPort(serve, "--http-addr")) << probe << " is not on the HTTP port";
    kit.probe_paths.push_back(get["path"].as<std::string>());
  }
  EXPECT_EQ(ContainerPort(container, YAML::Node("grpc")), ListenPort(serve, "--grpc-addr"));

  // etcd: a Service of the kit, on one of its ports.
  if (auto etcd = ServeSetting(serve, "--etcd-endpoints")) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(*etcd, m, std::regex(R"(http://([^:.]+)[^:]*:(\d+))"))) << *etcd;
    ASSERT_TRUE(services.count(m[1].str())) << "etcd endpoint " << *etcd << ": no Service " << m[1];
    bool port = false;
    for (const auto& p : services.at(m[1].str())["spec"]["ports"]) port |= p["port"].as<std::string>() == m[2].str();
    EXPECT_TRUE(port) << "Service " << m[1] << " has no port " << m[2];
  }

  // preStop runs in the container (its environment), before SIGTERM, within
  // terminationGracePeriodSeconds.
  const YAML::Node pre_stop = container["lifecycle"]["preStop"]["exec"]["command"];
  ASSERT_TRUE(pre_stop) << "no lifecycle.preStop.exec.command";
  kit.pre_stop = KitCommand{StringList(pre_stop, "preStop"), serve.env, ""};
  kit.pre_stop_counts_against_kill_timeout = true;
  kit.kill_timeout_field = "terminationGracePeriodSeconds";
  kit.kill_timeout = std::chrono::seconds(pod["spec"]["terminationGracePeriodSeconds"].as<int>(30));
  RunKit(kit);
}

}  // namespace
}  // namespace holdfast::kits
