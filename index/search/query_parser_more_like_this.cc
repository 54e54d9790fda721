// more_like_this in the query DSL: reads `like` / `unlike` (texts, documents
// by `_id` — their term vectors come through the QueryContext — and
// artificial `doc`s), analyzes them per field (document_terms.h) and builds a
// MoreLikeThisQuery.
#include <algorithm>
#include <map>

#include "index/search/document_terms.h"
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

  // Adds `terms` of `field` (with their counts) to the like or unlike terms.
  auto add_terms = [&](const std::string& field, const std::map<std::string, uint32_t>& terms, bool is_unlike) {
    for (const auto& [t, n] : terms) {
      if (std::find(stop_words.begin(), stop_words.end(), t) != stop_words.end()) continue;
      if (is_unlike) {
        unlike_terms[field].insert(unlike_terms[field].end(), n, t);
      } else {
        tfs[field][t] += n;
      }
    }
  };
  auto add_fields = [&](const FieldTermFreqs& per_field, bool is_unlike) {
    for (const auto& [field, terms] : per_field) add_terms(field, terms, is_unlike);
  };
  auto add_items = [&](const std::vector<LikeItem>& items, bool is_unlike) -> Status {
    for (const LikeItem& item : items) {
      FieldTermFreqs terms;
      if (item.is_text) {
        for (const std::string& field : fields) {
          std::vector<std::string> found;
          HOLDFAST_RETURN_IF_ERROR(AnalyzeFieldText(mapping_, field, item.text, analyzer, &analyzers_, &found));
          for (std::string& t : found) ++terms[field][std::move(t)];
        }
      } else if (!item.doc.empty()) {
        HOLDFAST_RETURN_IF_ERROR(AnalyzeDocumentTerms(mapping_, item.doc, fields, analyzer, &analyzers_, &terms));
      } else {
        if (context_ == nullptr) {
          return IllegalArgument("[more_like_this] documents given by [_id] need an index to fetch them from");
        }
        auto doc = context_->TermVectors(item.index, item.id, fields, analyzer);
        if (!doc.ok()) return doc.status();
        if (!is_unlike) like_ids.push_back(item.id);
        if (!doc->found) continue;  // a missing document adds no terms, as in Elasticsearch
        terms = std::move(doc->fields);
      }
      add_fields(terms, is_unlike);
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
