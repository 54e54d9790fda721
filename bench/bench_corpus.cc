#include "bench/bench_corpus.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace holdfast::bench {

Status ForEachDoc(const std::string& path, const std::function<void(std::string, std::string, std::string)>& fn) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot read " + path);
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    rapidjson::Document d;
    d.Parse(line.c_str(), line.size());
    if (d.HasParseError() || !d.IsObject() || !d.HasMember("id")) {
      return Status::InvalidArgument(path + ":" + std::to_string(n) + ": not a document");
    }
    auto str = [&](const char* k) {
      return d.HasMember(k) && d[k].IsString() ? std::string(d[k].GetString(), d[k].GetStringLength()) : std::string();
    };
    fn(str("id"), str("title"), str("text"));
  }
  return Status::OK();
}

Result<std::vector<Query>> ReadQueries(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot read " + path);
  std::vector<Query> out;
  std::string line;
  while (std::getline(in, line)) {
    size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    out.push_back({line.substr(0, tab), line.substr(tab + 1)});
  }
  return out;
}

Result<std::map<std::string, std::map<std::string, int>>> ReadQrels(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot read " + path);
  std::map<std::string, std::map<std::string, int>> out;
  std::string q, d;
  int grade;
  while (in >> q >> d >> grade) out[q][d] = grade;
  return out;
}

std::string JsonString(std::string_view s) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return std::string(buf.GetString(), buf.GetSize());
}

uint64_t PeakRssBytes() {
  std::ifstream in("/proc/self/status");
  std::string key;
  while (in >> key) {
    if (key == "VmHWM:") {
      uint64_t kb = 0;
      in >> kb;
      return kb * 1024;
    }
    std::string rest;
    std::getline(in, rest);
  }
  return 0;
}

uint64_t DirectoryBytes(const std::string& dir, const std::string& extension_filter) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (!e.is_regular_file()) continue;
    const std::string ext = e.path().extension().string();
    if (!extension_filter.empty() && ext != extension_filter) continue;
    total += e.file_size();
  }
  return total;
}

ScratchDir::ScratchDir(std::string path) {
  if (!path.empty()) {
    path_ = std::move(path);
    owned_ = false;
    std::filesystem::create_directories(path_);
    return;
  }
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/holdfast-bench-XXXXXX";
  path_ = ::mkdtemp(tmpl.data()) ? tmpl : "holdfast-bench-scratch";
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  if (owned_) std::filesystem::remove_all(path_, ec);
}

}  // namespace holdfast::bench
