// The admin token (--admin-token-file on the node, --token-file in
// holdfastctl): a secret in a file, sent as `Authorization: Bearer <token>`.
// With one set, the node's admin gRPC service answers UNAUTHENTICATED to a
// call without it (live, ready and status stay open for probes).
#pragma once

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "index/util/status.h"

namespace holdfast {

// The token in `path`: its content without surrounding whitespace. An
// unreadable or empty file is an error (a node must not run open by mistake).
inline Result<std::string> ReadAdminToken(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::InvalidArgument("cannot read the admin token file " + path);
  std::stringstream content;
  content << in.rdbuf();
  std::string token = content.str();
  const size_t start = token.find_first_not_of(" \t\r\n");
  if (start == std::string::npos) return Status::InvalidArgument("the admin token file " + path + " is empty");
  token = token.substr(start, token.find_last_not_of(" \t\r\n") - start + 1);
  return token;
}

// Whether an Authorization value carries `token` (compared in constant time).
inline bool BearerMatches(std::string_view authorization, std::string_view token) {
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.substr(0, kBearer.size()) != kBearer) return false;
  const std::string_view given = authorization.substr(kBearer.size());
  unsigned char diff = given.size() == token.size() ? 0 : 1;
  for (size_t i = 0; i < token.size(); ++i) {
    diff |= static_cast<unsigned char>(token[i] ^ (i < given.size() ? given[i] : 0));
  }
  return diff == 0;
}

}  // namespace holdfast
