// Explanation: why a document scores what it scores (Elasticsearch's
// `_explanation` and the `_explain` API) — a value, a description and the
// explanations it was computed from, as Lucene's Explanation:
//   {"value": 1.3, "description": "sum of:", "details": [...]}
//
// Weights build them (Weight::Explain) from the very scorers the search runs,
// so the value of the root is the hit's score to the bit. A non-matching
// document gets match = false, value 0 and a description of what failed.
// Values are doubles so that counts (n, N of an idf) stay exact; a score is
// a float widened, which renders as the hit's `_score` does. Only built when
// explain is asked for; a plain value, one thread.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>
#include <vector>

namespace holdfast::search {

struct Explanation {
  bool match = false;
  double value = 0;
  std::string description;
  std::vector<Explanation> details;

  static Explanation Match(double value, std::string description, std::vector<Explanation> details = {}) {
    return Explanation{true, value, std::move(description), std::move(details)};
  }
  static Explanation NoMatch(std::string description, std::vector<Explanation> details = {}) {
    return Explanation{false, 0.0, std::move(description), std::move(details)};
  }

  // {"value", "description", "details"} (details always present, as ES).
  void Write(rapidjson::Writer<rapidjson::StringBuffer>* w) const;
  std::string ToJson() const;
};

// A float as Lucene prints it in descriptions ("0.1", "2.0").
std::string FormatFloat(float v);

}  // namespace holdfast::search
