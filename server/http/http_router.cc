#include "server/http/http_router.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace holdfast {

namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) parts.push_back(path.substr(i, j - i));
    i = j;
  }
  return parts;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 &&
               HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Calls fn(name, value) for each "name=value" of a query string until fn returns true.
template <typename Fn>
void ForEachQueryParam(std::string_view query, Fn fn) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    size_t eq = pair.find('=');
    std::string_view name = pair.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (fn(name, value)) return;
  }
}

}  // namespace

const char* HttpMethodName(HttpMethod m) {
  switch (m) {
    case HttpMethod::kGet: return "GET";
    case HttpMethod::kHead: return "HEAD";
    case HttpMethod::kPost: return "POST";
    case HttpMethod::kPut: return "PUT";
    case HttpMethod::kDelete: return "DELETE";
    case HttpMethod::kOther: return "OTHER";
  }
  return "OTHER";
}

std::string HttpRequest::QueryParam(std::string_view name, std::string_view fallback) const {
  std::string result(fallback);
  ForEachQueryParam(query, [&](std::string_view n, std::string_view v) {
    if (n != name) return false;
    result = PercentDecode(v);
    return true;
  });
  return result;
}

bool HttpRequest::HasQueryParam(std::string_view name) const {
  bool found = false;
  ForEachQueryParam(query, [&](std::string_view n, std::string_view) { return found = n == name; });
  return found;
}

std::string_view HttpRequest::PathParam(std::string_view name) const {
  for (const auto& [n, v] : path_params) {
    if (n == name) return v;
  }
  return {};
}

HttpResponse ErrorResponse(int status, std::string_view type, std::string_view reason) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  auto cause = [&] {
    w.Key("type");
    w.String(type.data(), static_cast<rapidjson::SizeType>(type.size()));
    w.Key("reason");
    w.String(reason.data(), static_cast<rapidjson::SizeType>(reason.size()));
  };
  w.StartObject();
  w.Key("error");
  w.StartObject();
  w.Key("root_cause");
  w.StartArray();
  w.StartObject();
  cause();
  w.EndObject();
  w.EndArray();
  cause();
  w.EndObject();
  w.Key("status");
  w.Int(status);
  w.EndObject();
  HttpResponse r;
  r.status = status;
  r.body.assign(buf.GetString(), buf.GetSize());
  return r;
}

void HttpRouter::Add(HttpMethod method, std::string pattern, std::string name, HttpHandler handler,
                     HttpRouteOptions options) {
  Route r{method, {}, std::move(name), std::move(handler), options};
  for (std::string_view seg : SplitPath(pattern)) r.segments.emplace_back(seg);
  routes_.push_back(std::move(r));
}

bool HttpRouter::MatchSegments(const Route& r, const std::vector<std::string_view>& parts,
                               std::vector<std::pair<std::string, std::string>>* params) {
  if (r.segments.size() != parts.size()) return false;
  params->clear();
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& seg = r.segments[i];
    if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') {
      // A parameter never captures a reserved "_name" segment.
      if (parts[i].front() == '_') return false;
      params->emplace_back(seg.substr(1, seg.size() - 2), PercentDecode(parts[i]));
    } else if (seg != parts[i]) {
      return false;
    }
  }
  return true;
}

HttpRouter::Match HttpRouter::Find(HttpMethod method, std::string_view path) const {
  Match m;
  const auto parts = SplitPath(path);
  std::vector<std::pair<std::string, std::string>> params;
  const Route* get_route = nullptr;
  for (const Route& r : routes_) {
    if (!MatchSegments(r, parts, &params)) continue;
    if (r.method == method) {
      m.handler = &r.handler;
      m.route_name = r.name;
      m.options = r.options;
      m.params = std::move(params);
      return m;
    }
    if (r.method == HttpMethod::kGet && get_route == nullptr) get_route = &r;
    const char* name = HttpMethodName(r.method);
    if (m.allowed_methods.find(name) == std::string::npos) {
      m.allowed_methods += m.allowed_methods.empty() ? name : std::string(", ") + name;
    }
  }
  if (get_route != nullptr && m.allowed_methods.find("HEAD") == std::string::npos) {
    m.allowed_methods += ", HEAD";
  }
  if (method == HttpMethod::kHead && get_route != nullptr) {
    MatchSegments(*get_route, parts, &params);
    m.handler = &get_route->handler;
    m.route_name = get_route->name;
    m.options = get_route->options;
    m.params = std::move(params);
  }
  return m;
}

std::vector<std::string> HttpRouter::RouteNames() const {
  std::vector<std::string> names;
  for (const Route& r : routes_) {
    bool seen = false;
    for (const auto& n : names) seen = seen || n == r.name;
    if (!seen) names.push_back(r.name);
  }
  return names;
}

}  // namespace holdfast
