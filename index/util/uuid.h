// Random (version 4) UUIDs: volume, node, cluster and shard history identities.
#pragma once

#include <string>

namespace holdfast {

// "3f2b8c1e-9a4d-4f6e-8b2a-1c5d7e9f0a3b"; 122 random bits from getrandom(2).
std::string NewUuid();

// True for the 8-4-4-4-12 lower- or upper-case hex form.
bool IsUuid(const std::string& s);

}  // namespace holdfast
