// Custom routing on a real node, as Elasticsearch's reference documents
// `_routing`: documents indexed with `routing=R` live on shard
// ShardOfId(R) (so a get without it misses them), carry `_routing` in gets
// and hits, keep it through updates, _update_by_query and _reindex (dest
// routing keep, discard or =value); searches with routing ask only the
// routed shards; aliases route writes (index_routing) and searches
// (search_routing); `_routing.required` refuses writes and gets without it.
// The values and ids are chosen with the routing function itself, so that
// the shards they map to differ.
#include <set>

#include "replication/shard_routing.h"
#include "tests/server/index_api_fixture.h"

namespace holdfast {
namespace {

constexpr uint32_t kShards = 4;

class RoutingApiTest : public IndexApiFixture {
 protected:
  // The first "<prefix><n>" routed to `shard`.
  static std::string ValueOnShard(const std::string& prefix, uint32_t shard) {
    for (int n = 0;; ++n) {
      std::string v = prefix + std::to_string(n);
      if (ShardOfId(v, kShards) == shard) return v;
    }
  }
  // `count` ids "<prefix><n>" whose own shard (routed by id) is not `shard`.
  static std::vector<std::string> IdsOffShard(const std::string& prefix, uint32_t shard, size_t count) {
    std::vector<std::string> ids;
    for (int n = 0; ids.size() < count; ++n) {
      std::string id = prefix + std::to_string(n);
      if (ShardOfId(id, kShards) != shard) ids.push_back(id);
    }
    return ids;
  }
  static void CreateIndex(const std::string& name, const std::string& mappings = "{}") {
    auto r = Call("PUT", "/" + name,
                  R"({"settings":{"number_of_shards":4,"number_of_replicas":0},"mappings":)" + mappings + "}");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  // The ids of the hits of a search.
  static std::set<std::string> HitIds(const rapidjson::Document& d) {
    std::set<std::string> ids;
    for (const auto& hit : d["hits"]["hits"].GetArray()) ids.insert(Str(hit["_id"]));
    return ids;
  }
  static rapidjson::Document Search(const std::string& target) {
    auto r = Call("GET", target);
    EXPECT_EQ(r.status, 200) << r.body;
    return Json(r.body);
  }

  const std::string r1_ = ValueOnShard("r", 0);
  const std::string r2_ = ValueOnShard("r", 1);
};

TEST_F(RoutingApiTest, DocumentsWithOneRoutingShareTheShardItMapsTo) {
  ASSERT_NO_FATAL_FAILURE(CreateIndex("routed"));
  const std::vector<std::string> a = IdsOffShard("a", 0, 4);  // routed to shard 0 by r1, not by their ids
  for (const std::string& id : a) {
    auto r = Call("PUT", "/routed/_doc/" + id + "?routing=" + r1_, R"({"group":"a"})");
    ASSERT_EQ(r.status, 201) << r.body;
    EXPECT_EQ(r.Header("location"), "/routed/_doc/" + id + "?routing=" + r1_);
  }
  ASSERT_EQ(Call("PUT", "/routed/_doc/b0?routing=" + r2_, R"({"group":"b"})").status, 201);
  ASSERT_EQ(Call("PUT", "/routed/_doc/c0", R"({"group":"c"})").status, 201);
  ASSERT_EQ(Call("POST", "/routed/_refresh").status, 200);

  // Every document routed by r1 is on shard 0, whatever its id.
  auto d = Search("/routed/_search?preference=_shards:0&size=100");
  for (const std::string& id : a) EXPECT_TRUE(HitIds(d).count(id)) << id;

  // A search with routing asks only the routed shard, and hits carry _routing.
  d = Search("/routed/_search?routing=" + r1_ + "&size=100");
  EXPECT_EQ(d["_shards"]["total"].GetInt(), 1);
  EXPECT_EQ(d["_shards"]["successful"].GetInt(), 1);
  for (const std::string& id : a) EXPECT_TRUE(HitIds(d).count(id)) << id;
  EXPECT_FALSE(HitIds(d).count("b0"));
  for (const auto& hit : d["hits"]["hits"].GetArray()) {
    if (Str(hit["_id"]) == "c0") {
      EXPECT_FALSE(hit.HasMember("_routing"));
    } else {
      EXPECT_EQ(Str(hit["_routing"]), r1_);
    }
  }
  d = Search("/routed/_search?routing=" + r1_ + "," + r2_ + "&size=100");
  EXPECT_EQ(d["_shards"]["total"].GetInt(), 2);
  EXPECT_TRUE(HitIds(d).count("b0"));
  auto count = Json(Call("GET", "/routed/_count?routing=" + r2_).body);
  EXPECT_EQ(count["_shards"]["total"].GetInt(), 1);
  EXPECT_EQ(Search("/routed/_search")["_shards"]["total"].GetInt(), 4);

  // A get without the routing asks the id's own shard: not there.
  const std::string& id = a[0];
  auto r = Call("GET", "/routed/_doc/" + id);
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(Call("HEAD", "/routed/_doc/" + id).status, 404);
  EXPECT_EQ(Call("GET", "/routed/_source/" + id).status, 404);
  r = Call("GET", "/routed/_doc/" + id + "?routing=" + r1_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"_index":"routed","_type":"_doc","_id":")" + id +
                        R"(","_version":1,"_seq_no":0,"_primary_term":1,"_routing":")" + r1_ +
                        R"(","found":true,"_source":{"group":"a"}})");
  EXPECT_EQ(Call("HEAD", "/routed/_doc/" + id + "?routing=" + r1_).status, 200);
  r = Call("GET", "/routed/_source/" + id + "?routing=" + r1_);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"group":"a"})");
  EXPECT_FALSE(Json(Call("GET", "/routed/_doc/c0").body).HasMember("_routing"));

