// Fuzz target: the body of PUT /{index} through ParseCreateIndexBody
// (server/api/index_api_settings.h) — settings, mappings and aliases — and
// an `aliases` object alone through ParseIndexAliases. Any bytes must give a
// body or an error: never a crash, a leak or undefined behaviour; a parsed
// alias filter is a JSON object.
//
// Replayed over its seed corpus in CTest (tests/CMakeLists.txt), as
// bulk_request_fuzzer.cc is: its parsers live beside the index registry.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/api/index_api_settings.h"

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
  return 0;
}
