// HttpRequest, HttpResponse and HttpRouter: the transport-free face of the
// HTTP API. Handlers see plain structs, never Boost.Beast, so route code
// compiles fast and is testable without sockets.
//
// The router is built once at startup, then read-only: safe to call from every
// I/O thread at once.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace holdfast {

enum class HttpMethod { kGet, kHead, kPost, kPut, kDelete, kOther };
const char* HttpMethodName(HttpMethod m);

// How the server runs a route.
struct HttpRouteOptions {
  // Run on the I/O thread (cheap, never blocking: probes, metrics) instead of
  // the worker pool, so that it answers even when workers are saturated.
  bool inline_handler = false;
  // The body is spilled to a temporary file instead of memory (bulk requests):
  // HttpRequest::body_file names it, and the larger http.max_bulk_size applies.
  // A body of a declared length up to 1 MiB (and http.max_body_size) stays
  // in memory (HttpRequest::body): handlers take either. A spill that meets
  // a full disk answers 503 no_space_left_exception.
  bool large_body = false;
};

struct HttpRequest {
  HttpMethod method = HttpMethod::kGet;
  std::string path;   // decoded of nothing: exactly as sent, without the query
  std::string query;  // after '?', raw
  std::vector<std::pair<std::string, std::string>> path_params;  // {index} → value
  std::string body;
  std::string body_file;  // large_body routes: the spilled body (removed after the handler)
  std::string content_type;
  std::string authorization;  // the Authorization header ("" when absent)

  // Value of ?name=value (percent-decoded); `fallback` when absent.
  std::string QueryParam(std::string_view name, std::string_view fallback = {}) const;
  bool HasQueryParam(std::string_view name) const;
  std::string_view PathParam(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool close_connection = false;
};

// {"error":{"root_cause":[{"type":..,"reason":..}],"type":..,"reason":..},"status":N}
HttpResponse ErrorResponse(int status, std::string_view type, std::string_view reason);

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class HttpRouter {
 public:
  // `pattern` is a path like "/_lifecycle/ready" or "/{index}/_doc/{id}";
  // `name` labels the route in metrics (low cardinality, unlike raw paths).
  void Add(HttpMethod method, std::string pattern, std::string name, HttpHandler handler,
           HttpRouteOptions options = {});

  struct Match {
    const HttpHandler* handler = nullptr;  // null: no route for this method
    std::string_view route_name = "unmatched";
    std::vector<std::pair<std::string, std::string>> params;
    std::string allowed_methods;  // for 405: "GET, HEAD"
    HttpRouteOptions options;
  };
  // HEAD falls back to the GET route. `handler == nullptr` with non-empty
  // allowed_methods means 405; with empty, 404.
  Match Find(HttpMethod method, std::string_view path) const;

  // Every route name, for metrics pre-registration.
  std::vector<std::string> RouteNames() const;

 private:
  struct Route {
    HttpMethod method;
    std::vector<std::string> segments;  // "{x}" segments capture
    std::string name;
    HttpHandler handler;
    HttpRouteOptions options;
  };
  static bool MatchSegments(const Route& r, const std::vector<std::string_view>& parts,
                            std::vector<std::pair<std::string, std::string>>* params);
  std::vector<Route> routes_;
};

}  // namespace holdfast
