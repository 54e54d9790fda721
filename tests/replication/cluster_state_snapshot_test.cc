// ClusterStateSnapshot lookups and index expressions, ShardRouting::primary,
// the stored forms (index routing JSON, index metadata round trip of every
// setting and the mapping), the settings update message.
#include <gtest/gtest.h>

#include "index/mapping/mapping_parser.h"
#include "index/mapping/mapping_serializer.h"
#include "index/util/glob.h"
#include "replication/cluster_state.h"
#include "replication/index_names.h"
#include "replication/index_routing_codec.h"
#include "replication/proto_convert.h"
#include "tests/replication/cluster_state_test_util.h"

namespace holdfast {
namespace {

using testing::NewIndex;

ClusterStateSnapshot WithIndices(std::initializer_list<const char*> names) {
  ClusterStateSnapshot s;
  for (const char* name : names) {
    IndexMetadata m = NewIndex(name);
    s.indices.emplace(m.uuid, m);
  }
  return s;
}

std::vector<std::string> Resolve(const ClusterStateSnapshot& s, std::string_view expression) {
  auto r = s.ResolveIndices(expression);
  EXPECT_TRUE(r.ok()) << expression << ": " << r.status().ToString();
  return r.ok() ? r.value() : std::vector<std::string>{"<error>"};
}

using Names = std::vector<std::string>;

TEST(ClusterStateSnapshotTest, ResolvesNamesListsAndWildcards) {
  ClusterStateSnapshot s = WithIndices({"logs-2", "logs-1", "web", "a.b"});
  const Names all{"a.b", "logs-1", "logs-2", "web"};
  EXPECT_EQ(Resolve(s, ""), all);
  EXPECT_EQ(Resolve(s, "_all"), all);
  EXPECT_EQ(Resolve(s, "*"), all);
  EXPECT_EQ(Resolve(s, "web"), Names{"web"});
  EXPECT_EQ(Resolve(s, "web,logs-1,web"), (Names{"logs-1", "web"}));
  EXPECT_EQ(Resolve(s, "logs-*"), (Names{"logs-1", "logs-2"}));
  EXPECT_EQ(Resolve(s, "*-1,w*"), (Names{"logs-1", "web"}));
  EXPECT_EQ(Resolve(s, "a*b"), Names{"a.b"});
  EXPECT_EQ(Resolve(s, "nothing-*"), Names{});
  EXPECT_EQ(Resolve(s, ",web,,"), Names{"web"});
  auto missing = s.ResolveIndices("web,nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kIndexNotFound);
  EXPECT_EQ(missing.status().message(), "no such index [nope]");
  EXPECT_EQ(Resolve(ClusterStateSnapshot{}, "*"), Names{});
  EXPECT_FALSE(ClusterStateSnapshot{}.ResolveIndices("x").ok());
}

TEST(ClusterStateSnapshotTest, ExpressionsTakeAliasesExclusionsAndIndicesOptions) {
  ClusterStateSnapshot s = WithIndices({"logs-1", "logs-2", "web"});
  auto alias = [&](const char* index, const char* name, const char* filter) {
    AliasMetadata meta;
    meta.filter_json = filter;
    s.indices.at(s.FindIndex(index)->uuid).aliases[name] = meta;
  };
  alias("logs-1", "logs", "");
  alias("logs-2", "logs", "");
  alias("logs-2", "recent", R"({"term":{"a":1}})");
  alias("web", "recent", R"({"term":{"b":2}})");
  EXPECT_EQ(Resolve(s, "logs"), (Names{"logs-1", "logs-2"}));
  EXPECT_EQ(Resolve(s, "log*"), (Names{"logs-1", "logs-2"}));
  EXPECT_EQ(Resolve(s, "*,-logs-1"), (Names{"logs-2", "web"}));
  EXPECT_EQ(Resolve(s, "logs,-logs-2"), Names{"logs-1"});
  // Filters: through a filtered alias only; named directly, none.
  auto targets = s.ResolveSearchTargets("recent");
  ASSERT_TRUE(targets.ok());
  ASSERT_EQ(targets->size(), 2u);
  EXPECT_EQ((*targets)[0].name, "logs-2");
  EXPECT_EQ((*targets)[0].filters, std::vector<std::string>{R"({"term":{"a":1}})"});
  targets = s.ResolveSearchTargets("recent,logs");
  ASSERT_TRUE(targets.ok());
  EXPECT_TRUE((*targets)[1].filters.empty()) << "logs-2 reached through an unfiltered alias too";
  EXPECT_EQ((*targets)[2].filters, std::vector<std::string>{R"({"term":{"b":2}})"});
  // Write and single-index targets.
  EXPECT_EQ(s.WriteIndexOf("web").value()->name, "web");
  EXPECT_EQ(s.WriteIndexOf("nothing").value(), nullptr);
  EXPECT_EQ(s.WriteIndexOf("logs").status().code(), StatusCode::kInvalidArgument) << "two indices, no write index";
  s.indices.at(s.FindIndex("logs-2")->uuid).aliases["logs"].is_write_index = true;
  EXPECT_EQ(s.WriteIndexOf("logs").value()->name, "logs-2");
  EXPECT_EQ(s.SingleIndexOf("logs").status().code(), StatusCode::kInvalidArgument);
  // Deleting: no aliases.
  auto no_aliases = s.ResolveIndices("logs", /*aliases=*/false);
  EXPECT_EQ(no_aliases.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.ResolveIndices("log*", false).value(), (Names{"logs-1", "logs-2"}));
  // ignore_unavailable, allow_no_indices, expand_wildcards=none.
  IndicesOptions o;
  o.ignore_unavailable = true;
  auto r = s.ResolveSearchTargets("web,nope", o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 1u);
  o = {};
  o.allow_no_indices = false;
  EXPECT_EQ(s.ResolveSearchTargets("nothing-*", o).status().code(), StatusCode::kIndexNotFound);
  EXPECT_EQ(s.ResolveSearchTargets("web,nothing-*", o).status().code(), StatusCode::kIndexNotFound);
  o = {};
  o.expand_open = false;
  r = s.ResolveSearchTargets("logs-*,web", o);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].name, "web");
  // Date math names.
  ClusterStateSnapshot dated = WithIndices({"logs-2026.12.03", "logs-2026.12.02"});
  o = {};
  o.now_ms = 1796288400000;  // 2026-12-03T09:00:00Z
  r = dated.ResolveSearchTargets("<logs-{now/d}>", o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].name, "logs-2026.12.03");
  r = dated.ResolveSearchTargets("<logs-{now/d-1d}>,<logs-{now/d}>", o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 2u);
}

