// Elasticsearch's minimum_should_match: "2", "-1", "75%", "-25%" resolved
// against the number of optional clauses (Queries.calculateMinShouldMatch:
// a percentage rounds down; a negative value counts the clauses that may be
// missing; the result is at least 0 and may exceed the clause count, in
// which case nothing matches). The combination syntax ("3<90%") is not
// supported. Pure functions.
#pragma once

#include <optional>
#include <string_view>

namespace holdfast::search {

// nullopt when `spec` is not an integer or an integer percentage.
std::optional<int> ResolveMinimumShouldMatch(std::string_view spec, int optional_clauses);

}  // namespace holdfast::search
