// Small, strict parsers for the kit files that are not YAML or JSON:
// Dockerfile, systemd unit, the HCL of a Nomad job, /bin/sh words, and the
// duration syntaxes of each orchestrator. Each understands only what the kits
// need and throws KitError on anything else.
#include <rapidjson/document.h>

#include <cctype>
#include <cmath>
#include <fstream>
#include <sstream>

#include "tests/kits/kit_model.h"

namespace holdfast::kits {

const char* const kImagePath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw KitError("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(line);
  }
  return out;
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

bool StartsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

namespace {

// "1m30s" style: numbers each followed by a unit from `units` (ms per unit).
std::chrono::milliseconds UnitSequence(const std::string& text, const std::map<std::string, double>& units,
                                       bool bare_number_seconds, const char* what) {
  const auto bad = [&] { return KitError(std::string("not a ") + what + ": \"" + text + "\""); };
  double total = 0;
  size_t i = 0, terms = 0;
  while (i < text.size()) {
    if (std::isspace(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
    if (start == i) throw bad();
    const double n = std::stod(text.substr(start, i - start));
    size_t ustart = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    const std::string unit = text.substr(ustart, i - ustart);
    if (unit.empty()) {
      if (!bare_number_seconds) throw bad();
      total += n * 1000;
    } else {
      auto it = units.find(unit);
      if (it == units.end()) throw bad();
      total += n * it->second;
    }
    ++terms;
  }
  if (terms == 0) throw bad();
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(total)));
}

}  // namespace

std::chrono::milliseconds HoldfastDuration(const std::string& text) {
  // As server/process/node_config.cc's ParseDuration: digits, then one unit.
  static const std::map<std::string, double> kUnits = {
      {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};
  if (text == "0") return std::chrono::milliseconds(0);
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == 0 || kUnits.count(text.substr(i)) == 0) throw KitError("not a holdfast duration: \"" + text + "\"");
  return std::chrono::milliseconds(std::stoll(text.substr(0, i)) * static_cast<int64_t>(kUnits.at(text.substr(i))));
}

std::chrono::milliseconds GoDuration(const std::string& text) {
  static const std::map<std::string, double> kUnits = {{"ns", 1e-6}, {"us", 1e-3}, {"ms", 1},
                                                      {"s", 1000},  {"m", 60'000}, {"h", 3'600'000}};
  if (text.find(' ') != std::string::npos) throw KitError("not a Go duration: \"" + text + "\"");
  return UnitSequence(text, kUnits, false, "Go duration");
}

std::chrono::milliseconds SystemdTimespan(const std::string& text) {
  static const std::map<std::string, double> kUnits = {
      {"us", 1e-3},       {"usec", 1e-3},     {"ms", 1},         {"msec", 1},          {"s", 1000},
      {"sec", 1000},      {"second", 1000},   {"seconds", 1000}, {"m", 60'000},        {"min", 60'000},
      {"minute", 60'000}, {"minutes", 60'000}, {"h", 3'600'000}, {"hr", 3'600'000},    {"hour", 3'600'000},
      {"hours", 3'600'000}, {"d", 86'400'000}, {"day", 86'400'000}, {"days", 86'400'000}};
  if (text == "infinity") throw KitError("TimeoutStopSec=infinity: systemd would never SIGKILL");
  return UnitSequence(text, kUnits, true, "systemd time span");
}

std::vector<std::string> ShellWords(const std::string& command, const Env& env) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  const auto fail = [&](const std::string& why) {
    return KitError("shell command \"" + command + "\": " + why + " (only plain words, quotes and $VAR)");
  };
  for (size_t i = 0; i < command.size(); ++i) {
    const char c = command[i];
    if (quote == '\'') {
      if (c == '\'') quote = 0; else word += c;
      continue;
    }
    if (c == '$') {
      std::string name;
      if (i + 1 < command.size() && command[i + 1] == '{') {
        const size_t close = command.find('}', i + 2);
        if (close == std::string::npos) throw fail("unclosed ${");
        name = command.substr(i + 2, close - i - 2);
        i = close;
      } else {
        size_t j = i + 1;
        while (j < command.size() && (std::isalnum(static_cast<unsigned char>(command[j])) || command[j] == '_')) ++j;
        name = command.substr(i + 1, j - i - 1);
        i = j - 1;
      }
      if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) {
        throw fail("a `$` that is not $VAR or ${VAR}");
      }
      auto it = env.find(name);
      if (it == env.end()) throw fail("$" + name + " is not set in the environment the orchestrator gives");
      if (!quote && it->second.find_first_of(" \t\n") != std::string::npos) throw fail("$" + name + " would split");
      word += it->second;
      in_word = true;
      continue;
    }
    if (quote == '"') {
      if (c == '"') {
        quote = 0;
      } else if (c == '\\' && i + 1 < command.size() && std::string("$`\"\\").find(command[i + 1]) != std::string::npos) {
        word += command[++i];
      } else if (c == '`') {
        throw fail("backquotes");
      } else {
        word += c;
      }
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\') {
      if (i + 1 >= command.size()) throw fail("a trailing backslash");
      word += command[++i];
      in_word = true;
    } else if (std::string(";|&<>()`#*?[]~").find(c) != std::string::npos) {
      throw fail(std::string("`") + c + "`");
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote) throw fail("an unclosed quote");
  if (in_word) words.push_back(word);
  if (!words.empty() && words[0] == "exec") words.erase(words.begin());
  if (words.empty()) throw fail("no command");
  return words;
}

// --- Dockerfile --------------------------------------------------------------

namespace {

std::vector<std::string> JsonArray(const std::string& text, const std::string& what) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  if (d.HasParseError() || !d.IsArray()) {
    throw KitError(what + " is not in exec form (a JSON array): " + text +
                   " — in shell form /bin/sh is PID 1 and SIGTERM never reaches holdfast");
  }
  std::vector<std::string> out;
  for (const auto& v : d.GetArray()) {
    if (!v.IsString()) throw KitError(what + " has a non-string element: " + text);
    out.emplace_back(v.GetString(), v.GetStringLength());
  }
  return out;
}

// Whitespace-separated words, double quotes grouping (ENV K="a b").
std::vector<std::string> QuotedWords(const std::string& text) {
  std::vector<std::string> out;
  std::string word;
  bool in_word = false, quoted = false;
  for (char c : text) {
    if (c == '"') {
      quoted = !quoted;
      in_word = true;
    } else if (!quoted && std::isspace(static_cast<unsigned char>(c))) {
      if (in_word) out.push_back(word);
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quoted) throw KitError("unclosed quote in: " + text);
  if (in_word) out.push_back(word);
  return out;
}

}  // namespace

Dockerfile ParseDockerfile(const std::string& path) {
  // Logical lines: continuations joined, comments (also inside them) dropped.
  std::vector<std::string> logical;
  std::string pending;
  bool continuing = false;
  for (const std::string& raw : Lines(ReadFile(path))) {
    const std::string t = Trim(raw);
    if (StartsWith(t, "#") || (t.empty() && !continuing)) continue;
    std::string line = raw;
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    continuing = !line.empty() && line.back() == '\\';
    if (continuing) line.pop_back();
    pending += line + " ";
    if (!continuing) {
      logical.push_back(Trim(pending));
      pending.clear();
    }
  }
  if (continuing) throw KitError(path + ": ends inside a continued line");

  Dockerfile df;
  bool in_stage = false;
  for (const std::string& line : logical) {
    const size_t sp = line.find_first_of(" \t");
    std::string op = line.substr(0, sp);
    for (char& c : op) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const std::string args = sp == std::string::npos ? "" : Trim(line.substr(sp));
    if (op == "FROM") {
      std::vector<std::string> w = QuotedWords(args);
      size_t i = 0;
      while (i < w.size() && StartsWith(w[i], "--")) ++i;
      if (i >= w.size()) throw KitError(path + ": FROM without an image");
      df.bases.push_back(w[i]);
      const std::vector<std::string> bases = df.bases;
      df = Dockerfile{};  // a new stage: only the last one's settings count
      df.bases = bases;
      in_stage = true;
      continue;
    }
    if (!in_stage && op != "ARG") throw KitError(path + ": " + op + " before the first FROM");
    if (op == "ENV") {
      std::vector<std::string> w = QuotedWords(args);
      if (w.empty()) throw KitError(path + ": empty ENV");
      if (w[0].find('=') == std::string::npos) {  // ENV KEY value
        df.env[w[0]] = Trim(args.substr(args.find(w[0]) + w[0].size()));
      } else {
        for (const std::string& kv : w) {
          const size_t eq = kv.find('=');
          if (eq == std::string::npos || eq == 0) throw KitError(path + ": ENV word is not KEY=value: " + kv);
          if (kv.find('$') != std::string::npos) throw KitError(path + ": ENV with a $ substitution: " + kv);
          df.env[kv.substr(0, eq)] = kv.substr(eq + 1);
        }
      }
    } else if (op == "USER") {
      df.user = args;
    } else if (op == "STOPSIGNAL") {
      df.stop_signal = args;
    } else if (op == "VOLUME") {
      df.volumes = StartsWith(args, "[") ? JsonArray(args, "VOLUME") : QuotedWords(args);
    } else if (op == "ENTRYPOINT") {
      df.entrypoint = JsonArray(args, "ENTRYPOINT");
    } else if (op == "CMD") {
      df.cmd = JsonArray(args, "CMD");
    } else if (op == "HEALTHCHECK") {
      const size_t cmd = args.find("CMD ");
      if (cmd == std::string::npos) throw KitError(path + ": HEALTHCHECK without CMD: " + args);
      for (const std::string& opt : QuotedWords(args.substr(0, cmd))) {
        if (!StartsWith(opt, "--")) throw KitError(path + ": HEALTHCHECK option " + opt);
      }
      df.healthcheck = JsonArray(Trim(args.substr(cmd + 4)), "HEALTHCHECK CMD");
    } else if (op == "COPY" || op == "ADD") {
      std::vector<std::string> w = QuotedWords(args);
      bool from_stage = false;
      std::vector<std::string> rest;
      for (const std::string& x : w) {
        if (StartsWith(x, "--from=")) from_stage = true;
        if (!StartsWith(x, "--")) rest.push_back(x);
      }
      if (rest.size() < 2) throw KitError(path + ": " + op + " needs sources and a destination: " + args);
      if (from_stage) {
        df.copy_destination = rest.back();
        df.copied.insert(df.copied.end(), rest.begin(), rest.end() - 1);
      }
    } else if (op == "RUN") {
      df.run_lines.push_back(args);
      std::vector<std::string> w = QuotedWords(args);
      for (size_t i = 0; i + 1 < w.size(); ++i) {
        if (w[i] != "apt-get" || w[i + 1] != "install") continue;
        for (size_t j = i + 2; j < w.size() && w[j] != "&&" && w[j] != "||" && w[j] != ";"; ++j) {
          if (!StartsWith(w[j], "-")) df.apt_packages.push_back(w[j]);
        }
      }
    } else if (op != "ARG" && op != "WORKDIR" && op != "EXPOSE" && op != "LABEL" && op != "SHELL") {
      throw KitError(path + ": the kit test does not know the instruction " + op);
    }
  }
  if (df.bases.empty()) throw KitError(path + ": no FROM");
  return df;
}

// --- systemd -----------------------------------------------------------------

UnitFile ParseUnitFile(const std::string& path) {
  UnitFile unit;
  std::string section, pending;
  for (const std::string& raw : Lines(ReadFile(path))) {
    std::string line = Trim(raw);
    if (pending.empty() && (line.empty() || line[0] == '#' || line[0] == ';')) continue;
    if (!line.empty() && line.back() == '\\') {
      line.pop_back();
      pending += line + " ";
      continue;
    }
    line = Trim(pending + line);
    pending.clear();
    if (line.front() == '[') {
      if (line.back() != ']') throw KitError(path + ": bad section header " + line);
      section = line.substr(1, line.size() - 2);
      continue;
    }
    const size_t eq = line.find('=');
    if (section.empty() || eq == std::string::npos) throw KitError(path + ": not Key=value in a section: " + line);
    const std::string key = Trim(line.substr(0, eq)), value = Trim(line.substr(eq + 1));
    auto& values = unit[section][key];
    if (value.empty()) values.clear(); else values.push_back(value);  // an empty assignment resets a list
  }
  if (!pending.empty()) throw KitError(path + ": ends inside a continued line");
  return unit;
}

std::vector<std::string> SystemdWords(const std::string& line, const Env* env) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '$') {  // systemd expands in every word, quoted or not
      if (i + 1 < line.size() && line[i + 1] == '$') {
        word += '$';
        ++i;
        in_word = true;
        continue;
      }
      if (env == nullptr) throw KitError("a `$` where systemd does not expand variables: " + line);
      std::string name;
      if (i + 1 < line.size() && line[i + 1] == '{') {
        const size_t close = line.find('}', i + 2);
        if (close == std::string::npos) throw KitError("unclosed ${ in: " + line);
        name = line.substr(i + 2, close - i - 2);
        i = close;
      } else {
        size_t j = i + 1;
        while (j < line.size() && (std::isalnum(static_cast<unsigned char>(line[j])) || line[j] == '_')) ++j;
        name = line.substr(i + 1, j - i - 1);
        i = j - 1;
      }
      auto it = env->find(name);
      if (name.empty() || it == env->end()) throw KitError("$" + name + " is not set by the unit: " + line);
      word += it->second;
      in_word = true;
      continue;
    }
    if (quote) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && i + 1 < line.size()) {
        word += line[++i];
      } else {
        word += c;
      }
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else if (c == '"' || c == '\'') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < line.size()) {
      word += line[++i];
      in_word = true;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (quote) throw KitError("unclosed quote in: " + line);
  if (in_word) words.push_back(word);
  return words;
}