  // Deletes route the same way.
  EXPECT_EQ(Str(Json(Call("DELETE", "/routed/_doc/" + id).body)["result"]), "not_found");
  r = Call("DELETE", "/routed/_doc/" + id + "?routing=" + r1_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Str(Json(r.body)["result"]), "deleted");
  EXPECT_EQ(Call("GET", "/routed/_doc/" + id + "?routing=" + r1_).status, 404);
}

TEST_F(RoutingApiTest, UpdatesKeepTheDocumentsRouting) {
  ASSERT_NO_FATAL_FAILURE(CreateIndex("upd"));
  const std::vector<std::string> ids = IdsOffShard("u", 0, 2);
  const std::string& u = ids[0];
  ASSERT_EQ(Call("PUT", "/upd/_doc/" + u + "?routing=" + r1_, R"({"a":1})").status, 201);
  auto r = Call("POST", "/upd/_update/" + u + "?routing=" + r1_, R"({"doc":{"b":2}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Str(Json(r.body)["result"]), "updated");
  auto d = Json(Call("GET", "/upd/_doc/" + u + "?routing=" + r1_).body);
  EXPECT_EQ(Str(d["_routing"]), r1_);
  EXPECT_EQ(Str(d["_source"]), R"({"a":1,"b":2})");
  // Without the routing the update looks on the id's own shard.
  ExpectEsError(Call("POST", "/upd/_update/" + u, R"({"doc":{"c":3}})"), 404, "document_missing_exception");
  // Written again as it is (detect_noop false): still routed, a new version.
  r = Call("POST", "/upd/_update/" + u + "?routing=" + r1_, R"({"doc":{"b":2},"detect_noop":false})");
  ASSERT_EQ(r.status, 200) << r.body;
  d = Json(Call("GET", "/upd/_doc/" + u + "?routing=" + r1_).body);
  EXPECT_EQ(d["_version"].GetInt(), 3);
  EXPECT_EQ(Str(d["_routing"]), r1_);
  // An upsert is created with the routing.
  const std::string& v = ids[1];
  r = Call("POST", "/upd/_update/" + v + "?routing=" + r1_, R"({"doc":{"x":1},"doc_as_upsert":true})");
  ASSERT_EQ(r.status, 201) << r.body;
  d = Json(Call("GET", "/upd/_doc/" + v + "?routing=" + r1_).body);
  EXPECT_EQ(Str(d["_routing"]), r1_);
  // One copy of each, both on the routed shard.
  ASSERT_EQ(Call("POST", "/upd/_refresh").status, 200);
  d = Search("/upd/_search?preference=_shards:0");
  EXPECT_EQ(HitIds(d), (std::set<std::string>{u, v}));
  EXPECT_EQ(Search("/upd/_search")["hits"]["total"]["value"].GetInt(), 2);
}

TEST_F(RoutingApiTest, BulkAndMultiGetCarryRouting) {
  ASSERT_NO_FATAL_FAILURE(CreateIndex("bulkr"));
  ASSERT_EQ(Call("PUT", "/bulkr/_doc/x3?routing=" + r1_, R"({"n":3})").status, 201);
  // The action line's routing, else the request's.
  auto r = Call("POST", "/_bulk?routing=" + r2_ + "&refresh=true",
                R"({"index":{"_index":"bulkr","_id":"x1","routing":")" + r1_ + R"("}}
{"n":1}
{"create":{"_index":"bulkr","_id":"x2"}}
{"n":2}
{"update":{"_index":"bulkr","_id":"x1","routing":")" + r1_ + R"("}}
{"doc":{"m":1}}
{"delete":{"_index":"bulkr","_id":"x3","routing":")" + r1_ + R"("}}
)");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = Json(r.body);
  EXPECT_FALSE(d["errors"].GetBool()) << r.body;
  EXPECT_EQ(Str(d["items"][2]["update"]["result"]), "updated") << r.body;
  EXPECT_EQ(Str(d["items"][3]["delete"]["result"]), "deleted") << r.body;
  EXPECT_EQ(HitIds(Search("/bulkr/_search?preference=_shards:0")), (std::set<std::string>{"x1"}));
  EXPECT_EQ(HitIds(Search("/bulkr/_search?preference=_shards:1")), (std::set<std::string>{"x2"}));

  // _mget: a doc's routing, else the URL's.
  r = Call("POST", "/bulkr/_mget?routing=" + r2_,
           R"({"docs":[{"_id":"x1","routing":")" + r1_ + R"("},{"_id":"x2"},{"_id":"x1"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  d = Json(r.body);
  EXPECT_TRUE(d["docs"][0]["found"].GetBool()) << r.body;
  EXPECT_EQ(Str(d["docs"][0]["_routing"]), r1_);
  EXPECT_EQ(Str(d["docs"][0]["_source"]), R"({"n":1,"m":1})");
  EXPECT_TRUE(d["docs"][1]["found"].GetBool()) << r.body;
  EXPECT_EQ(Str(d["docs"][1]["_routing"]), r2_);
  EXPECT_FALSE(d["docs"][2]["found"].GetBool()) << r.body;  // asked on r2's shard
}

TEST_F(RoutingApiTest, RequiredRoutingRefusesWritesAndGetsWithoutIt) {
  ASSERT_NO_FATAL_FAILURE(CreateIndex("req", R"({"_routing":{"required":true},"properties":{"n":{"type":"long"}}})"));
  auto d = Json(Call("GET", "/req/_mapping").body);
  EXPECT_TRUE(d["req"]["mappings"]["_routing"]["required"].GetBool());

  auto r = Call("PUT", "/req/_doc/1", R"({"n":1})");
  ExpectEsError(r, 400, "routing_missing_exception");
  EXPECT_EQ(Str(Json(r.body)["error"]["reason"]), "routing is required for [req]/[1]");
  ExpectEsError(Call("POST", "/req/_doc", R"({"n":1})"), 400, "routing_missing_exception");
  ExpectEsError(Call("GET", "/req/_doc/1"), 400, "routing_missing_exception");
  ExpectEsError(Call("DELETE", "/req/_doc/1"), 400, "routing_missing_exception");
  ExpectEsError(Call("POST", "/req/_update/1", R"({"doc":{"n":2},"doc_as_upsert":true})"), 400,
                "routing_missing_exception");
  ASSERT_EQ(Call("PUT", "/req/_doc/1?routing=k", R"({"n":1})").status, 201);
  EXPECT_EQ(Call("GET", "/req/_doc/1?routing=k").status, 200);

  r = Call("POST", "/req/_bulk", R"({"index":{"_id":"2"}}
{"n":2}
{"index":{"_id":"3","routing":"k"}}
{"n":3}
)");
  ASSERT_EQ(r.status, 200) << r.body;
  d = Json(r.body);
  EXPECT_TRUE(d["errors"].GetBool());
  EXPECT_EQ(d["items"][0]["index"]["status"].GetInt(), 400) << r.body;
  EXPECT_EQ(Str(d["items"][0]["index"]["error"]["type"]), "routing_missing_exception");
  EXPECT_EQ(d["items"][1]["index"]["status"].GetInt(), 201) << r.body;

  d = Json(Call("POST", "/req/_mget", R"({"docs":[{"_id":"1"},{"_id":"1","routing":"k"}]})").body);
  EXPECT_EQ(Str(d["docs"][0]["error"]["type"]), "routing_missing_exception");
  EXPECT_TRUE(d["docs"][1]["found"].GetBool());
}

TEST_F(RoutingApiTest, AliasRoutingAppliesToWritesAndSearches) {
  ASSERT_NO_FATAL_FAILURE(CreateIndex("aliased"));
  auto r = Call("POST", "/_aliases", R"({"actions":[
      {"add":{"index":"aliased","alias":"by-r1","routing":")" + r1_ + R"("}},
      {"add":{"index":"aliased","alias":"write-r2","index_routing":")" +
                                           r2_ + R"(","search_routing":")" + r1_ + R"("}}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::vector<std::string> ids = IdsOffShard("d", 0, 3);
  ASSERT_EQ(Call("PUT", "/by-r1/_doc/" + ids[0], R"({"n":0})").status, 201);
  auto d = Json(Call("GET", "/aliased/_doc/" + ids[0] + "?routing=" + r1_).body);
  EXPECT_EQ(Str(d["_routing"]), r1_);
  EXPECT_EQ(Call("GET", "/aliased/_doc/" + ids[0]).status, 404);
  EXPECT_EQ(Call("GET", "/by-r1/_doc/" + ids[0]).status, 200);  // gets take the alias's routing too

  // Another routing through an alias with index routing is refused.
  r = Call("PUT", "/by-r1/_doc/" + ids[1] + "?routing=" + r2_, R"({"n":1})");
  ExpectEsError(r, 400, "illegal_argument_exception");
  EXPECT_EQ(Str(Json(r.body)["error"]["reason"]), "Alias [by-r1] has index routing associated with it [" + r1_ +
                                                       "], and was provided with routing value [" + r2_ +
                                                       "], rejecting operation");
  ASSERT_EQ(Call("PUT", "/by-r1/_doc/" + ids[1] + "?routing=" + r1_, R"({"n":1})").status, 201);
  r = Call("POST", "/_bulk", R"({"index":{"_index":"write-r2","_id":"w"}}
{"n":2}
)");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Str(Json(Call("GET", "/aliased/_doc/w?routing=" + r2_).body)["_routing"]), r2_);
  ASSERT_EQ(Call("POST", "/aliased/_refresh").status, 200);

  // Searches through an alias ask the shards of its search routing.
  d = Search("/by-r1/_search");
  EXPECT_EQ(d["_shards"]["total"].GetInt(), 1);
  EXPECT_EQ(HitIds(d), (std::set<std::string>{ids[0], ids[1]}));
  d = Search("/write-r2/_search");
  EXPECT_EQ(d["_shards"]["total"].GetInt(), 1);
  EXPECT_EQ(HitIds(d), (std::set<std::string>{ids[0], ids[1]}));
  EXPECT_EQ(Search("/write-r2/_count")["count"].GetInt(), 2);
  // As Elasticsearch: a request routing outside the alias's leaves no
  // routing for the index, which is then searched whole.
  d = Search("/write-r2/_search?routing=" + r2_);
  EXPECT_EQ(d["_shards"]["total"].GetInt(), 4);

  // One index routing value per alias.
  ExpectEsError(
      Call("POST", "/_aliases", R"({"actions":[{"add":{"index":"aliased","alias":"two","index_routing":"a,b"}}]})"), 400,
      "illegal_argument_exception");
}

TEST_F(RoutingApiTest, ReindexAndByQueryKeepOrDiscardRouting) {
  ASSERT_NO_FATAL_FAILURE(CreateIndex("rsrc"));
  const std::vector<std::string> ids = IdsOffShard("k", 0, 4);  // k0..k2 routed by r1; k3 by its id
  for (size_t i = 0; i + 1 < ids.size(); ++i) {
    ASSERT_EQ(Call("PUT", "/rsrc/_doc/" + ids[i] + "?routing=" + r1_, R"({"n":1})").status, 201);
  }
  ASSERT_EQ(Call("PUT", "/rsrc/_doc/" + ids[3], R"({"n":1})").status, 201);
  ASSERT_EQ(Call("POST", "/rsrc/_refresh").status, 200);  // refresh=true on a write refreshes its shard only

  for (const char* dest : {"rkeep", "rdiscard", "rset"}) ASSERT_NO_FATAL_FAILURE(CreateIndex(dest));
  auto reindex = [&](const std::string& dest, const std::string& routing) {
    const std::string dest_routing = routing.empty() ? "" : R"(,"routing":")" + routing + "\"";
    auto r = Call("POST", "/_reindex?refresh=true",
                  R"({"source":{"index":"rsrc"},"dest":{"index":")" + dest + "\"" + dest_routing + "}}");
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(Json(r.body)["created"].GetInt(), 4) << r.body;
  };
  reindex("rkeep", "");
  reindex("rdiscard", "discard");
  reindex("rset", "=" + r2_);
  auto d = Json(Call("GET", "/rkeep/_doc/" + ids[0] + "?routing=" + r1_).body);
  EXPECT_EQ(Str(d["_routing"]), r1_);
  EXPECT_EQ(Call("GET", "/rkeep/_doc/" + ids[0]).status, 404);
  d = Json(Call("GET", "/rdiscard/_doc/" + ids[0]).body);
  EXPECT_TRUE(d["found"].GetBool());
  EXPECT_FALSE(d.HasMember("_routing"));
  d = Json(Call("GET", "/rset/_doc/" + ids[3] + "?routing=" + r2_).body);
  EXPECT_EQ(Str(d["_routing"]), r2_);
  ExpectEsError(Call("POST", "/_reindex", R"({"source":{"index":"rsrc"},"dest":{"index":"rbad","routing":"r"}})"), 400,
                "illegal_argument_exception");

  // _update_by_query rewrites each document where it is, routing kept.
  auto r = Call("POST", "/rsrc/_update_by_query?refresh=true", "");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body)["updated"].GetInt(), 4) << r.body;
  d = Json(Call("GET", "/rsrc/_doc/" + ids[0] + "?routing=" + r1_).body);
  EXPECT_EQ(d["_version"].GetInt(), 2);
  EXPECT_EQ(Str(d["_routing"]), r1_);
  EXPECT_EQ(Search("/rsrc/_search")["hits"]["total"]["value"].GetInt(), 4);

  // _delete_by_query with routing scans the routed shard only.
  r = Call("POST", "/rsrc/_delete_by_query?refresh=true&routing=" + r1_, R"({"query":{"match_all":{}}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Json(r.body)["deleted"].GetInt(), 3) << r.body;
  EXPECT_EQ(HitIds(Search("/rsrc/_search")), (std::set<std::string>{ids[3]}));
}

}  // namespace
}  // namespace holdfast