TEST(IndexNamesTest, DateMathNamesAsElasticsearchDocumentsThem) {
  const int64_t now = 1796288400000;  // 2026-12-03T09:00:00Z, a Thursday
  auto name = [&](std::string_view expr) {
    auto r = ResolveDateMathName(expr, now);
    EXPECT_TRUE(r.ok()) << expr << ": " << r.status().ToString();
    return r.ok() ? r.value() : std::string("<error>");
  };
  EXPECT_EQ(name("plain"), "plain");
  EXPECT_EQ(name("<logs-{now/d}>"), "logs-2026.12.03");
  EXPECT_EQ(name("<logs-{now/M}>"), "logs-2026.12.01");
  EXPECT_EQ(name("<logs-{now/M{yyyy.MM}}>"), "logs-2026.12");
  EXPECT_EQ(name("<logs-{now/M-1M{yyyy.MM}}>"), "logs-2026.11");
  EXPECT_EQ(name("<logs-{now/y{yyyy}}>"), "logs-2026");
  EXPECT_EQ(name("<logs-{now/w}>"), "logs-2026.11.30") << "weeks start on Monday";
  EXPECT_EQ(name("<logs-{now+20h{yyyy.MM.dd}}>"), "logs-2026.12.04");
  EXPECT_EQ(name("<logs-{now{yyyy.MM.dd|-10:00}}>"), "logs-2026.12.02");
  EXPECT_EQ(name("<logs-{now{yyyy.MM.dd'T'HH|+05:30}}>"), "logs-2026.12.03T14");
  EXPECT_EQ(name("<logs-{now/d-3M{yy.M.d}}>"), "logs-26.9.3");
  EXPECT_EQ(name("<elastic\\{ON\\}-{now/M}>"), "elastic{ON}-2026.12.01");
  EXPECT_EQ(name("<two-{now/d}-{now/d+1d}>"), "two-2026.12.03-2026.12.04");
  for (const char* bad : {"<logs-{now/d>", "<logs-{then/d}>", "<logs-{now/q}>", "<logs-{now{yyyy|Mars/Base}}>",
                          "<logs-{now{QQ}}>", "<logs-}>"}) {
    auto r = ResolveDateMathName(bad, now);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) EXPECT_EQ(r.status().code(), StatusCode::kParseValue) << bad;
  }
}

