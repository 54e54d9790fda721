// The orchestrator kits in docker/, as the kit test sees them: what each kit
// starts (command line and the whole environment), what it probes, what it
// runs before stopping a node and how long it waits before SIGKILL.
//
// Each kit's file is parsed into a Kit (kit_manifest_test.cc and
// kit_orchestrators_test.cc), then RunKit (kit_runner.cc) starts the real
// holdfast with exactly that command line and environment — substituting
// only the data dir, the listen addresses, etcd's endpoints and files the
// kit mounts — asks every probe, runs the real holdfastctl pre-stop, checks
// the kill timeout and stops the node with SIGTERM.
//
// Parsers throw KitError when a file does not have the structure they
// expect: the test fails loudly instead of checking nothing.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace holdfast::kits {

using Env = std::map<std::string, std::string>;

struct KitError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A process a kit starts, as the orchestrator would start it.
struct KitCommand {
  std::vector<std::string> argv;  // argv[0] as the kit names it: holdfast, /usr/local/bin/holdfastctl
  Env env;                        // the whole environment (image ENV, orchestrator variables, the kit's)
  // Non-empty: the kit runs `/bin/sh -c shell_script` (systemd's ExecStop);
  // argv is then the command the script execs, for the checks.
  std::string shell_script;
};

struct KitInstance {
  std::string name;  // "holdfast-0", "n1": for messages and log files
  KitCommand serve;
};

struct Kit {
  std::string name;                   // "kubernetes"
  std::vector<std::string> files;     // what was read, for messages
  std::vector<KitInstance> instances; // the holdfast processes it starts (one cluster)
  std::vector<std::string> probe_paths;  // GET on every instance → 200
  bool has_health_checks = true;         // false: the orchestrator probes nothing (systemd)
  // Requests the kit documents beyond its probes: {method, path, body}, each
  // answered 2xx on the first instance (a reconcile example, say).
  struct Request {
    std::string method, path, body;
    std::function<std::string(const std::string& answer)> check;  // "" when the answer is right
  };
  std::vector<Request> requests;

  std::optional<KitCommand> pre_stop;  // holdfastctl before the stop, against pre_stop_instance
  size_t pre_stop_instance = 0;
  bool pre_stop_counts_against_kill_timeout = false;  // Kubernetes preStop, systemd ExecStop
  // systemd: the ExecStop script must exit 0 at once without $MAINPID (the
  // node already exited), without waiting for a node that is gone.
  bool pre_stop_skips_without_mainpid = false;

  std::string kill_timeout_field;  // "terminationGracePeriodSeconds", for messages
  std::optional<std::chrono::milliseconds> kill_timeout;

  std::vector<std::string> persistent_mounts;  // the data dir must be one of them or under one
  std::vector<std::string> secret_mounts;      // files under these are provided by the kit (tokens)
  std::string install_dir = "/usr/local/bin";  // where the kit expects holdfast and holdfastctl
};

// --- small parsers (kit_parsers.cc) -----------------------------------------

std::string ReadFile(const std::string& path);
std::vector<std::string> Lines(const std::string& text);
std::string Trim(const std::string& s);
bool StartsWith(const std::string& s, const std::string& prefix);

// holdfast's durations: "30s", "500ms", "5m", "2h" (one unit).
std::chrono::milliseconds HoldfastDuration(const std::string& text);
// Go's (Nomad, Compose): "45s", "1m30s", "1h".
std::chrono::milliseconds GoDuration(const std::string& text);
// systemd's time spans: "360", "6min", "5min 30s", "1h".
std::chrono::milliseconds SystemdTimespan(const std::string& text);

// A /bin/sh command of plain words: quotes, `$VAR` and `${VAR}` from `env`
// (an unset one is an error), backslash escapes, a leading `exec`. Anything
// else (`;`, `|`, `&`, redirections, `$(...)`, backquotes) is a KitError.
std::vector<std::string> ShellWords(const std::string& command, const Env& env);

