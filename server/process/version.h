// Build identity of holdfast, and what it answers as in Elasticsearch
// compatibility mode (docs/api.md explains the compatibility mode).
#pragma once

namespace holdfast {

inline constexpr char kHoldfastVersion[] = HOLDFAST_VERSION_STRING;
inline constexpr char kCompatEsVersion[] = "7.17.0";
inline constexpr char kCompatLuceneVersion[] = "8.11.1";

}  // namespace holdfast
