// Fuzz target: the body of PUT /{index} through ParseCreateIndexBody
// (server/api/index_api_settings.h) — settings, mappings and aliases — and
// an `aliases` object alone through ParseIndexAliases; the same bytes as an
// index template and a component template (server/api/index_templates.h),
// composed with a request body when accepted, and split in two as glob
// patterns for the overlap check. Any bytes must give a body or an error:
// never a crash, a leak or undefined behaviour; a parsed alias filter is a
// JSON object; an accepted template composes into a body that parses.
//
// Replayed over its seed corpus in CTest (tests/CMakeLists.txt), as
// bulk_request_fuzzer.cc is: its parsers live beside the index registry.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/api/index_api_settings.h"
#include "server/api/index_templates.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto created = holdfast::ParseCreateIndexBody(body);
  auto check = [](const std::map<std::string, holdfast::AliasMetadata>& aliases) {
    for (const auto& [name, meta] : aliases) {
      if (!meta.filter_json.empty() && meta.filter_json.front() != '{') std::abort();
    }
  };
  if (created.ok()) check(created->aliases);
  auto aliases = holdfast::ParseIndexAliases(body);
  if (aliases.ok()) check(*aliases);

  holdfast::ClusterStateSnapshot state;
  auto component = holdfast::CheckComponentTemplate("c", body);
  if (component.ok()) state.component_templates["c"] = *component;
  auto index_template = holdfast::CheckIndexTemplate(state, "t", body);
  if (index_template.ok()) {
    state.index_templates["t"] = *index_template;
    const std::string name = holdfast::MatchingIndexTemplate(state, "logs-1");
    auto composed = holdfast::ComposeCreateIndexBody(state, "logs-1", R"({"settings":{"number_of_replicas":0}})");
    if (!name.empty() && composed.ok() && !holdfast::ParseCreateIndexBody(*composed).ok()) std::abort();
  }
  const std::string_view first = body.substr(0, body.size() / 2), second = body.substr(body.size() / 2);
  if (first.size() < 64 && second.size() < 64) {
    // Overlap is symmetric, and a pattern without '*' overlaps only itself.
    if (holdfast::GlobPatternsOverlap(first, second) != holdfast::GlobPatternsOverlap(second, first)) std::abort();
    if (first.find('*') == std::string_view::npos && second.find('*') == std::string_view::npos &&
        holdfast::GlobPatternsOverlap(first, second) != (first == second)) {
      std::abort();
    }
  }
  return 0;
}
