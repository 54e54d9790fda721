// more_like_this in the query DSL: reads `like` / `unlike` (texts, documents
// by `_id` — fetched through the QueryContext — and artificial `doc`s),
// analyzes them per field and builds a MoreLikeThisQuery.
#include <algorithm>
#include <map>

#include "index/search/more_like_this_query.h"
#include "index/search/query_context.h"
#include "index/search/query_dsl.h"

namespace holdfast::search::dsl {

namespace {

// One `like` (or `unlike`) entry.
struct LikeItem {
  std::string text;    // a free text (all fields)
  std::string index;   // a document by id ("": the index searched)
  std::string id;
  std::string doc;     // an artificial document (its JSON)
  bool is_text = true;
};

Status ReadLikeItem(od::value v, std::vector<LikeItem>* out) {
  od::json_type t;
  HF_JSON(v.type().get(t));
  if (t == od::json_type::string) {
    LikeItem item;
    HOLDFAST_RETURN_IF_ERROR(ReadText(v, &item.text, "like"));
    out->push_back(std::move(item));
    return Status::OK();
  }
  if (t != od::json_type::object) return ParsingError("[more_like_this] [like] expects strings or objects");
  LikeItem item;
  item.is_text = false;
  bool has_id = false, has_doc = false;
  HOLDFAST_RETURN_IF_ERROR(ForEachKey(v, "more_like_this", [&](std::string_view key, od::value f) -> Status {
    if (key == "_index") return ReadText(f, &item.index, key);
    if (key == "_id") {
      has_id = true;
      return ReadText(f, &item.id, key);
    }
    if (key == "doc") {
      if (!IsObject(f)) return ParsingError("[more_like_this] [doc] must be an object");
      std::string_view raw;
      HF_JSON(simdjson::to_json_string(f).get(raw));
      item.doc.assign(raw);
      has_doc = true;
      return Status::OK();
    }
    if (key == "routing" || key == "_routing" || key == "fields") return Status::OK();  // not used
    return ParsingError("[more_like_this] unknown field [" + std::string(key) + "] in a [like] item");
  }));
  if (has_id == has_doc) return ParsingError("[more_like_this] a [like] document needs either [_id] or [doc]");
  out->push_back(std::move(item));
  return Status::OK();
}

Status ReadLikeItems(od::value v, std::vector<LikeItem>* out) {
  od::json_type t;
  HF_JSON(v.type().get(t));
  if (t != od::json_type::array) return ReadLikeItem(v, out);
  od::array array;
  HF_JSON(v.get_array().get(array));
  for (auto element : array) {
    od::value e;
    HF_JSON(element.get(e));
    HOLDFAST_RETURN_IF_ERROR(ReadLikeItem(e, out));
  }
  return Status::OK();
}

Status ReadStrings(od::value v, std::vector<std::string>* out, std::string_view what) {
  return ReadTextArray(v, what, "[more_like_this] [" + std::string(what) + "] must be an array", out);
}

// The string values at dotted `path` of a JSON document (arrays flattened).
void CollectValues(simdjson::dom::element e, std::string_view path, std::vector<std::string>* out) {
  if (e.is_array()) {
    for (simdjson::dom::element x : e.get_array()) CollectValues(x, path, out);
    return;
  }
  if (path.empty()) {
    if (e.is_string()) {
      out->emplace_back(std::string_view(e.get_string()));
    } else if (e.is_number() || e.is_bool()) {
      out->push_back(simdjson::minify(e));
    }
    return;
  }
  if (!e.is_object()) return;
  simdjson::dom::object obj = e.get_object();
  // Keys may themselves hold dots ("a.b": ...): try every split.
  for (size_t dot = 0; dot <= path.size(); ++dot) {
    if (dot < path.size() && path[dot] != '.') continue;
    simdjson::dom::element child;
    if (obj.at_key(path.substr(0, dot)).get(child) == simdjson::SUCCESS) {
      CollectValues(child, dot < path.size() ? path.substr(dot + 1) : std::string_view(), out);
    }
  }
}

}  // namespace

Result<QueryPtr> DslReader::ParseMoreLikeThis(od::value value) {
  std::vector<std::string> fields;
  std::vector<LikeItem> like, unlike;
  std::vector<std::string> stop_words;
  std::optional<mapping::Analyzer> analyzer;
  MoreLikeThisOptions o;
  float boost = 1.0f;
  auto read_u32 = [](od::value v, uint32_t* out, std::string_view key) -> Status {
    int64_t n;
    HOLDFAST_RETURN_IF_ERROR(ReadInt(v, &n, key));
    if (n < 0 || n > UINT32_MAX) return IllegalArgument("[more_like_this] [" + std::string(key) + "] must be >= 0");
    *out = static_cast<uint32_t>(n);
    return Status::OK();
  };
  HOLDFAST_RETURN_IF_ERROR(ForEachKey(value, "more_like_this", [&](std::string_view key, od::value v) -> Status {
    if (key == "fields") return ReadStrings(v, &fields, key);
    if (key == "like" || key == "like_text") return ReadLikeItems(v, &like);
    if (key == "unlike") return ReadLikeItems(v, &unlike);
    if (key == "ids") {
      std::vector<std::string> ids;
      HOLDFAST_RETURN_IF_ERROR(ReadStrings(v, &ids, key));
      for (std::string& id : ids) like.push_back(LikeItem{"", "", std::move(id), "", false});
      return Status::OK();
    }
    if (key == "stop_words") return ReadStrings(v, &stop_words, key);
    if (key == "min_term_freq") return read_u32(v, &o.min_term_freq, key);
    if (key == "max_query_terms") return read_u32(v, &o.max_query_terms, key);
    if (key == "min_word_length") return read_u32(v, &o.min_word_length, key);
    if (key == "max_word_length") return read_u32(v, &o.max_word_length, key);
    if (key == "min_doc_freq" || key == "max_doc_freq") {
      int64_t n;
      HOLDFAST_RETURN_IF_ERROR(ReadInt(v, &n, key));
      if (n < 0) return IllegalArgument("[more_like_this] [" + std::string(key) + "] must be >= 0");
      (key == "min_doc_freq" ? o.min_doc_freq : o.max_doc_freq) = static_cast<uint64_t>(n);
      return Status::OK();
    }
    if (key == "boost_terms") return ReadFloat(v, &o.boost_terms, key);
    if (key == "minimum_should_match") return ReadText(v, &o.minimum_should_match, key);
    if (key == "include") return ReadBool(v, &o.include, key);
    if (key == "boost") return ReadFloat(v, &boost, key);
    if (key == "analyzer") {
      std::string name;
      HOLDFAST_RETURN_IF_ERROR(ReadText(v, &name, key));
      auto a = mapping::AnalyzerFromName(name);
      if (!a) return IllegalArgument("[more_like_this] analyzer [" + name + "] has not been configured");
      analyzer = *a;
      return Status::OK();
    }
    if (key == "fail_on_unsupported_field" || key == "_name") {
      std::string ignored;
      return ReadText(v, &ignored, key);
    }
    return Unsupported("more_like_this", key);
  }));
  if (like.empty()) return IllegalArgument("[more_like_this] requires 'like' to be specified");
  if (o.max_query_terms == 0) return IllegalArgument("[more_like_this] [max_query_terms] must be > 0");

  // Fields: as given, else every text and keyword field of the mapping.
  if (fields.empty()) {
    for (const auto& [path, mf] : mapping_.SortedFields()) {
      if (mf->is_multi_field) continue;
      if (mf->mapping.type == mapping::FieldType::kText || mf->mapping.type == mapping::FieldType::kKeyword) {
        fields.emplace_back(path);
      }
    }
  }
  std::map<std::string, std::map<std::string, uint32_t>> tfs;
  std::map<std::string, std::vector<std::string>> unlike_terms;
  std::vector<std::string> like_ids;

  // Adds the terms of `text` in `field` to `freqs` (or to the unlike list).
  auto add_text = [&](const std::string& field, std::string_view text, bool is_unlike) -> Status {
    const mapping::MappedField* mf = mapping_.Find(field);
    if (mf == nullptr) return Status::OK();
    std::vector<std::string> terms;
    if (mf->mapping.type == mapping::FieldType::kKeyword) {
      terms.emplace_back(text);
    } else if (mf->mapping.type == mapping::FieldType::kText) {
      auto a = AnalyzerFor(analyzer.value_or(mf->mapping.analyzer));
      if (!a.ok()) return a.status();
      auto tokens = a.value()->AnalyzeToVector(text);
      if (!tokens.ok()) return tokens.status();
      for (auto& t : tokens.value()) terms.push_back(std::move(t.term));
    } else {
      return Status::OK();
    }
    for (std::string& t : terms) {
      if (std::find(stop_words.begin(), stop_words.end(), t) != stop_words.end()) continue;
      if (is_unlike) {
        unlike_terms[field].push_back(std::move(t));
      } else {
        ++tfs[field][t];
      }
    }
    return Status::OK();
  };
  auto add_doc = [&](std::string_view json, bool is_unlike) -> Status {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
      return ParsingError("[more_like_this] a [like] document is not valid JSON");
    }
    for (const std::string& field : fields) {
      const mapping::MappedField* mf = mapping_.Find(field);
      // A multi-field ("title.raw") takes its values from its parent.
      std::string path = field;
      if (mf != nullptr && mf->is_multi_field) path = field.substr(0, field.rfind('.'));
      std::vector<std::string> values;
      CollectValues(root, path, &values);
      for (const std::string& v : values) HOLDFAST_RETURN_IF_ERROR(add_text(field, v, is_unlike));
    }
    return Status::OK();
  };
  auto add_items = [&](const std::vector<LikeItem>& items, bool is_unlike) -> Status {
    for (const LikeItem& item : items) {
      if (item.is_text) {
        for (const std::string& field : fields) HOLDFAST_RETURN_IF_ERROR(add_text(field, item.text, is_unlike));
      } else if (!item.doc.empty()) {
        HOLDFAST_RETURN_IF_ERROR(add_doc(item.doc, is_unlike));
      } else {
        if (context_ == nullptr) {
          return IllegalArgument("[more_like_this] documents given by [_id] need an index to fetch them from");
        }
        auto source = context_->FetchSource(item.index, item.id);
        if (!source.ok()) return source.status();
        if (!is_unlike) like_ids.push_back(item.id);
        if (!source->has_value()) continue;  // a missing document adds no terms, as in Elasticsearch
        HOLDFAST_RETURN_IF_ERROR(add_doc(**source, is_unlike));
      }
    }
    return Status::OK();
  };
  HOLDFAST_RETURN_IF_ERROR(add_items(like, false));
  HOLDFAST_RETURN_IF_ERROR(add_items(unlike, true));
  auto q = std::make_unique<MoreLikeThisQuery>(std::move(tfs), std::move(like_ids), std::move(unlike_terms),
                                               std::move(o));
  q->set_boost(boost);
  return QueryPtr(std::move(q));
}

}  // namespace holdfast::search::dsl
