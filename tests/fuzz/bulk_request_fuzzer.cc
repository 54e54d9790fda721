// libFuzzer target: the NDJSON body of a _bulk request through BulkParser
// (server/bulk_parser.h), split into lines the way the bulk route does, with
// every line limit path exercised. Any bytes must give items or item errors:
// never a crash, a leak or undefined behaviour, and every item is complete.
//
// Built with clang -fsanitize=fuzzer by scripts/fuzz; the same entry point is
// linked into a corpus-replay driver (replay_main.cc) for CTest.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/api/bulk_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  holdfast::BulkParser parser(size % 2 == 0 ? "default-index" : "");
  holdfast::BulkItem item;
  constexpr size_t kLineLimit = 512;  // longer lines take the oversized path
  while (!body.empty()) {
    size_t nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    bool done = line.size() > kLineLimit ? parser.AddOversizedLine(line.size(), &item) : parser.AddLine(line, &item);
    if (done) {
      // A complete item names an action; a failed one carries its error.
      if (item.error.ok() && item.action == holdfast::BulkAction::kIndex && item.line == 0) std::abort();
      item = holdfast::BulkItem();
    }
    if (nl == std::string_view::npos) break;
    body.remove_prefix(nl + 1);
  }
  parser.Finish(&item);
  return 0;
}
