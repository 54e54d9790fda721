#include "index/search/bool_query.h"

#include "index/search/bool_scorers.h"
#include "index/search/conjunction_scorer.h"
#include "index/search/disjunction_scorer.h"
#include "index/search/doc_set_scorer.h"
#include "index/search/minimum_should_match.h"

namespace holdfast::search {
namespace {

Status WeightsOf(const std::vector<QueryPtr>& queries, const CollectionStatistics& stats, bool needs_scores,
                 float boost, std::vector<WeightPtr>* out) {
  for (const QueryPtr& q : queries) {
    auto w = q->CreateWeight(stats, needs_scores, boost);
    if (!w.ok()) return w.status();
    out->push_back(std::move(w).value());
  }
  return Status::OK();
}

// Scorers of the weights that match in the segment (null ones left out).
Status ScorersOf(const std::vector<WeightPtr>& weights, const SegmentView& segment, std::vector<ScorerPtr>* out,
                 bool* any_missing) {
  for (const WeightPtr& w : weights) {
    auto s = w->MakeScorer(segment);
    if (!s.ok()) return s.status();
    if (s.value() == nullptr) {
      *any_missing = true;
    } else {
      out->push_back(std::move(s).value());
    }
  }
  return Status::OK();
}

ScorerPtr Union(std::vector<ScorerPtr> scorers, uint32_t min_should_match) {
  if (scorers.size() == 1) return std::move(scorers[0]);
  return std::make_unique<DisjunctionScorer>(std::move(scorers), min_should_match);
}

class BoolWeight final : public Weight {
 public:
  std::vector<WeightPtr> must, filter, should, must_not;
  int min_should_match = 0;
  bool needs_scores = true;

  Result<ScorerPtr> MakeScorer(const SegmentView& segment) const override {
    std::vector<ScorerPtr> required;
    std::vector<bool> scoring;
    bool missing = false;
    HOLDFAST_RETURN_IF_ERROR(ScorersOf(must, segment, &required, &missing));
    scoring.assign(required.size(), needs_scores);
    HOLDFAST_RETURN_IF_ERROR(ScorersOf(filter, segment, &required, &missing));
    scoring.resize(required.size(), false);
    if (missing) return ScorerPtr();

    std::vector<ScorerPtr> optional;
    bool unused = false;
    if (min_should_match > 0 || needs_scores || (must.empty() && filter.empty())) {
      HOLDFAST_RETURN_IF_ERROR(ScorersOf(should, segment, &optional, &unused));
    }
    if (min_should_match > 0) {
      if (static_cast<size_t>(min_should_match) > optional.size()) return ScorerPtr();
      required.push_back(Union(std::move(optional), static_cast<uint32_t>(min_should_match)));
      scoring.push_back(needs_scores);
      optional.clear();
    }

    ScorerPtr main;
    if (required.empty() && !optional.empty()) {  // should only, minimum_should_match 0
      main = Union(std::move(optional), 1);
      optional.clear();
    } else if (required.empty()) {  // only must_not (or nothing): every doc, score 0
      main = MakePredicateScorer(segment.doc_count(), [](uint32_t) { return true; }, 0.0f);
    } else if (required.size() == 1) {
      main = scoring[0] ? std::move(required[0]) : std::make_unique<ConstantScorer>(std::move(required[0]), 0.0f);
    } else {
      main = std::make_unique<ConjunctionScorer>(std::move(required), std::move(scoring));
    }
    if (!optional.empty()) main = std::make_unique<ReqOptScorer>(std::move(main), Union(std::move(optional), 1));

    std::vector<ScorerPtr> excluded;
    HOLDFAST_RETURN_IF_ERROR(ScorersOf(must_not, segment, &excluded, &unused));
    if (!excluded.empty()) main = std::make_unique<ReqExclScorer>(std::move(main), Union(std::move(excluded), 1));
    return main;
  }

  Result<Explanation> Explain(const SegmentView& segment, uint32_t doc) const override;

  std::vector<const TermWeight*> TermDisjunction() const override {
    if (!must.empty() || !filter.empty() || !must_not.empty() || should.empty() || min_should_match > 1) {
      return {};
    }
    std::vector<const TermWeight*> terms;
    for (const WeightPtr& w : should) {
      std::vector<const TermWeight*> sub = w->TermDisjunction();
      if (sub.empty()) return {};
      terms.insert(terms.end(), sub.begin(), sub.end());
    }
    return terms;
  }
};

class DisMaxWeight final : public Weight {
 public:
  std::vector<WeightPtr> children;
  float tie_breaker = 0;

  Result<ScorerPtr> MakeScorer(const SegmentView& segment) const override {
    std::vector<ScorerPtr> scorers;
    bool missing = false;
    HOLDFAST_RETURN_IF_ERROR(ScorersOf(children, segment, &scorers, &missing));
    if (scorers.empty()) return ScorerPtr();
    if (scorers.size() == 1 && tie_breaker == 0) return std::move(scorers[0]);
    return ScorerPtr(std::make_unique<DisjunctionScorer>(std::move(scorers), 1,
                                                         DisjunctionScorer::Combine::kDisMax, tie_breaker));
  }

