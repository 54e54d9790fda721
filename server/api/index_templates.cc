#include "server/api/index_templates.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <map>

#include "index/mapping/mapping_error.h"
#include "index/mapping/mapping_parser.h"
#include "index/util/glob.h"
#include "server/api/index_api_settings.h"
#include "server/api/index_api_support.h"

namespace holdfast {

namespace {

using rapidjson::Document;
using rapidjson::Value;

std::string ToJson(const Value& v) {
  rapidjson::StringBuffer b;
  rapidjson::Writer<rapidjson::StringBuffer> w(b);
  v.Accept(w);
  return std::string(b.GetString(), b.GetSize());
}

Status ParseObject(std::string_view json, Document* d, std::string_view what) {
  d->Parse(json.data(), json.size());
  if (d->HasParseError() || !d->IsObject()) return Status::ParseValue(std::string(what) + " must be a JSON object");
  return Status::OK();
}

std::vector<std::string> StringList(const Value& v) {
  std::vector<std::string> out;
  if (v.IsString()) out.emplace_back(v.GetString(), v.GetStringLength());
  if (v.IsArray()) {
    for (const Value& e : v.GetArray()) {
      if (e.IsString()) out.emplace_back(e.GetString(), e.GetStringLength());
    }
  }
  return out;
}

// A stored index template, as matching needs it.
struct IndexTemplateView {
  std::vector<std::string> patterns;
  int64_t priority = 0;
};

IndexTemplateView ViewOf(std::string_view json) {
  IndexTemplateView view;
  Document d;
  if (!ParseObject(json, &d, "template").ok()) return view;
  if (d.HasMember("index_patterns")) view.patterns = StringList(d["index_patterns"]);
  if (d.HasMember("priority") && d["priority"].IsInt64()) view.priority = d["priority"].GetInt64();
  return view;
}

// {"a": {"b": 1}, "index.c": "x"} → {"index.a.b": 1, "index.c": "x"} (values kept as they are).
void FlattenSettings(const Value& o, const std::string& prefix, std::map<std::string, const Value*>* out) {
  for (const auto& m : o.GetObject()) {
    const std::string key = prefix + std::string(m.name.GetString(), m.name.GetStringLength());
    if (m.value.IsObject()) {
      FlattenSettings(m.value, key + ".", out);
    } else {
      (*out)[key.rfind("index.", 0) == 0 ? key : "index." + key] = &m.value;
    }
  }
}

// Merges object `from` into object `into`: members of both that are objects
// merge, anything else in `from` replaces.
void DeepMerge(Value& into, const Value& from, Document::AllocatorType& a) {
  for (const auto& m : from.GetObject()) {
    auto it = into.FindMember(m.name);
    if (it != into.MemberEnd() && it->value.IsObject() && m.value.IsObject()) {
      DeepMerge(it->value, m.value, a);
    } else if (it != into.MemberEnd()) {
      it->value.CopyFrom(m.value, a);
    } else {
      into.AddMember(Value(m.name, a), Value(m.value, a), a);
    }
  }
}

// The composition of index bodies ({"settings", "mappings", "aliases"}), one on top of the other.
class Composer {
 public:
  Composer() {
    settings_.SetObject();
    mappings_.SetObject();
    aliases_.SetObject();
  }

  // `body` must be an object (checked by the caller).
  void Add(const Value& body) {
    if (auto s = body.FindMember("settings"); s != body.MemberEnd() && s->value.IsObject()) {
      std::map<std::string, const Value*> flat;
      FlattenSettings(s->value, "", &flat);
      for (const auto& [key, value] : flat) {
        auto it = settings_.FindMember(Value(key.c_str(), a()).Move());
        if (it != settings_.MemberEnd()) {
          it->value.CopyFrom(*value, a());
        } else {
          settings_.AddMember(Value(key.c_str(), a()), Value(*value, a()), a());
        }
      }
    }
    if (auto m = body.FindMember("mappings"); m != body.MemberEnd() && m->value.IsObject()) {
      // A legacy template's typed mapping ({"_doc": {...}}) merges as its type's body.
      const Value* mappings = &m->value;
      if (auto only = mappings->MemberBegin(); mappings->MemberCount() == 1 && only->value.IsObject() &&
                                               mapping::IsMappingTypeName({only->name.GetString(), only->name.GetStringLength()})) {
        mappings = &only->value;
      }
      DeepMerge(mappings_, *mappings, a());
    }
    if (auto al = body.FindMember("aliases"); al != body.MemberEnd() && al->value.IsObject()) {
      for (const auto& alias : al->value.GetObject()) {
        auto it = aliases_.FindMember(alias.name);
        if (it != aliases_.MemberEnd()) {
          it->value.CopyFrom(alias.value, a());
        } else {
          aliases_.AddMember(Value(alias.name, a()), Value(alias.value, a()), a());
        }
      }
    }
  }

