// What docker/'s READMEs and files name, checked against the binaries: every
// kit has a README; every /_lifecycle/ endpoint named exists on a real node;
// every HOLDFAST_* / HOLDFASTCTL_* variable is one holdfast, holdfastctl or
// scripts/ read; every `holdfastctl ...` and `holdfast serve ...` shown uses
// subcommands and flags the binaries have.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <sstream>

#include "tests/kits/kit_model.h"
#include "tests/support/http_client.h"
#include "tests/support/test_process.h"

namespace holdfast::kits {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

const std::set<std::string> kEndpoints = {"live", "ready", "status", "safe-to-stop", "drain", "reconcile"};

std::vector<std::string> DockerFiles() {
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(DockerDir())) {
    if (e.is_regular_file()) files.push_back(e.path().string());
  }
  if (files.size() < 10) throw KitError("docker/ holds only " + std::to_string(files.size()) + " files");
  return files;
}

TEST(KitDocs, EveryKitHasAReadme) {
  for (const char* readme : {"README.md", "compose.README.md", "kubernetes/README.md", "marathon/README.md",
                             "nomad/README.md", "systemd/README.md"}) {
    const std::string path = DockerDir() + "/" + readme;
    ASSERT_TRUE(fs::exists(path)) << path;
    EXPECT_NE(ReadFile(path).find("/_lifecycle/"), std::string::npos) << path << " says nothing of the lifecycle endpoints";
  }
}

// The endpoint names the kits may use exist on a real node.
TEST(KitDocs, LifecycleEndpointsExist) {
  holdfast::testing::TempDir dir;
  holdfast::testing::NodeProcess node;
  ASSERT_TRUE(node.Start(dir.Sub("data"))) << node.Log();
  ASSERT_TRUE(node.WaitReady()) << node.Log();
  for (const std::string& name : kEndpoints) {
    const bool post = name == "reconcile";
    const auto r = holdfast::testing::HttpCall(node.http_port(), post ? "POST" : "GET", "/_lifecycle/" + name, post ? "{}" : "");
    EXPECT_TRUE(r.status != 0 && r.status != 404 && r.status != 405) << "/_lifecycle/" << name << ": " << r.status << " " << r.body;
  }
}

TEST(KitDocs, EveryNamedEndpointAndVariableExists) {
  std::set<std::string> variables = KnownEnvironment();
  // Build-time names the scripts read (HOLDFAST_BUILD_DIR in the Dockerfile).
  static const std::regex kVar(R"(\b(HOLDFAST(CTL)?_[A-Z0-9_]+))");
  for (const auto& e : fs::directory_iterator(DockerDir() + "/../scripts")) {
    const std::string text = ReadFile(e.path().string());
    for (auto it = std::sregex_iterator(text.begin(), text.end(), kVar); it != std::sregex_iterator(); ++it) {
      variables.insert((*it)[1].str());
    }
  }
  static const std::regex kEndpoint(R"(/_lifecycle/([a-z-]+))");
  for (const std::string& path : DockerFiles()) {
    const std::string text = ReadFile(path);
    for (auto it = std::sregex_iterator(text.begin(), text.end(), kEndpoint); it != std::sregex_iterator(); ++it) {
      EXPECT_TRUE(kEndpoints.count((*it)[1].str())) << path << " names /_lifecycle/" << (*it)[1];
    }
    for (auto it = std::sregex_iterator(text.begin(), text.end(), kVar); it != std::sregex_iterator(); ++it) {
      EXPECT_TRUE(variables.count((*it)[1].str())) << path << " names " << (*it)[1] << ", which nothing reads";
    }
  }
}

// The shell words of a documented command, up to the end of the command.
std::vector<std::string> CommandWords(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string w; in >> w;) {
    if (w == "&&" || w == "||" || w == "|" || w == ";" || w == "\\" || w[0] == '#' || w[0] == '>') break;
    while (!w.empty() && (w.back() == ';' || w.back() == ')')) w.pop_back();
    if (!w.empty()) words.push_back(w);
  }
  return words;
}

// Checks `words` (after the binary's name) against `binary <path...> --help`.
void CheckCommand(const std::string& binary, std::vector<std::string> path, const std::vector<std::string>& words,
                  const std::string& where) {
  const HelpInfo global = Help(binary, {});
  HelpInfo help = Help(binary, path);
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (StartsWith(w, "--")) {
      const std::string flag = w.substr(0, w.find('='));
      EXPECT_TRUE(help.flags.count(flag) || global.flags.count(flag)) << where << ": " << flag << " is not a flag of `"
                                                                      << binary << "` " << ::testing::PrintToString(path);
      if (w.find('=') == std::string::npos && (help.valued.count(flag) || global.valued.count(flag))) ++i;
    } else if (help.subcommands.count(w)) {
      path.push_back(w);
      help = Help(binary, path);
    } else if (!help.subcommands.empty() && path.size() < 2 && std::regex_match(w, std::regex("[a-z][a-z-]*"))) {
      ADD_FAILURE() << where << ": `" << w << "` is not a subcommand of " << binary << " " << ::testing::PrintToString(path);
      return;
    }
  }
}

TEST(KitDocs, DocumentedCommandsExist) {
  size_t checked = 0;
  for (const std::string& path : DockerFiles()) {
    if (path.size() < 3 || path.substr(path.size() - 3) != ".md") continue;
    bool fenced = false;
    int n = 0;
    for (const std::string& line : Lines(ReadFile(path))) {
      ++n;
      if (StartsWith(Trim(line), "```")) {
        fenced = !fenced;
        continue;
      }
      std::vector<std::string> spans;
      if (fenced) {
        spans.push_back(line);
      } else {
        static const std::regex kSpan("`([^`]+)`");
        for (auto it = std::sregex_iterator(line.begin(), line.end(), kSpan); it != std::sregex_iterator(); ++it) {
          spans.push_back((*it)[1].str());
        }
      }
      const std::string where = path + ":" + std::to_string(n);
      for (const std::string& span : spans) {
        std::vector<std::string> words = CommandWords(span);
        for (size_t i = 0; i < words.size(); ++i) {
          const std::string base = words[i].substr(words[i].rfind('/') + 1);
          if (base == "holdfastctl" && i + 1 < words.size()) {
            CheckCommand(HoldfastctlBinary(), {}, {words.begin() + static_cast<long>(i) + 1, words.end()}, where);
            ++checked;
            break;
          }
          if (base == "holdfast" && i + 1 < words.size() && words[i + 1] == "serve") {
            CheckCommand(HoldfastBinary(), {"serve"}, {words.begin() + static_cast<long>(i) + 2, words.end()}, where);
            ++checked;
            break;
          }
        }
      }
    }
  }
  EXPECT_GE(checked, 5u) << "the READMEs show hardly any holdfastctl command";
}

}  // namespace
}  // namespace holdfast::kits