TEST(ClusterStateSnapshotTest, GlobMatchesAnyRunOfCharacters) {
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("a*", "a"));
  EXPECT_TRUE(GlobMatch("a*c*e", "abcdcde"));
  EXPECT_TRUE(GlobMatch("**x", "yx"));
  EXPECT_FALSE(GlobMatch("a*c", "abd"));
  EXPECT_FALSE(GlobMatch("abc", "ab"));
  EXPECT_FALSE(GlobMatch("a?", "ab")) << "only * is special";
  EXPECT_TRUE(GlobMatchesPrefix("user.*.name", "user."));
  EXPECT_FALSE(GlobMatchesPrefix("user.name", "post."));
}

TEST(ClusterStateSnapshotTest, FindsIndicesAndListsThemByName) {
  ClusterStateSnapshot s = WithIndices({"c", "a", "b"});
  ASSERT_NE(s.FindIndex("b"), nullptr);
  EXPECT_EQ(s.FindIndexByUuid(s.FindIndex("b")->uuid), s.FindIndex("b"));
  EXPECT_EQ(s.FindIndex("d"), nullptr);
  EXPECT_EQ(s.FindIndexByUuid("d"), nullptr);
  Names names;
  for (const IndexMetadata* m : s.IndicesByName()) names.push_back(m->name);
  EXPECT_EQ(names, (Names{"a", "b", "c"}));
}

TEST(ClusterStateSnapshotTest, PrimaryIsTheAssignedPrimaryCopy) {
  ShardRouting shard;
  EXPECT_EQ(shard.primary(), nullptr);
  shard.copies.resize(2);
  shard.copies[0].primary = true;  // unassigned primary
  EXPECT_EQ(shard.primary(), nullptr);
  shard.copies[1] = {"n2", true, ShardCopyState::kStarted, "x", ""};
  shard.copies[0].primary = false;
  EXPECT_EQ(shard.primary(), &shard.copies[1]);
  EXPECT_STREQ(ShardCopyStateName(ShardCopyState::kUnassigned), "UNASSIGNED");
  EXPECT_STREQ(ShardCopyStateName(ShardCopyState::kRelocating), "RELOCATING");
  EXPECT_STREQ(ShardCopyStateName(ShardCopyState::kFailed), "FAILED");
}

TEST(IndexRoutingCodecTest, RoundTripsEveryField) {
  IndexRouting routing;
  for (uint32_t n = 0; n < 2; ++n) {
    ShardRouting shard;
    shard.shard = n;
    shard.primary_term = 7 + n;
    shard.in_sync = {"p" + std::to_string(n), "r"};
    shard.copies.push_back({"node-1", true, ShardCopyState::kStarted, "p" + std::to_string(n), ""});
    shard.copies.push_back({"node-2", false, ShardCopyState::kFailed, "r", "disk \"full\""});
    shard.copies.push_back({"", false, ShardCopyState::kUnassigned, "", ""});
    shard.copies.push_back({"node-3", false, ShardCopyState::kRelocating, "q", ""});
    shard.copies.push_back({"node-4", false, ShardCopyState::kClosed, "c", ""});
    shard.copies.push_back({"node-5", false, ShardCopyState::kInitializing, "i", ""});
    routing.shards.push_back(shard);
  }
  auto decoded = DecodeIndexRouting(EncodeIndexRouting(routing), "key");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded.value(), routing);
  auto bad_state = DecodeIndexRouting(
      R"({"format_version":1,"shards":[{"shard":0,"primary_term":1,"in_sync":[],"copies":[{"node_id":"",)"
      R"("primary":true,"state":"SLEEPING","allocation_id":"","failure":""}]}]})",
      "state/routing/x");
  ASSERT_FALSE(bad_state.ok());
  EXPECT_EQ(bad_state.status().message(), "state/routing/x: shards[0].copies[0].state: unknown state [SLEEPING]");
}

