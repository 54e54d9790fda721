// Route matching, 404/405 decisions and query parsing (server/http_router.h).
#include "server/http/http_router.h"

#include <gtest/gtest.h>

namespace holdfast {
namespace {

HttpHandler Named(std::string name) {
  return [name](const HttpRequest& r) {
    HttpResponse res;
    res.body = name;
    for (const auto& [k, v] : r.path_params) res.body += "|" + k + "=" + v;
    return res;
  };
}

HttpRouter MakeRouter() {
  HttpRouter r;
  r.Add(HttpMethod::kGet, "/", "root", Named("root"));
  r.Add(HttpMethod::kGet, "/{index}", "index_get", Named("index_get"));
  r.Add(HttpMethod::kPut, "/{index}", "index_put", Named("index_put"));
  r.Add(HttpMethod::kGet, "/{index}/_doc/{id}", "doc_get", Named("doc_get"));
  r.Add(HttpMethod::kGet, "/_lifecycle/ready", "ready", Named("ready"));
  return r;
}

std::string Call(const HttpRouter& r, HttpMethod m, const std::string& path) {
  auto match = r.Find(m, path);
  if (!match.handler) return match.allowed_methods.empty() ? "404" : "405:" + match.allowed_methods;
  HttpRequest req;
  req.path_params = match.params;
  return (*match.handler)(req).body;
}

TEST(HttpRouterTest, MatchesLiteralAndParameterSegments) {
  HttpRouter r = MakeRouter();
  EXPECT_EQ(Call(r, HttpMethod::kGet, "/"), "root");
  EXPECT_EQ(Call(r, HttpMethod::kGet, "/products"), "index_get|index=products");
  EXPECT_EQ(Call(r, HttpMethod::kPut, "/products"), "index_put|index=products");
  EXPECT_EQ(Call(r, HttpMethod::kGet, "/products/_doc/a%20b"), "doc_get|index=products|id=a b");
  EXPECT_EQ(Call(r, HttpMethod::kGet, "/_lifecycle/ready"), "ready");
}

TEST(HttpRouterTest, ReservedUnderscoreNamesAreNotIndexParameters) {
  HttpRouter r = MakeRouter();
  EXPECT_EQ(Call(r, HttpMethod::kGet, "/_lifecycle"), "404");
  EXPECT_EQ(Call(r, HttpMethod::kGet, "/_lifecycle/nope"), "404");
}

TEST(HttpRouterTest, WrongMethodListsTheAllowedOnes) {
  HttpRouter r = MakeRouter();
  EXPECT_EQ(Call(r, HttpMethod::kDelete, "/"), "405:GET, HEAD");
  EXPECT_EQ(Call(r, HttpMethod::kPost, "/products"), "405:GET, PUT, HEAD");
  EXPECT_EQ(Call(r, HttpMethod::kGet, "/a/b/c/d"), "404");
}

TEST(HttpRouterTest, HeadFallsBackToGet) {
  HttpRouter r = MakeRouter();
  auto m = r.Find(HttpMethod::kHead, "/products");
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(m.route_name, "index_get");
}

TEST(HttpRequestTest, QueryParametersAreDecoded) {
  HttpRequest req;
  req.query = "pretty&q=caf%C3%A9+cr%C3%A8me&size=10&bad=%zz";
  EXPECT_TRUE(req.HasQueryParam("pretty"));
  EXPECT_FALSE(req.HasQueryParam("missing"));
  EXPECT_EQ(req.QueryParam("q"), "café crème");
  EXPECT_EQ(req.QueryParam("size"), "10");
  EXPECT_EQ(req.QueryParam("bad"), "%zz");
  EXPECT_EQ(req.QueryParam("missing", "dflt"), "dflt");
}

TEST(ErrorResponseTest, ElasticsearchShape) {
  HttpResponse r = ErrorResponse(404, "index_not_found_exception", "no such index [x]");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body,
            R"({"error":{"root_cause":[{"type":"index_not_found_exception","reason":"no such index [x]"}],)"
            R"("type":"index_not_found_exception","reason":"no such index [x]"},"status":404})");
}

}  // namespace
}  // namespace holdfast
