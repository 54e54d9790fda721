// Shared pieces of the macro benchmark drivers (holdfast-bench, holdfast-eval):
// reading docs.jsonl / queries.tsv / qrels.tsv, a temporary index directory,
// peak RSS, and a monotonic stopwatch.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "index/util/status.h"

namespace holdfast::bench {

struct Query {
  std::string id;
  std::string text;
};

// Calls fn(id, title, text) for every line of a docs.jsonl ({"id","title","text",...}).
Status ForEachDoc(const std::string& path, const std::function<void(std::string id, std::string title, std::string text)>& fn);
Result<std::vector<Query>> ReadQueries(const std::string& path);  // qid<TAB>text
// qid → (docid → grade)
Result<std::map<std::string, std::map<std::string, int>>> ReadQrels(const std::string& path);

// A JSON string literal (quotes included) for `s`.
std::string JsonString(std::string_view s);

uint64_t PeakRssBytes();
uint64_t DirectoryBytes(const std::string& dir, const std::string& extension_filter = "");

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

 private:
  std::chrono::steady_clock::time_point start_;
};

// A scratch directory removed at destruction (unless kept for inspection).
class ScratchDir {
 public:
  explicit ScratchDir(std::string path = "");
  ~ScratchDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool owned_ = true;
};

}  // namespace holdfast::bench