  std::string Json() {
    Value out(rapidjson::kObjectType);
    out.AddMember("settings", settings_, a());
    out.AddMember("mappings", mappings_, a());
    out.AddMember("aliases", aliases_, a());
    return ToJson(out);
  }

 private:
  Document::AllocatorType& a() { return doc_.GetAllocator(); }
  Document doc_;
  Value settings_, mappings_, aliases_;
};

// Composes index template `json` (already parsed into `d`) over its
// component templates, then `request` (may be null) on top.
Result<std::string> Compose(const ClusterStateSnapshot& state, const std::string& template_name, const Document& d,
                            const Value* request) {
  Composer composer;
  for (const std::string& component : d.HasMember("composed_of") ? StringList(d["composed_of"])
                                                                  : std::vector<std::string>()) {
    auto it = state.component_templates.find(component);
    if (it == state.component_templates.end()) {
      return Status::InvalidIndexTemplate("index_template [" + template_name + "] invalid, cause [index template [" +
                                          template_name + "] specifies component templates [" + component +
                                          "] that do not exist]");
    }
    Document c;
    HOLDFAST_RETURN_IF_ERROR(ParseObject(it->second, &c, "component template"));
    if (c.HasMember("template") && c["template"].IsObject()) composer.Add(c["template"]);
  }
  if (d.HasMember("template") && d["template"].IsObject()) composer.Add(d["template"]);
  if (request != nullptr) composer.Add(*request);
  return composer.Json();
}

Status CheckTemplateBody(const Value& body, const std::string& what) {
  for (const auto& m : body.GetObject()) {
    const std::string_view key(m.name.GetString(), m.name.GetStringLength());
    if (key != "settings" && key != "mappings" && key != "aliases") {
      return Status::ParseValue("[" + what + "] unknown field [" + std::string(key) + "]");
    }
    if (!m.value.IsObject()) return Status::ParseValue("[" + what + "." + std::string(key) + "] must be an object");
  }
  return Status::OK();
}

// ParseCreateIndexBody's verdict on a composed body, as a template error.
Status CheckComposed(const std::string& name, const std::string& composed) {
  auto parsed = ParseCreateIndexBody(composed);
  if (!parsed.ok()) {
    return Status::InvalidIndexTemplate("index_template [" + name + "] invalid, cause [" + parsed.status().message() +
                                        "]");
  }
  return Status::OK();
}

}  // namespace

bool GlobPatternsOverlap(std::string_view a, std::string_view b) {
  // reach[i][j]: some string takes a[0..i) and b[0..j) to the same place.
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<char>> reach(n + 1, std::vector<char>(m + 1, 0));
  reach[0][0] = 1;
  for (size_t i = 0; i <= n; ++i) {
    for (size_t j = 0; j <= m; ++j) {
      if (!reach[i][j]) continue;
      // A '*' may match nothing more.
      if (i < n && a[i] == '*') reach[i + 1][j] = 1;
      if (j < m && b[j] == '*') reach[i][j + 1] = 1;
      // One more character: each side takes it with a literal or its '*'.
      // (Both at a '*': the skips above cover it.)
      if (i < n && j < m) {
        if (a[i] == '*' && b[j] == '*') {
          continue;
        } else if (a[i] == '*') {
          reach[i][j + 1] = 1;  // a's '*' eats b's literal
        } else if (b[j] == '*') {
          reach[i + 1][j] = 1;  // b's '*' eats a's literal
        } else if (a[i] == b[j]) {
          reach[i + 1][j + 1] = 1;
        }
      }
    }
  }
  return reach[n][m] != 0;
}

Result<std::string> CheckIndexTemplate(const ClusterStateSnapshot& state, const std::string& name,
                                       std::string_view body) {
  HOLDFAST_RETURN_IF_ERROR(CheckJsonText(body));
  Document d;
  HOLDFAST_RETURN_IF_ERROR(ParseObject(body, &d, "the index template"));
  for (const auto& m : d.GetObject()) {
    const std::string_view key(m.name.GetString(), m.name.GetStringLength());
    if (key == "data_stream") {
      return mapping::IllegalArgumentError("index template [" + name +
                                           "]: data streams are not supported (create the index and an alias)");
    }
    if (key != "index_patterns" && key != "template" && key != "composed_of" && key != "priority" &&
        key != "version" && key != "_meta" && key != "allow_auto_create") {
      return Status::ParseValue("[index_template] unknown field [" + std::string(key) + "]");
    }
  }
  std::vector<std::string> patterns;
  if (d.HasMember("index_patterns")) patterns = StringList(d["index_patterns"]);
  if (patterns.empty()) return Status::Validation("Validation Failed: 1: index patterns are missing;");
  for (const std::string& p : patterns) {
    if (p.empty() || p.find_first_of(" ,\"\\/|?<>") != std::string::npos) {
      return Status::InvalidIndexTemplate("index_template [" + name + "] invalid, cause [index_pattern [" + p +
                                          "] must not contain a space, comma or any of \\ / \" | ? < >]");
    }
  }
  // index_patterns always as an array.
  Value list(rapidjson::kArrayType);
  for (const std::string& p : patterns) list.PushBack(Value(p.c_str(), d.GetAllocator()), d.GetAllocator());
  d["index_patterns"] = list;
  int64_t priority = 0;
  if (d.HasMember("priority")) {
    if (!d["priority"].IsInt64() || d["priority"].GetInt64() < 0) {
      return Status::ParseValue("[index_template] priority must be a non-negative number");
    }
    priority = d["priority"].GetInt64();
  }
  if (d.HasMember("version") && !d["version"].IsInt64()) {
    return Status::ParseValue("[index_template] version must be a number");
  }
  if (d.HasMember("composed_of") && !d["composed_of"].IsArray()) {
    return Status::ParseValue("[index_template] composed_of must be an array of names");
  }
  if (d.HasMember("template")) {
    if (!d["template"].IsObject()) return Status::ParseValue("[index_template] template must be an object");
    HOLDFAST_RETURN_IF_ERROR(CheckTemplateBody(d["template"], "template"));
  }
  // Another template of the same priority whose patterns overlap: an index
  // could match both, which Elasticsearch refuses.
  for (const auto& [other, json] : state.index_templates) {
    if (other == name) continue;
    const IndexTemplateView view = ViewOf(json);
    if (view.priority != priority) continue;
    for (const std::string& p : patterns) {
      for (const std::string& q : view.patterns) {
        if (!GlobPatternsOverlap(p, q)) continue;
        std::string mine, theirs;
        for (const std::string& x : patterns) mine += (mine.empty() ? "" : ", ") + x;
        for (const std::string& x : view.patterns) theirs += (theirs.empty() ? "" : ", ") + x;
        return mapping::IllegalArgumentError(
            "index template [" + name + "] has index patterns [" + mine + "] matching patterns from existing templates [" +
            other + "] with patterns (" + other + " => [" + theirs + "]) that have the same priority [" +
            std::to_string(priority) + "], multiple index templates may not match during index creation, please use a "
            "different priority");
      }
    }
  }
  auto composed = Compose(state, name, d, nullptr);
  if (!composed.ok()) return composed.status();
  HOLDFAST_RETURN_IF_ERROR(CheckComposed(name, *composed));
  return ToJson(d);
}

Result<std::string> CheckComponentTemplate(const std::string& name, std::string_view body) {
  HOLDFAST_RETURN_IF_ERROR(CheckJsonText(body));
  Document d;
  HOLDFAST_RETURN_IF_ERROR(ParseObject(body, &d, "the component template"));
  for (const auto& m : d.GetObject()) {
    const std::string_view key(m.name.GetString(), m.name.GetStringLength());
    if (key != "template" && key != "version" && key != "_meta") {
      return Status::ParseValue("[component_template] unknown field [" + std::string(key) + "]");
    }
  }
  if (!d.HasMember("template") || !d["template"].IsObject()) {
    return Status::Validation("Validation Failed: 1: [template] is required and must be an object;");
  }
  HOLDFAST_RETURN_IF_ERROR(CheckTemplateBody(d["template"], "template"));
  auto parsed = ParseCreateIndexBody(ToJson(d["template"]));
  if (!parsed.ok()) {
    return Status::InvalidIndexTemplate("component_template [" + name + "] invalid, cause [" +
                                        parsed.status().message() + "]");
  }
  return ToJson(d);
}

Result<std::string> CheckLegacyTemplate(const std::string& name, std::string_view body, std::optional<int64_t> order) {
  HOLDFAST_RETURN_IF_ERROR(CheckJsonText(body));
  Document d;
  HOLDFAST_RETURN_IF_ERROR(ParseObject(body, &d, "the template"));
  auto& a = d.GetAllocator();
  std::vector<std::string> patterns;
  Value out(rapidjson::kObjectType);
  Value parts(rapidjson::kObjectType);  // settings, mappings, aliases: what an index body holds
  for (auto& m : d.GetObject()) {
    const std::string_view key(m.name.GetString(), m.name.GetStringLength());
    if (key == "index_patterns" || key == "template") {
      for (std::string& p : StringList(m.value)) patterns.push_back(std::move(p));
    } else if (key == "order" || key == "version") {
      if (!m.value.IsInt64()) return Status::ParseValue("[" + std::string(key) + "] must be a number");
      if (key == "version") out.AddMember("version", m.value.GetInt64(), a);
      if (key == "order" && !order) order = m.value.GetInt64();
    } else if (key == "settings" || key == "mappings" || key == "aliases") {
      if (!m.value.IsObject()) return Status::ParseValue("[" + std::string(key) + "] must be an object");
      parts.AddMember(Value(m.name, a), Value(m.value, a), a);
    } else {
      return Status::ParseValue("unknown key [" + std::string(key) + "] in the template");
    }
  }
  if (patterns.empty()) return Status::Validation("Validation Failed: 1: index patterns are missing;");
  if (auto parsed = ParseCreateIndexBody(ToJson(parts)); !parsed.ok()) {
    return Status::InvalidIndexTemplate("index_template [" + name + "] invalid, cause [" + parsed.status().message() + "]");
  }
  Value list(rapidjson::kArrayType);
  for (const std::string& p : patterns) list.PushBack(Value(p.c_str(), a), a);
  out.AddMember("order", order.value_or(0), a);
  out.AddMember("index_patterns", list, a);
  for (const char* key : {"settings", "mappings", "aliases"}) {
    Value v(rapidjson::kObjectType);
    if (parts.HasMember(key)) v.CopyFrom(parts[key], a);
    out.AddMember(rapidjson::StringRef(key), v, a);
  }
  return ToJson(out);
}

std::vector<std::string> MatchingLegacyTemplates(const ClusterStateSnapshot& state, std::string_view index) {
  std::vector<std::pair<int64_t, std::string>> found;
  for (const auto& [name, json] : state.legacy_templates) {
    Document d;
    if (!ParseObject(json, &d, "template").ok() || !d.HasMember("index_patterns")) continue;
    const std::vector<std::string> patterns = StringList(d["index_patterns"]);
    if (std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) { return GlobMatch(p, index); })) {
      found.emplace_back(d.HasMember("order") && d["order"].IsInt64() ? d["order"].GetInt64() : 0, name);
    }
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& [order, name] : found) out.push_back(std::move(name));
  return out;
}