  // Lucene's DisjunctionMaxWeight explanation: the matching clauses under
  // "max of:" / "max plus <tie_breaker> times others of:".
  Result<Explanation> Explain(const SegmentView& segment, uint32_t doc) const override {
    std::vector<Explanation> matched;
    for (const WeightPtr& w : children) {
      auto e = w->Explain(segment, doc);
      if (!e.ok()) return e.status();
      if (e->match) matched.push_back(std::move(e).value());
    }
    if (matched.empty()) return Explanation::NoMatch("No matching clause");
    auto score = ScoreOf(segment, doc);
    if (!score.ok()) return score.status();
    if (!score.value()) return Explanation::NoMatch("No matching clause");
    return Explanation::Match(
        **score, tie_breaker == 0 ? "max of:" : "max plus " + FormatFloat(tie_breaker) + " times others of:",
        std::move(matched));
  }
};

// Lucene's BooleanWeight explanation: "sum of:" the scoring clauses that
// match (a filter clause shows as "match on required clause" with 0), or why
// the doc fails (a required clause that misses, a prohibited one that
// matches, too few optional ones).
Result<Explanation> BoolWeight::Explain(const SegmentView& segment, uint32_t doc) const {
  std::vector<Explanation> summed, failures;
  auto each = [&](const std::vector<WeightPtr>& clauses, auto&& on) -> Status {
    for (const WeightPtr& w : clauses) {
      auto e = w->Explain(segment, doc);
      if (!e.ok()) return e.status();
      on(*w, std::move(e).value());
    }
    return Status::OK();
  };
  HOLDFAST_RETURN_IF_ERROR(each(must, [&](const Weight& w, Explanation e) {
    if (!e.match) {
      failures.push_back(Explanation::NoMatch("no match on required clause (" + w.Describe() + ")", {std::move(e)}));
    } else if (needs_scores) {
      summed.push_back(std::move(e));
    }
  }));
  HOLDFAST_RETURN_IF_ERROR(each(filter, [&](const Weight& w, Explanation e) {
    if (!e.match) {
      failures.push_back(Explanation::NoMatch("no match on required clause (" + w.Describe() + ")", {std::move(e)}));
    } else {
      summed.push_back(Explanation::Match(0.0f, "match on required clause, product of:",
                                          {Explanation::Match(0.0f, "# clause"), Explanation::Match(1.0f, w.Describe())}));
    }
  }));
  HOLDFAST_RETURN_IF_ERROR(each(must_not, [&](const Weight& w, Explanation e) {
    if (e.match) failures.push_back(Explanation::NoMatch("match on prohibited clause (" + w.Describe() + ")", {std::move(e)}));
  }));
  int should_matched = 0;
  HOLDFAST_RETURN_IF_ERROR(each(should, [&](const Weight&, Explanation e) {
    if (!e.match) return;
    ++should_matched;
    if (needs_scores) summed.push_back(std::move(e));
  }));
  if (!failures.empty()) {
    return Explanation::NoMatch("Failure to meet condition(s) of required/prohibited clause(s)", std::move(failures));
  }
  if (should_matched < min_should_match) {
    return Explanation::NoMatch("Failure to match minimum number of optional clauses: " +
                                std::to_string(min_should_match));
  }
  auto score = ScoreOf(segment, doc);
  if (!score.ok()) return score.status();
  if (!score.value()) return Explanation::NoMatch("No matching clauses");
  return Explanation::Match(**score, "sum of:", std::move(summed));
}

std::string Join(const char* prefix, const std::vector<QueryPtr>& qs) {
  std::string s;
  for (const QueryPtr& q : qs) s += std::string(" ") + prefix + q->ToString();
  return s;
}

}  // namespace

std::string BoolQuery::ToString() const {
  std::string s = "bool(" + Join("+", must) + Join("#", filter) + Join("", should) + Join("-", must_not) + " )";
  if (minimum_should_match) s += "~" + *minimum_should_match;
  return s;
}

Result<WeightPtr> BoolQuery::DoCreateWeight(const CollectionStatistics& stats, bool needs_scores,
                                            float boost) const {
  auto w = std::make_unique<BoolWeight>();
  w->needs_scores = needs_scores;
  HOLDFAST_RETURN_IF_ERROR(WeightsOf(must, stats, needs_scores, boost, &w->must));
  HOLDFAST_RETURN_IF_ERROR(WeightsOf(filter, stats, false, boost, &w->filter));
  HOLDFAST_RETURN_IF_ERROR(WeightsOf(should, stats, needs_scores, boost, &w->should));
  HOLDFAST_RETURN_IF_ERROR(WeightsOf(must_not, stats, false, boost, &w->must_not));
  int optional = static_cast<int>(should.size());
  if (minimum_should_match) {
    auto msm = ResolveMinimumShouldMatch(*minimum_should_match, optional);
    if (!msm) return Status::InvalidArgument("minimum_should_match: bad value [" + *minimum_should_match + "]");
    w->min_should_match = *msm;
  } else {
    w->min_should_match = (optional > 0 && must.empty() && filter.empty()) ? 1 : 0;
  }
  return WeightPtr(std::move(w));
}

std::string DisMaxQuery::ToString() const { return "dis_max(" + Join("", queries) + " )"; }

Result<WeightPtr> DisMaxQuery::DoCreateWeight(const CollectionStatistics& stats, bool needs_scores,
                                              float boost) const {
  auto w = std::make_unique<DisMaxWeight>();
  w->tie_breaker = tie_breaker;
  HOLDFAST_RETURN_IF_ERROR(WeightsOf(queries, stats, needs_scores, boost, &w->children));
  return WeightPtr(std::move(w));
}

}  // namespace holdfast::search
