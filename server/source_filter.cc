#include "server/source_filter.h"

#include <simdjson.h>

namespace holdfast {
namespace od = simdjson::ondemand;

namespace {

Status SourceParsingError(std::string_view reason) { return Status::Parse(std::string(reason)); }

std::vector<std::string> SplitPatterns(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view one = list.substr(0, comma);
    while (!one.empty() && one.front() == ' ') one.remove_prefix(1);
    while (!one.empty() && one.back() == ' ') one.remove_suffix(1);
    if (!one.empty()) out.emplace_back(one);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

// Reads a string or an array of strings into `out`.
Status ReadPatterns(od::value value, std::vector<std::string>* out) {
  od::json_type type;
  if (value.type().get(type)) return SourceParsingError("[_source] malformed value");
  if (type == od::json_type::string) {
    std::string_view s;
    if (value.get_string().get(s)) return SourceParsingError("[_source] malformed string");
    out->emplace_back(s);
    return Status::OK();
  }
  if (type != od::json_type::array) return SourceParsingError("[_source] expected a string or an array of strings");
  od::array array;
  if (value.get_array().get(array)) return SourceParsingError("[_source] malformed array");
  for (auto element : array) {
    std::string_view s;
    if (element.get_string().get(s)) return SourceParsingError("[_source] expected an array of strings");
    out->emplace_back(s);
  }
  return Status::OK();
}

// A scalar's JSON text without the whitespace simdjson leaves after it.
std::string_view RawToken(od::value& value) {
  std::string_view raw = value.raw_json_token();
  while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t')) {
    raw.remove_suffix(1);
  }
  return raw;
}

}  // namespace

namespace {

// Iterative wildcard match with one backtrack point (the last `*`). With
// `text_may_end`, running out of text with pattern left is a match: the rest
// of the pattern can always match some continuation.
bool Glob(std::string_view p, std::string_view t, bool text_may_end) {
  size_t pi = 0, ti = 0, star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (pi < p.size() && p[pi] == t[ti]) {
      ++pi;
      ++ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  if (text_may_end) return true;
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace

bool SourceFilter::GlobMatch(std::string_view p, std::string_view t) { return Glob(p, t, false); }

bool SourceFilter::GlobMatchesPrefix(std::string_view p, std::string_view t) { return Glob(p, t, true); }

Result<SourceFilter> SourceFilter::FromJson(std::string_view json) {
  SourceFilter filter;
  simdjson::padded_string padded(json);
  od::parser parser;
  od::document doc;
  if (parser.iterate(padded).get(doc)) return SourceParsingError("[_source] malformed value");
  // A scalar root is read from the document itself (On-Demand refuses it as a value).
  od::json_type type;
  if (doc.type().get(type)) return SourceParsingError("[_source] malformed value");
  if (type == od::json_type::boolean) {
    bool b = true;
    if (doc.get_bool().get(b)) return SourceParsingError("[_source] malformed boolean");
    filter.enabled_ = b;
    return filter;
  }
  if (type == od::json_type::string) {
    std::string_view s;
    if (doc.get_string().get(s)) return SourceParsingError("[_source] malformed string");
    filter.includes_ = SplitPatterns(s);
    return filter;
  }
  od::value root;
  if (doc.get_value().get(root)) return SourceParsingError("[_source] expected a boolean, a string, an array or an object");
  if (type != od::json_type::object) {
    HOLDFAST_RETURN_IF_ERROR(ReadPatterns(root, &filter.includes_));
    return filter;
  }
  od::object object;
  if (root.get_object().get(object)) return SourceParsingError("[_source] malformed object");
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return SourceParsingError("[_source] malformed object");
    if (key == "includes" || key == "include") {
      HOLDFAST_RETURN_IF_ERROR(ReadPatterns(field.value(), &filter.includes_));
    } else if (key == "excludes" || key == "exclude") {
      HOLDFAST_RETURN_IF_ERROR(ReadPatterns(field.value(), &filter.excludes_));
    } else {
      return SourceParsingError("Unknown key for a VALUE_STRING in [" + std::string(key) + "].");
    }
  }
  return filter;
}

SourceFilter SourceFilter::FromParams(std::string_view source, std::string_view includes,
                                      std::string_view excludes) {
  SourceFilter filter;
  if (source == "false") {
    filter.enabled_ = false;
  } else if (!source.empty() && source != "true") {
    filter.includes_ = SplitPatterns(source);
  }
  for (auto& p : SplitPatterns(includes)) filter.includes_.push_back(std::move(p));
  filter.excludes_ = SplitPatterns(excludes);
  return filter;
}

// One walk over one source, writing what the filter keeps.
class SourceFilterWalker {
 public:
  explicit SourceFilterWalker(const SourceFilter& filter) : filter_(filter) {}

  // True when the source turned out not to be JSON (the output is then void).
  bool failed() const { return failed_; }

  // Writes the kept fields of `object` (at `path`, "" for the root) as an
  // object into `out`; returns how many fields were written.
  size_t WriteObject(od::object object, const std::string& path, bool ancestor_kept,
                     SourceFilter::Writer* out) {
    size_t written = 0;
    out->StartObject();
    for (auto field : object) {
      std::string_view key;
      if (field.unescaped_key().get(key)) {
        failed_ = true;
        break;
      }
      std::string child = path.empty() ? std::string(key) : path + "." + std::string(key);
      bool kept = false;
      Decision d = Decide(child, ancestor_kept, &kept);
      if (d == Decision::kDrop) continue;
      rapidjson::StringBuffer buffer;
      SourceFilter::Writer value_writer(buffer);
      if (!WriteValue(field.value(), child, d, kept, &value_writer)) continue;
      out->Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
      WriteRaw(std::string_view(buffer.GetString(), buffer.GetSize()), out);
      ++written;
    }
    out->EndObject();
    return written;
  }

 private:
  // kKeep: the whole value; kDescend: only some of what is below; kDrop.
  enum class Decision { kDrop, kKeep, kDescend };

  // `*kept`: the path itself is included (so scalars below it stay).
  Decision Decide(const std::string& path, bool ancestor_kept, bool* kept_out) const {
    for (const auto& ex : filter_.excludes_) {
      if (SourceFilter::GlobMatch(ex, path)) return Decision::kDrop;
    }
    bool kept = ancestor_kept || filter_.includes_.empty();
    for (size_t i = 0; !kept && i < filter_.includes_.size(); ++i) {
      kept = SourceFilter::GlobMatch(filter_.includes_[i], path);
    }
    *kept_out = kept;
    const std::string below = path + ".";
    if (kept) {
      for (const auto& ex : filter_.excludes_) {
        if (SourceFilter::GlobMatchesPrefix(ex, below)) return Decision::kDescend;
      }
      return Decision::kKeep;
    }
    for (const auto& in : filter_.includes_) {
      if (SourceFilter::GlobMatchesPrefix(in, below)) return Decision::kDescend;
    }
    return Decision::kDrop;
  }

  // Writes a value under decision `d`; false when nothing is left of it.
  bool WriteValue(od::value value, const std::string& path, Decision d, bool kept_here, SourceFilter::Writer* out) {
    od::json_type type;
    if (value.type().get(type)) return Fail();
    if (d == Decision::kKeep) {
      std::string_view raw;
      if (type == od::json_type::object) {
        od::object o;
        if (value.get_object().get(o) || o.raw_json().get(raw)) return Fail();
      } else if (type == od::json_type::array) {
        od::array a;
        if (value.get_array().get(a) || a.raw_json().get(raw)) return Fail();
      } else {
        raw = RawToken(value);
      }
      WriteRaw(raw, out);
      return true;
    }
    if (type == od::json_type::object) {
      od::object o;
      if (value.get_object().get(o)) return Fail();
      return WriteObject(o, path, kept_here, out) > 0;
    }
    if (type == od::json_type::array) {
      od::array a;
      if (value.get_array().get(a)) return Fail();
      size_t written = 0;
      out->StartArray();
      for (auto element : a) {
        od::value v;
        od::json_type et;
        if (element.get(v) || v.type().get(et)) {
          Fail();
          break;
        }
        if (et == od::json_type::object || et == od::json_type::array) {
          rapidjson::StringBuffer buffer;
          SourceFilter::Writer element_writer(buffer);
          if (WriteValue(v, path, Decision::kDescend, kept_here, &element_writer)) {
            WriteRaw(std::string_view(buffer.GetString(), buffer.GetSize()), out);
            ++written;
          }
        } else if (kept_here) {
          WriteRaw(RawToken(v), out);
          ++written;
        }
      }
      out->EndArray();
      return written > 0;
    }
    if (!kept_here) return false;  // a scalar below a partly kept path
    WriteRaw(RawToken(value), out);
    return true;
  }

  bool Fail() {
    failed_ = true;
    return false;
  }

  // A piece of the source as it is — unless it could not be JSON (empty, or
  // holding a NUL byte, which RapidJSON refuses).
  void WriteRaw(std::string_view raw, SourceFilter::Writer* out) {
    if (raw.empty() || raw.find('\0') != std::string_view::npos) {
      failed_ = true;
      out->Null();
      return;
    }
    out->RawValue(raw.data(), raw.size(), rapidjson::kObjectType);
  }

  const SourceFilter& filter_;
  bool failed_ = false;
};

void SourceFilter::Write(std::string_view source, Writer* writer) const {
  // A source that cannot be JSON (never one stored by indexing) becomes {}.
  if (source.empty() || source.find('\0') != std::string_view::npos) {
    writer->StartObject();
    writer->EndObject();
    return;
  }
  if (!filters()) {
    writer->RawValue(source.data(), source.size(), rapidjson::kObjectType);
    return;
  }
  simdjson::padded_string padded(source);
  thread_local od::parser parser;
  od::document doc;
  od::object root;
  rapidjson::StringBuffer buffer;
  Writer filtered(buffer);
  SourceFilterWalker walker(*this);
  if (parser.iterate(padded).get(doc) || doc.get_object().get(root) ||
      (walker.WriteObject(root, "", false, &filtered), walker.failed())) {
    writer->StartObject();
    writer->EndObject();
    return;
  }
  writer->RawValue(buffer.GetString(), buffer.GetSize(), rapidjson::kObjectType);
}

}  // namespace holdfast