// EncodeIndexMetadata/DecodeIndexMetadata keep every setting and the mapping
// (the local cluster state stores indices with them).
TEST(IndexMetadataRoundTripTest, KeepsEverySettingAndTheMapping) {
  IndexMetadata m = NewIndex("every-setting", 7, 3);
  m.creation_date_ms = 1234567890123;
  m.settings.refresh_interval = std::chrono::milliseconds(2500);
  m.settings.durability = Durability::kAsync;
  m.settings.max_result_window = 77;
  m.settings.max_docvalue_fields_search = 0;
  m.settings.max_terms_count = 79;
  recommend::RecommendSettings& r = m.settings.recommend;
  r.weights = {0.5, 2.25, 7.125};
  r.popularity_half_life_ms = 11;
  r.history_size = 12;
  r.pair_window = 13;
  r.pair_new = 0.1;
  r.pair_same = 0.2;
  r.pair_decay = 0.3;
  r.pair_tau_ms = 14;
  r.pair_max_gap_ms = 15;
  r.alpha = 0.4;
  r.profile_size = 16;
  r.profile_decay = 0.6;
  r.own_weight = 0.7;
  r.own_smoothing = 0.8;
  r.popularity_weight = 0.9;
  r.cooccurrence_weight = 1.1;
  auto parsed = mapping::ParseMapping(R"({"dynamic": "strict", "date_detection": false, "numeric_detection": true,
    "properties": {"title": {"type": "text", "analyzer": "english",
                             "fields": {"raw": {"type": "keyword", "ignore_above": 256}}},
                   "price": {"type": "double", "coerce": false},
                   "when": {"type": "date", "format": "yyyy/MM/dd||epoch_millis"},
                   "ok": {"type": "boolean"},
                   "user": {"dynamic": false, "properties": {"id": {"type": "long"}}}}})");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  m.mapping = std::make_shared<const mapping::Mapping>(std::move(parsed).value());

  m.aliases["all"] = AliasMetadata{};
  m.aliases["red"] = AliasMetadata{R"({"term":{"colour":"red"}})", "1", "1,2", true};
  m.aliases["off"] = AliasMetadata{"", "", "", false};
  auto d = DecodeIndexMetadata(EncodeIndexMetadata(m), "INDEX");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->aliases, m.aliases);
  EXPECT_EQ(d->name, m.name);
  EXPECT_EQ(d->uuid, m.uuid);
  EXPECT_EQ(d->creation_date_ms, m.creation_date_ms);
  EXPECT_EQ(d->settings.number_of_shards, 7u);
  EXPECT_EQ(d->settings.number_of_replicas, 3u);
  EXPECT_EQ(d->settings.refresh_interval, m.settings.refresh_interval);
  EXPECT_EQ(d->settings.max_result_window, 77u);
  EXPECT_EQ(d->settings.max_docvalue_fields_search, 0u);
  EXPECT_EQ(d->settings.max_terms_count, 79u);
  EXPECT_EQ(d->settings.durability, Durability::kAsync);
  const recommend::RecommendSettings& o = d->settings.recommend;
  EXPECT_EQ(o.weights, r.weights);
  EXPECT_EQ(o.popularity_half_life_ms, r.popularity_half_life_ms);
  EXPECT_EQ(o.history_size, r.history_size);
  EXPECT_EQ(o.pair_window, r.pair_window);
  EXPECT_EQ(o.pair_new, r.pair_new);
  EXPECT_EQ(o.pair_same, r.pair_same);
  EXPECT_EQ(o.pair_decay, r.pair_decay);
  EXPECT_EQ(o.pair_tau_ms, r.pair_tau_ms);
  EXPECT_EQ(o.pair_max_gap_ms, r.pair_max_gap_ms);
  EXPECT_EQ(o.alpha, r.alpha);
  EXPECT_EQ(o.profile_size, r.profile_size);
  EXPECT_EQ(o.profile_decay, r.profile_decay);
  EXPECT_EQ(o.own_weight, r.own_weight);
  EXPECT_EQ(o.own_smoothing, r.own_smoothing);
  EXPECT_EQ(o.popularity_weight, r.popularity_weight);
  EXPECT_EQ(o.cooccurrence_weight, r.cooccurrence_weight);
  static_assert(sizeof(recommend::RecommendSettings) == 136, "a new recommend setting: add it to this test");
  EXPECT_EQ(mapping::MappingToJson(*d->mapping), mapping::MappingToJson(*m.mapping));
  EXPECT_EQ(d->mapping->dynamic(), mapping::DynamicMode::kStrict);
  EXPECT_FALSE(d->mapping->date_detection());
  EXPECT_TRUE(d->mapping->numeric_detection());
  EXPECT_EQ(d->mapping->Find("title.raw")->mapping.ignore_above, 256);
  EXPECT_FALSE(d->mapping->Find("price")->mapping.coerce);
  EXPECT_EQ(d->mapping->Find("user")->mapping.dynamic, mapping::DynamicMode::kFalse);
}

