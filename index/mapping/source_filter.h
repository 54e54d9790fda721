// SourceFilter: Elasticsearch `_source` filtering of a hit's stored source.
//
// `_source` in a search body may be false (no source), true, a pattern or an
// array of patterns (includes), or {"includes": [...], "excludes": [...]};
// the URL parameters `_source`, `_source_includes` and `_source_excludes`
// (comma-separated) say the same. Patterns are dotted field paths with `*`
// wildcards ("user.name", "user.*", "*_id"); a pattern that names an object
// keeps the whole object. Excludes win over includes. Objects left empty by
// filtering are dropped, as Elasticsearch does; inside arrays, objects are
// filtered element by element and scalars follow their array's path.
//
// A SourceFilter is a plain value, shared read-only between threads. Write()
// copies the source straight to the writer when nothing is filtered; else it
// walks it once with simdjson (one padded copy of the source).
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <string>
#include <string_view>
#include <vector>

#include "index/util/status.h"

namespace holdfast {

class SourceFilter {
 public:
  using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

  // The JSON value of `_source` in a search body. parsing_exception when it
  // is none of the forms above.
  static Result<SourceFilter> FromJson(std::string_view json);
  // The URL form: `source` is "true"/"false" or a pattern list (empty: unset).
  static SourceFilter FromParams(std::string_view source, std::string_view includes, std::string_view excludes);

  // The parts, as a shard fetch request carries them.
  static SourceFilter FromParts(bool enabled, std::vector<std::string> includes, std::vector<std::string> excludes);

  bool enabled() const { return enabled_; }
  bool filters() const { return !includes_.empty() || !excludes_.empty(); }
  const std::vector<std::string>& includes() const { return includes_; }
  const std::vector<std::string>& excludes() const { return excludes_; }

  // Writes `source` (one JSON object), filtered, as the next value of
  // `writer`. Sources are JSON checked at indexing; one that is not (a walk
  // error, a NUL byte) is written as {} rather than passed on. A source that
  // is not an object is written as it is when nothing is filtered.
  void Write(std::string_view source, Writer* writer) const;
  // Write() into `out` (replacing it): the filtered source as JSON text.
  void Render(std::string_view source, std::string* out) const;

  // index/util/glob.h: `*` matches any run of characters (dots included).
  static bool GlobMatch(std::string_view pattern, std::string_view text);
  // True when `pattern` could match `text` followed by more characters.
  static bool GlobMatchesPrefix(std::string_view pattern, std::string_view text);

 private:
  bool enabled_ = true;
  std::vector<std::string> includes_;
  std::vector<std::string> excludes_;

  friend class SourceFilterWalker;
};

}  // namespace holdfast