// A Dockerfile's last stage, plus every stage's base image.
struct Dockerfile {
  std::vector<std::string> bases;  // FROM images, every stage
  Env env;                         // ENV of the last stage
  std::string user;                // USER
  std::vector<std::string> volumes;
  std::string stop_signal;
  std::vector<std::string> healthcheck;  // HEALTHCHECK CMD, exec form
  std::vector<std::string> entrypoint, cmd;  // exec form
  std::vector<std::string> copied;           // COPY --from=... sources of the last stage
  std::string copy_destination;
  std::vector<std::string> run_lines;        // RUN of the last stage (continuations joined)
  std::vector<std::string> apt_packages;     // `apt-get install` arguments of the last stage
};
Dockerfile ParseDockerfile(const std::string& path);
// Docker's PATH for a debian image, which every kit running the image inherits.
extern const char* const kImagePath;

// A unit file: section → key → values in file order.
using UnitFile = std::map<std::string, std::map<std::string, std::vector<std::string>>>;
UnitFile ParseUnitFile(const std::string& path);
// systemd's splitting of an Exec= line or an Environment= value: quotes,
// backslash escapes, `$$` → `$`, `${VAR}` and `$VAR` from `env` (nullptr: no
// expansion, a `$` other than `$$` is an error).
std::vector<std::string> SystemdWords(const std::string& line, const Env* env);

// The subset of HCL a job file uses: blocks with labels, attributes with a
// string, number, bool or list of those.
struct HclValue {
  std::string text;                // string (unquoted), number or bool
  std::vector<std::string> items;  // a list
  bool is_list = false;
};
struct HclBlock {
  std::string type;
  std::vector<std::string> labels;
  std::map<std::string, HclValue> attrs;
  std::vector<HclBlock> blocks;

  std::vector<const HclBlock*> All(const std::string& type) const;
  const HclBlock& One(const std::string& type) const;  // exactly one, else KitError
  const std::string& Text(const std::string& attr) const;  // a scalar attribute, else KitError
  const std::vector<std::string>& List(const std::string& attr) const;
  bool Has(const std::string& attr) const { return attrs.count(attr) > 0; }
};
HclBlock ParseHcl(const std::string& path);

// --- running a kit (kit_runner.cc) --------------------------------------------

// What a binary's --help declares: flags, their environment variables and defaults.
struct HelpInfo {
  std::set<std::string> flags;                    // "--data-dir"
  std::map<std::string, std::string> flag_env;    // "--data-dir" → "HOLDFAST_DATA_DIR"
  std::map<std::string, std::string> defaults;    // "--addr" → "127.0.0.1:9300" (CLI11's TEXT=...)
  std::set<std::string> valued;                   // flags that take a value (TEXT, UINT, ...)
  std::set<std::string> subcommands;
};
// `<binary> <words...> --help`, parsed; throws when it does not exit 0.
HelpInfo Help(const std::string& binary, const std::vector<std::string>& words);
std::string HoldfastBinary();
std::string HoldfastctlBinary();
// Every environment variable either binary reads (HOLDFAST_*, HOLDFASTCTL_*).
std::set<std::string> KnownEnvironment();

// The image tag docker/README.md builds (`docker build ... -t TAG`), which every kit runs.
std::string ImageTag(const std::string& docker_dir);

// The value a `holdfast serve` command line gives a setting: its flag, else
// its environment variable, else nothing.
std::optional<std::string> ServeSetting(const KitCommand& serve, const std::string& flag);

// docker/ (HOLDFAST_DOCKER_DIR) and its Dockerfile, parsed once.
std::string DockerDir();
const Dockerfile& Image();
// The environment a container of the image starts with: Docker's PATH and the ENV lines.
Env ImageEnv();
// A container's command line: `command`/`args` as Kubernetes names them (or
// Compose's entrypoint/command, Marathon's args), the image's ENTRYPOINT and
// CMD where the kit gives none. An overridden entrypoint drops the image's CMD.
std::vector<std::string> ContainerCommand(const std::optional<std::vector<std::string>>& entrypoint,
                                          const std::optional<std::vector<std::string>>& cmd);
// The path of an http://host:port/path URL among `words` (a probe command),
// checked to reach the HTTP port `serve` listens on from inside the container.
std::string ProbeUrlPath(const std::vector<std::string>& words, const KitCommand& serve, const std::string& what);
// The port number of a `--http-addr` value, or of another listen address.
int ListenPort(const KitCommand& serve, const std::string& flag);

// Starts the kit and checks it (gtest assertions; throws KitError on a
// structural problem).
void RunKit(const Kit& kit);

}  // namespace holdfast::kits
