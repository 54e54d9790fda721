// The leaf queries of the DSL (term, terms, match, match_phrase,
// multi_match, prefix, fuzzy, range, exists): field lookup in the mapping,
// analysis, and value conversion per field type.
#include <bit>
#include <charconv>
#include <cmath>

#include "index/mapping/date_parser.h"
#include "index/mapping/ip_address.h"
#include "index/search/bool_query.h"
#include "index/search/constant_score_query.h"
#include "index/search/doc_values_query.h"
#include "index/search/edit_distance.h"
#include "index/search/fuzzy_query.h"
#include "index/search/match_all_query.h"
#include "index/search/minimum_should_match.h"
#include "index/search/multi_term_query.h"
#include "index/search/phrase_query.h"
#include "index/search/query_dsl.h"
#include "index/search/term_query.h"
#include "index/segment/field_info.h"

namespace holdfast::search::dsl {
namespace {

Result<uint32_t> ResolveFuzziness(std::string_view spec, std::string_view term) {
  std::vector<uint32_t> cps;
  DecodeCodePoints(term, &cps);
  size_t len = cps.size();
  if (spec == "AUTO" || spec == "auto") return AutoFuzziness(len);
  if (spec.substr(0, 5) == "AUTO:" || spec.substr(0, 5) == "auto:") {
    std::string_view rest = spec.substr(5);
    size_t comma = rest.find(',');
    int64_t low = 0, high = 0;
    if (comma == std::string_view::npos || !ParseLong(rest.substr(0, comma), &low) ||
        !ParseLong(rest.substr(comma + 1), &high) || low < 0 || high < low) {
      return IllegalArgument("failed to find low and high distance values");
    }
    return static_cast<uint32_t>(static_cast<int64_t>(len) < low ? 0 : static_cast<int64_t>(len) < high ? 1 : 2);
  }
  int64_t n = 0;
  if (!ParseLong(spec, &n) || n < 0 || n > 2) {
    return IllegalArgument("Valid edit distances are [0, 1, 2] but was [" + std::string(spec) + "]");
  }
  return static_cast<uint32_t>(n);
}

// index.max_terms_count (Elasticsearch refuses when it builds the query).
Status CheckTermsCount(size_t count, const QueryContext* context) {
  const uint32_t max = context != nullptr ? context->MaxTermsCount() : kDefaultMaxTermsCount;
  if (count <= max) return Status::OK();
  return QueryShardError("failed to create query: The number of terms [" + std::to_string(count) +
                         "] used in the Terms Query request has exceeded the allowed maximum of [" +
                         std::to_string(max) +
                         "]. This maximum can be set by changing the [index.max_terms_count] index level setting.");
}

}  // namespace

Status NotAnIp(std::string_view text) {
  return QueryShardError("failed to create query: '" + std::string(text) + "' is not an IP string literal.");
}

// A field with index: false is searched through its doc values, as
// Elasticsearch does; one with neither (or a text field) cannot be searched.
Status CheckSearchable(std::string_view field, const mapping::FieldMapping& fm) {
  if (fm.index || (fm.doc_values && fm.type != mapping::FieldType::kText)) return Status::OK();
  return QueryShardError("failed to create query: Cannot search on field [" + std::string(field) +
                         "] since it is not indexed.");
}

Result<QueryPtr> DslReader::BuildExactValue(std::string_view field, const mapping::FieldMapping& fm,
                                            std::string_view text) {
  using mapping::FieldType;
  HOLDFAST_RETURN_IF_ERROR(CheckSearchable(field, fm));
  NumericRange r;
  switch (fm.type) {
    case FieldType::kText:
    case FieldType::kKeyword:
      return QueryPtr(std::make_unique<TermQuery>(std::string(field), std::string(text)));
    case FieldType::kIp: {
      // An address, or a CIDR block as the range of its addresses.
      if (text.find('/') != std::string_view::npos) {
        std::optional<mapping::IpTermRange> block = mapping::ParseCidr(text);
        if (!block) return NotAnIp(text);
        return QueryPtr(std::make_unique<TermRangeQuery>(std::string(field), TermRangeQuery::Bound{block->first, true},
                                                         TermRangeQuery::Bound{block->last, true}));
      }
      std::string term = mapping::IpTermOf(text);
      if (term.empty()) return NotAnIp(text);
      return QueryPtr(std::make_unique<TermQuery>(std::string(field), std::move(term)));
    }
    case FieldType::kBoolean:
      if (text != "true" && text != "false") {
        return QueryShardError("failed to create query: Can't parse boolean value [" + std::string(text) +
                               "], expected [true] or [false]");
      }
      return QueryPtr(std::make_unique<TermQuery>(std::string(field), std::string(text)));
    case FieldType::kLong: {
      int64_t v;
      if (!ParseLong(text, &v)) return BadValue(text);
      r.min_long = r.max_long = v;
      break;
    }
    case FieldType::kDate: {
      int64_t v;
      HOLDFAST_RETURN_IF_ERROR(ParseDateValue(text, fm.date_formats, &v));
      r.min_long = r.max_long = v;
      break;
    }
    case FieldType::kDouble: {
      double v;
      if (!ParseDoubleText(text, &v)) return BadValue(text);
      r.is_double = true;
      r.min_double = r.max_double = v;
      break;
    }
    case FieldType::kObject:
      return None();
  }
  return QueryPtr(std::make_unique<NumericRangeQuery>(std::string(field), r));
}

Result<QueryPtr> DslReader::ParseTerm(od::value value) {
  QueryPtr out;
  HOLDFAST_RETURN_IF_ERROR(ForSingleField(value, "term", [&](const std::string& field, od::value v) -> Status {
    std::string text;
    float boost = 1.0f;
    if (IsObject(v)) {
      bool has_value = false;
      HOLDFAST_RETURN_IF_ERROR(ForEachKey(v, "term", [&](std::string_view key, od::value x) -> Status {
        if (key == "value") {
          has_value = true;
          return ReadText(x, &text, key);
        }
        if (key == "boost") return ReadFloat(x, &boost, key);
        if (key == "_name" || key == "case_insensitive") {
          std::string ignored;
          return ReadText(x, &ignored, key);
        }
        return Unsupported("term", key);
      }));
      if (!has_value) return ParsingError("[term] query requires a value");
    } else {
      HOLDFAST_RETURN_IF_ERROR(ReadText(v, &text, "term"));
    }
    if (field == segment::kIdField) {  // as Elasticsearch: a constant score
      out = WithBoost(std::make_unique<TermsQuery>(field, std::vector<std::string>{std::move(text)}), boost);
      return Status::OK();
    }
    const mapping::MappedField* mf = mapping_.Find(field);
    if (mf == nullptr) {
      out = None();
      return Status::OK();
    }
    auto q = BuildExactValue(field, mf->mapping, text);
    if (!q.ok()) return q.status();
    out = WithBoost(std::move(q).value(), boost);
    return Status::OK();
  }));
  return out;
}

// {"ids": {"values": ["1", "2"]}}: documents by _id, constant score.
Result<QueryPtr> DslReader::ParseIds(od::value value) {
  std::vector<std::string> values;
  float boost = 1.0f;
  bool has_values = false;
  HOLDFAST_RETURN_IF_ERROR(ForEachKey(value, "ids", [&](std::string_view key, od::value v) -> Status {
    if (key == "boost") return ReadFloat(v, &boost, key);
    if (key == "_name") {
      std::string ignored;
      return ReadText(v, &ignored, key);
    }
    if (key != "values") return Unsupported("ids", key);
    has_values = true;
    return ReadTextArray(v, "values", "[ids] query: [values] must be an array of ids", &values);
  }));
  if (!has_values || values.empty()) return None();
  return WithBoost(std::make_unique<TermsQuery>(std::string(segment::kIdField), std::move(values)), boost);
}

Result<QueryPtr> DslReader::ParseTerms(od::value value) {
  std::string field;
  std::vector<std::string> values;
  float boost = 1.0f;
  HOLDFAST_RETURN_IF_ERROR(ForEachKey(value, "terms", [&](std::string_view key, od::value v) -> Status {
    if (key == "boost") return ReadFloat(v, &boost, key);
    if (key == "_name") {
      std::string ignored;
      return ReadText(v, &ignored, key);
    }
    if (!field.empty()) {
      return ParsingError("[terms] query does not support multiple fields, found [" + field + "] and [" +
                          std::string(key) + "]");
    }
    field.assign(key);
    return ReadTextArray(v, "terms", "[terms] query does not support [" + field + "]: expected an array of values",
                         &values);
  }));
  if (field.empty()) return ParsingError("[terms] query requires a field");
  HOLDFAST_RETURN_IF_ERROR(CheckTermsCount(values.size(), context_));
  if (field == segment::kIdField) {
    if (values.empty()) return None();
    return WithBoost(std::make_unique<TermsQuery>(field, std::move(values)), boost);
  }
  const mapping::MappedField* mf = mapping_.Find(field);
  if (mf == nullptr || values.empty()) return None();
  QueryPtr q;
  using mapping::FieldType;
  if (mf->mapping.type == FieldType::kText || mf->mapping.type == FieldType::kKeyword) {
    q = std::make_unique<TermsQuery>(field, std::move(values));
  } else {
    auto any = std::make_unique<BoolQuery>();
    for (const std::string& v : values) {
      auto one = BuildExactValue(field, mf->mapping, v);
      if (!one.ok()) return one.status();
      any->should.push_back(std::move(one).value());
    }
    q = std::make_unique<ConstantScoreQuery>(std::move(any));
  }
  q->set_boost(boost);
  return q;
}

Result<QueryPtr> DslReader::BuildMatch(std::string_view field, const MatchOptions& o, bool phrase) {
  const mapping::MappedField* mf = mapping_.Find(field);
  if (mf == nullptr || mf->mapping.type == mapping::FieldType::kObject) return None();
  HOLDFAST_RETURN_IF_ERROR(CheckSearchable(field, mf->mapping));
  if (mf->mapping.type != mapping::FieldType::kText) {
    auto q = BuildExactValue(field, mf->mapping, o.text);
    if (!q.ok()) return q.status();
    return WithBoost(std::move(q).value(), o.boost);
  }
  auto analyzer = AnalyzerFor(o.analyzer.value_or(mf->mapping.analyzer));
  if (!analyzer.ok()) return analyzer.status();
  auto tokens = analyzer.value()->AnalyzeToVector(o.text);
  if (!tokens.ok()) return tokens.status();
  const std::vector<analysis::OwnedToken>& toks = tokens.value();
  if (toks.empty()) return None();
  std::string f(field);
  auto one = [&](const std::string& term) -> Result<QueryPtr> {
    if (o.fuzziness.empty()) return QueryPtr(std::make_unique<TermQuery>(f, term));
    auto edits = ResolveFuzziness(o.fuzziness, term);
    if (!edits.ok()) return edits.status();
    FuzzyQuery::Options fo;
    fo.max_edits = edits.value();
    fo.prefix_length = o.prefix_length;
    fo.max_expansions = o.max_expansions;
    return QueryPtr(std::make_unique<FuzzyQuery>(f, term, fo));
  };
  if (toks.size() == 1) {
    auto q = one(toks[0].term);
    if (!q.ok()) return q.status();
    return WithBoost(std::move(q).value(), o.boost);
  }
  if (phrase) {
    std::vector<PhraseTerm> terms;
    for (const auto& t : toks) terms.push_back({t.term, t.position - toks[0].position});
    return WithBoost(std::make_unique<PhraseQuery>(f, std::move(terms), o.slop), o.boost);
  }
  auto b = std::make_unique<BoolQuery>();
  for (const auto& t : toks) {
    auto q = one(t.term);
    if (!q.ok()) return q.status();
    (o.operator_and ? b->must : b->should).push_back(std::move(q).value());
  }
  if (!o.operator_and && o.minimum_should_match) b->minimum_should_match = o.minimum_should_match;
  return WithBoost(std::move(b), o.boost);
}

namespace {

// The options shared by match, match_phrase and multi_match.
Status ReadMatchOption(std::string_view query_name, std::string_view key, od::value v,
                       DslReader::MatchOptions* o) {
  if (key == "query") return ReadText(v, &o->text, key);
  if (key == "boost") return ReadFloat(v, &o->boost, key);
  if (key == "operator") {
    std::string op;
    HOLDFAST_RETURN_IF_ERROR(ReadText(v, &op, key));
    for (char& c : op) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (op != "and" && op != "or") return IllegalArgument("No enum constant for operator [" + op + "]");
    o->operator_and = op == "and";
    return Status::OK();
  }
  if (key == "minimum_should_match") {
    std::string msm;
    HOLDFAST_RETURN_IF_ERROR(ReadText(v, &msm, key));
    if (!ResolveMinimumShouldMatch(msm, 0)) return IllegalArgument("invalid minimum_should_match [" + msm + "]");
    o->minimum_should_match = msm;
    return Status::OK();
  }
  if (key == "analyzer") {
    std::string name;
    HOLDFAST_RETURN_IF_ERROR(ReadText(v, &name, key));
    auto a = mapping::AnalyzerFromName(name);
    if (!a) return IllegalArgument("[" + std::string(query_name) + "] analyzer [" + name + "] not found");
    o->analyzer = *a;
    return Status::OK();
  }
  if (key == "slop") {
    int64_t slop;
    HOLDFAST_RETURN_IF_ERROR(ReadInt(v, &slop, key));
    if (slop < 0) return IllegalArgument("[" + std::string(query_name) + "] slop must be >= 0");
    o->slop = static_cast<uint32_t>(slop);
    return Status::OK();
  }
  if (key == "fuzziness") return ReadText(v, &o->fuzziness, key);
  if (key == "prefix_length" || key == "max_expansions") {
    int64_t n;
    HOLDFAST_RETURN_IF_ERROR(ReadInt(v, &n, key));
    if (n < 0) return IllegalArgument("[" + std::string(key) + "] must be >= 0");
    (key == "prefix_length" ? o->prefix_length : o->max_expansions) = static_cast<uint32_t>(n);
    return Status::OK();
  }
  if (key == "_name" || key == "lenient" || key == "zero_terms_query" || key == "auto_generate_synonyms_phrase_query") {
    std::string ignored;
    return ReadText(v, &ignored, key);
  }
  return Unsupported(query_name, key);
}

}  // namespace

Result<QueryPtr> DslReader::ParseMatch(od::value value, bool phrase) {
  const char* name = phrase ? "match_phrase" : "match";
  QueryPtr out;
  HOLDFAST_RETURN_IF_ERROR(ForSingleField(value, name, [&](const std::string& field, od::value v) -> Status {
    MatchOptions o;
    if (IsObject(v)) {
      bool has_query = false;
      HOLDFAST_RETURN_IF_ERROR(ForEachKey(v, name, [&](std::string_view key, od::value x) -> Status {
        has_query |= key == "query";
        if (!phrase && key == "slop") return Unsupported(name, key);
        if (phrase && (key == "operator" || key == "fuzziness" || key == "minimum_should_match")) {
          return Unsupported(name, key);
        }
        return ReadMatchOption(name, key, x, &o);
      }));
      if (!has_query) return ParsingError("[" + std::string(name) + "] requires query value");
    } else {
      HOLDFAST_RETURN_IF_ERROR(ReadText(v, &o.text, name));
    }
    auto q = BuildMatch(field, o, phrase);
    if (!q.ok()) return q.status();
    out = std::move(q).value();
    return Status::OK();
  }));
  return out;
}

Result<QueryPtr> DslReader::ParseMultiMatch(od::value value) {
  MatchOptions o;
  std::vector<std::pair<std::string, float>> fields;
  std::string type = "best_fields";
  float tie_breaker = 0;
  bool has_query = false;
  HOLDFAST_RETURN_IF_ERROR(ForEachKey(value, "multi_match", [&](std::string_view key, od::value v) -> Status {
    if (key == "fields") {
      od::array array;
      if (v.get_array().get(array)) return ParsingError("[multi_match] [fields] must be an array of strings");
      for (auto element : array) {
        od::value e;
        HF_JSON(element.get(e));
        std::string spec;
        HOLDFAST_RETURN_IF_ERROR(ReadText(e, &spec, key));
        float boost = 1.0f;
        size_t caret = spec.rfind('^');
        if (caret != std::string::npos) {
          double b;
          if (!ParseDoubleText(std::string_view(spec).substr(caret + 1), &b)) {
            return IllegalArgument("[multi_match] bad field boost in [" + spec + "]");
          }
          boost = static_cast<float>(b);
          spec.resize(caret);
        }
        fields.emplace_back(std::move(spec), boost);
      }
      return Status::OK();
    }
    if (key == "type") return ReadText(v, &type, key);
    if (key == "tie_breaker") return ReadFloat(v, &tie_breaker, key);
    has_query |= key == "query";
    return ReadMatchOption("multi_match", key, v, &o);
  }));
  if (!has_query) return ParsingError("[multi_match] requires query value");
  if (fields.empty()) return IllegalArgument("[multi_match] requires at least one field in [fields]");
  bool phrase = type == "phrase";
  if (type != "best_fields" && type != "most_fields" && !phrase) {
    return IllegalArgument("[multi_match] query does not support type " + type);
  }
  float boost = o.boost;
  std::vector<QueryPtr> per_field;
  for (const auto& [field, field_boost] : fields) {
    MatchOptions fo = o;
    fo.boost = field_boost;
    auto q = BuildMatch(field, fo, phrase);
    if (!q.ok()) return q.status();
    per_field.push_back(std::move(q).value());
  }
  QueryPtr q;
  if (type == "most_fields") {
    auto b = std::make_unique<BoolQuery>();
    b->should = std::move(per_field);
    q = std::move(b);
  } else {
    auto d = std::make_unique<DisMaxQuery>();
    d->queries = std::move(per_field);
    d->tie_breaker = tie_breaker;
    q = std::move(d);
  }
  q->set_boost(boost);
  return q;
}

Result<QueryPtr> DslReader::ParsePrefix(od::value value) {
  QueryPtr out;
  HOLDFAST_RETURN_IF_ERROR(ForSingleField(value, "prefix", [&](const std::string& field, od::value v) -> Status {
    std::string text;
    float boost = 1.0f;
    if (IsObject(v)) {
      HOLDFAST_RETURN_IF_ERROR(ForEachKey(v, "prefix", [&](std::string_view key, od::value x) -> Status {
        if (key == "value") return ReadText(x, &text, key);
        if (key == "boost") return ReadFloat(x, &boost, key);
        if (key == "rewrite" || key == "_name" || key == "case_insensitive") {
          std::string ignored;
          return ReadText(x, &ignored, key);
        }
        return Unsupported("prefix", key);
      }));
    } else {
      HOLDFAST_RETURN_IF_ERROR(ReadText(v, &text, "prefix"));
    }
    const mapping::MappedField* mf = mapping_.Find(field);
    if (mf == nullptr) {
      out = None();
      return Status::OK();
    }
    if (mf->mapping.type != mapping::FieldType::kText && mf->mapping.type != mapping::FieldType::kKeyword) {
      return QueryShardError("Can only use prefix queries on keyword and text fields - not on [" + field +
                             "] which is of type [" + std::string(mapping::FieldTypeName(mf->mapping.type)) + "]");
    }
    out = WithBoost(std::make_unique<PrefixQuery>(field, text), boost);
    return Status::OK();
  }));
  return out;
}

Result<QueryPtr> DslReader::ParseFuzzy(od::value value) {
  QueryPtr out;
  HOLDFAST_RETURN_IF_ERROR(ForSingleField(value, "fuzzy", [&](const std::string& field, od::value v) -> Status {
    std::string text, fuzziness = "AUTO";
    float boost = 1.0f;
    FuzzyQuery::Options fo;
    if (IsObject(v)) {
      HOLDFAST_RETURN_IF_ERROR(ForEachKey(v, "fuzzy", [&](std::string_view key, od::value x) -> Status {
        if (key == "value") return ReadText(x, &text, key);
        if (key == "boost") return ReadFloat(x, &boost, key);
        if (key == "fuzziness") return ReadText(x, &fuzziness, key);
        if (key == "transpositions") return ReadBool(x, &fo.transpositions, key);
        if (key == "prefix_length" || key == "max_expansions") {
          int64_t n;
          HOLDFAST_RETURN_IF_ERROR(ReadInt(x, &n, key));
          if (n < 0 || (key == "max_expansions" && n == 0)) {
            return IllegalArgument("[" + std::string(key) + "] must be " + (n < 0 ? ">= 0" : "positive"));
          }
          (key == "prefix_length" ? fo.prefix_length : fo.max_expansions) = static_cast<uint32_t>(n);
          return Status::OK();
        }
        if (key == "rewrite" || key == "_name") {
          std::string ignored;
          return ReadText(x, &ignored, key);
        }
        return Unsupported("fuzzy", key);
      }));
    } else {
      HOLDFAST_RETURN_IF_ERROR(ReadText(v, &text, "fuzzy"));
    }
    auto edits = ResolveFuzziness(fuzziness, text);
    if (!edits.ok()) return edits.status();
    fo.max_edits = edits.value();
    const mapping::MappedField* mf = mapping_.Find(field);
    if (mf == nullptr) {
      out = None();
      return Status::OK();
    }
    if (mf->mapping.type != mapping::FieldType::kText && mf->mapping.type != mapping::FieldType::kKeyword) {
      return QueryShardError("failed to create query: Can only use fuzzy queries on keyword and text fields - not on [" +
                             field + "] which is of type [" + std::string(mapping::FieldTypeName(mf->mapping.type)) +
                             "]");
    }
    out = WithBoost(std::make_unique<FuzzyQuery>(field, text, fo), boost);
    return Status::OK();
  }));
  return out;
}

Result<QueryPtr> DslReader::ParseExists(od::value value) {
  std::string field;
  float boost = 1.0f;
  HOLDFAST_RETURN_IF_ERROR(ForEachKey(value, "exists", [&](std::string_view key, od::value v) -> Status {
    if (key == "field") return ReadText(v, &field, key);
    if (key == "boost") return ReadFloat(v, &boost, key);
    return Unsupported("exists", key);
  }));
  if (field.empty()) return ParsingError("[exists] must be provided with a [field]");
  const mapping::MappedField* mf = mapping_.Find(field);
  if (mf == nullptr) return None();
  if (mf->mapping.type != mapping::FieldType::kObject) {
    return WithBoost(std::make_unique<ExistsQuery>(field), boost);
  }
  // An object exists where any of its leaf fields does.
  auto any = std::make_unique<BoolQuery>();
  std::string prefix = field + ".";
  for (const auto& [path, sub] : mapping_.SortedFields()) {
    if (path.substr(0, prefix.size()) == prefix && sub->mapping.type != mapping::FieldType::kObject) {
      any->should.push_back(std::make_unique<ExistsQuery>(std::string(path)));
    }
  }
  if (any->should.empty()) return None();
  return WithBoost(std::make_unique<ConstantScoreQuery>(std::move(any)), boost);
}

}  // namespace holdfast::search::dsl