// --- HCL ---------------------------------------------------------------------

namespace {

struct HclToken {
  enum Kind { kIdent, kString, kNumber, kPunct, kEnd } kind;
  std::string text;
  int line;
};

std::vector<HclToken> HclTokens(const std::string& src, const std::string& path) {
  std::vector<HclToken> out;
  int line = 1;
  for (size_t i = 0; i < src.size();) {
    const char c = src[i];
    const auto fail = [&](const std::string& why) {
      return KitError(path + ":" + std::to_string(line) + ": " + why);
    };
    if (c == '\n') {
      ++line;
      ++i;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '#' || (c == '/' && i + 1 < src.size() && src[i + 1] == '/')) {
      while (i < src.size() && src[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < src.size() && src[i + 1] == '*') {
      const size_t end = src.find("*/", i + 2);
      if (end == std::string::npos) throw fail("unclosed comment");
      for (size_t k = i; k < end; ++k) line += src[k] == '\n';
      i = end + 2;
    } else if (c == '"') {
      std::string s;
      for (++i; i < src.size() && src[i] != '"'; ++i) {
        if (src[i] == '\n') throw fail("newline in a string");
        if (src[i] == '\\' && i + 1 < src.size()) {
          const char e = src[++i];
          s += e == 'n' ? '\n' : e == 't' ? '\t' : e;
        } else {
          s += src[i];
        }
      }
      if (i >= src.size()) throw fail("unclosed string");
      ++i;
      out.push_back({HclToken::kString, s, line});
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      size_t j = i;
      while (j < src.size() && (std::isdigit(static_cast<unsigned char>(src[j])) || src[j] == '.')) ++j;
      out.push_back({HclToken::kNumber, src.substr(i, j - i), line});
      i = j;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t j = i;
      while (j < src.size() && (std::isalnum(static_cast<unsigned char>(src[j])) || src[j] == '_' || src[j] == '-')) ++j;
      out.push_back({HclToken::kIdent, src.substr(i, j - i), line});
      i = j;
    } else if (std::string("{}[]=,").find(c) != std::string::npos) {
      out.push_back({HclToken::kPunct, std::string(1, c), line});
      ++i;
    } else {
      throw fail(std::string("the kit test's HCL reader does not know `") + c + "`");
    }
  }
  out.push_back({HclToken::kEnd, "", line});
  return out;
}

class HclParser {
 public:
  HclParser(std::vector<HclToken> tokens, std::string path) : t_(std::move(tokens)), path_(std::move(path)) {}

  void Body(HclBlock* block, bool top) {
    for (;;) {
      const HclToken& tok = t_[i_];
      if (tok.kind == HclToken::kEnd) {
        if (!top) throw Fail("unclosed block " + block->type);
        return;
      }
      if (tok.kind == HclToken::kPunct && tok.text == "}") {
        if (top) throw Fail("unexpected }");
        ++i_;
        return;
      }
      if (tok.kind != HclToken::kIdent) throw Fail("expected an attribute or a block, got \"" + tok.text + "\"");
      const std::string name = tok.text;
      ++i_;
      if (Is("=")) {
        ++i_;
        if (block->attrs.count(name)) throw Fail("attribute " + name + " given twice");
        block->attrs[name] = Value();
        continue;
      }
      HclBlock child;
      child.type = name;
      while (t_[i_].kind == HclToken::kString || t_[i_].kind == HclToken::kIdent) child.labels.push_back(t_[i_++].text);
      if (!Is("{")) throw Fail("expected { after block " + name);
      ++i_;
      Body(&child, false);
      block->blocks.push_back(std::move(child));
    }
  }

 private:
  bool Is(const std::string& punct) const { return t_[i_].kind == HclToken::kPunct && t_[i_].text == punct; }
  KitError Fail(const std::string& why) const { return KitError(path_ + ":" + std::to_string(t_[i_].line) + ": " + why); }

  std::string Scalar() {
    const HclToken& tok = t_[i_];
    if (tok.kind == HclToken::kString || tok.kind == HclToken::kNumber ||
        (tok.kind == HclToken::kIdent && (tok.text == "true" || tok.text == "false"))) {
      ++i_;
      return tok.text;
    }
    throw Fail("expected a string, number or bool, got \"" + tok.text + "\"");
  }
  HclValue Value() {
    HclValue v;
    if (!Is("[")) {
      v.text = Scalar();
      return v;
    }
    ++i_;
    v.is_list = true;
    while (!Is("]")) {
      v.items.push_back(Scalar());
      if (Is(",")) ++i_; else if (!Is("]")) throw Fail("expected , or ] in a list");
    }
    ++i_;
    return v;
  }

  std::vector<HclToken> t_;
  std::string path_;
  size_t i_ = 0;
};

}  // namespace

std::vector<const HclBlock*> HclBlock::All(const std::string& t) const {
  std::vector<const HclBlock*> out;
  for (const HclBlock& b : blocks) {
    if (b.type == t) out.push_back(&b);
  }
  return out;
}

const HclBlock& HclBlock::One(const std::string& t) const {
  auto all = All(t);
  if (all.size() != 1) {
    throw KitError("block " + type + ": expected exactly one " + t + " block, found " + std::to_string(all.size()));
  }
  return *all[0];
}

const std::string& HclBlock::Text(const std::string& attr) const {
  auto it = attrs.find(attr);
  if (it == attrs.end() || it->second.is_list) throw KitError("block " + type + ": no scalar attribute " + attr);
  return it->second.text;
}

const std::vector<std::string>& HclBlock::List(const std::string& attr) const {
  auto it = attrs.find(attr);
  if (it == attrs.end() || !it->second.is_list) throw KitError("block " + type + ": no list attribute " + attr);
  return it->second.items;
}

HclBlock ParseHcl(const std::string& path) {
  HclBlock root;
  root.type = "(file)";
  HclParser(HclTokens(ReadFile(path), path), path).Body(&root, true);
  return root;
}

}  // namespace holdfast::kits