std::string MatchingIndexTemplate(const ClusterStateSnapshot& state, std::string_view index) {
  std::string best;
  int64_t best_priority = -1;
  for (const auto& [name, json] : state.index_templates) {
    const IndexTemplateView view = ViewOf(json);
    if (view.priority <= best_priority) continue;
    if (std::any_of(view.patterns.begin(), view.patterns.end(),
                    [&](const std::string& p) { return GlobMatch(p, index); })) {
      best = name;
      best_priority = view.priority;
    }
  }
  return best;
}

Result<std::string> ComposeCreateIndexBody(const ClusterStateSnapshot& state, std::string_view index,
                                           std::string_view request_body) {
  if (state.index_templates.empty() && state.legacy_templates.empty()) return std::string(request_body);
  const std::string name = MatchingIndexTemplate(state, index);
  const std::vector<std::string> legacy = name.empty() ? MatchingLegacyTemplates(state, index) : std::vector<std::string>();
  if (name.empty() && legacy.empty()) return std::string(request_body);
  Document request;
  const bool blank = request_body.find_first_not_of(" \t\r\n") == std::string_view::npos;
  if (!blank) {
    HOLDFAST_RETURN_IF_ERROR(ParseObject(request_body, &request, "the request body"));
  }
  if (name.empty()) {
    // Legacy templates, lowest order first, each on top of the one before.
    Composer composer;
    for (const std::string& t : legacy) {
      Document d;
      HOLDFAST_RETURN_IF_ERROR(ParseObject(state.legacy_templates.at(t), &d, "template [" + t + "]"));
      composer.Add(d);
    }
    if (!blank) composer.Add(request);
    return composer.Json();
  }
  Document d;
  HOLDFAST_RETURN_IF_ERROR(ParseObject(state.index_templates.at(name), &d, "index template [" + name + "]"));
  return Compose(state, name, d, blank ? nullptr : &request);
}

std::vector<std::string> ComposedOf(std::string_view index_template_json) {
  Document d;
  if (!ParseObject(index_template_json, &d, "template").ok() || !d.HasMember("composed_of")) return {};
  return StringList(d["composed_of"]);
}

}  // namespace holdfast