// PUT _settings travels to the master as UpdateIndexSettingsRequest: every
// dynamic setting survives the message, and ApplyIndexSettings changes only
// what the update names.
TEST(IndexSettingsUpdateTest, TravelsAsAMessageAndAppliesWhatItNames) {
  ClusterStateSnapshot state;
  IndexMetadata m = NewIndex("limits");
  state.indices.emplace(m.uuid, m);
  IndexSettingsUpdate update;
  update.max_result_window = 20;
  update.max_docvalue_fields_search = 2;
  update.max_terms_count = 3;
  update.allocation_filters["require.box"] = "hot";
  update.allocation_filters["exclude._name"] = std::nullopt;
  update.total_shards_per_node = 2;
  update.allocation_enable = "primaries";
  state.indices.at(m.uuid).settings.allocation_filters["exclude._name"] = "n1";
  pb::UpdateIndexSettingsRequest message;
  ToProto({m.uuid}, update, &message);
  const IndexSettingsUpdate back = FromProto(message);
  EXPECT_EQ(back.max_result_window, update.max_result_window);
  EXPECT_EQ(back.max_docvalue_fields_search, update.max_docvalue_fields_search);
  EXPECT_EQ(back.max_terms_count, update.max_terms_count);
  EXPECT_EQ(back.allocation_filters, update.allocation_filters);
  EXPECT_EQ(back.total_shards_per_node, update.total_shards_per_node);
  EXPECT_EQ(back.allocation_enable, update.allocation_enable);
  EXPECT_FALSE(back.refresh_interval.has_value());
  ASSERT_TRUE(ApplyIndexSettings(&state, {m.uuid}, back, 0).ok());
  const IndexSettings& s = state.indices.at(m.uuid).settings;
  EXPECT_EQ(s.max_result_window, 20u);
  EXPECT_EQ(s.max_docvalue_fields_search, 2u);
  EXPECT_EQ(s.max_terms_count, 3u);
  EXPECT_EQ(s.allocation_filters, (std::map<std::string, std::string>{{"require.box", "hot"}}));
  EXPECT_EQ(s.total_shards_per_node, 2);
  EXPECT_EQ(s.allocation_enable, "primaries");
  IndexSettingsUpdate terms_only;
  terms_only.max_terms_count = 65536;
  ASSERT_TRUE(ApplyIndexSettings(&state, {m.uuid}, terms_only, 0).ok());
  EXPECT_EQ(s.max_docvalue_fields_search, 2u);
  EXPECT_EQ(s.max_terms_count, 65536u);
  EXPECT_EQ(s.total_shards_per_node, 2) << "kept: the update did not name it";
  EXPECT_EQ(s.allocation_enable, "primaries") << "kept likewise";
}

}  // namespace
}  // namespace holdfast
