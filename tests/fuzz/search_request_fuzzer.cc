// libFuzzer target: everything a search request's bytes go through before a
// search runs — the body (ParseSearchRequest), the query DSL (QueryParser over
// a fixed mapping), sort, search_after, aggregations, highlight and _source
// filtering (spec and the walk over a source), the _explain body. The first input byte picks the
// parser; the rest is its input. Any input must give a value or an error
// Status: never a crash, a leak or undefined behaviour.
//
// Built with clang -fsanitize=fuzzer by scripts/fuzz; the same entry point is
// linked into a corpus-replay driver (replay_main.cc) for CTest.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "index/mapping/mapping_parser.h"
#include "index/search/aggregation_spec.h"
#include "index/search/highlight_spec.h"
#include "index/search/query_parser.h"
#include "index/search/search_after.h"
#include "index/search/sort_spec.h"
#include "server/api/search_request.h"
#include "index/mapping/source_filter.h"

namespace {

using namespace holdfast;

constexpr char kMapping[] = R"({"properties":{
  "title":{"type":"text","analyzer":"english","fields":{"keyword":{"type":"keyword"}}},
  "body":{"type":"text"}, "tags":{"type":"keyword"}, "price":{"type":"double"},
  "count":{"type":"long"}, "added":{"type":"date"}, "active":{"type":"boolean"},
  "user":{"properties":{"name":{"type":"keyword"},"age":{"type":"long"}}}}})";

constexpr char kSource[] =
    R"({"title":"Red shoes","tags":["a","b"],"user":{"name":"x","age":3,"inner":{"k":[1,{"z":2}]}},"n":null})";

const mapping::Mapping& FixedMapping() {
  static const mapping::Mapping* m = new mapping::Mapping(mapping::ParseMapping(kMapping).value());
  return *m;
}

void WriteFiltered(const SourceFilter& filter, std::string_view source) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  filter.Write(source, &writer);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 8) {
    case 0: {
      static search::QueryParser* parser = new search::QueryParser(FixedMapping());
      (void)parser->Parse(input);
      break;
    }
    case 1: (void)search::ParseSortSpec(input, FixedMapping()); break;
    case 2: (void)search::ParseAggregations(input, FixedMapping()); break;
    case 3: (void)search::ParseHighlightSpec(input); break;
    case 4: {
      auto filter = SourceFilter::FromJson(input);
      if (filter.ok()) WriteFiltered(filter.value(), kSource);
      break;
    }
    case 5: {
      // The input as a stored source, under filters that walk it.
      WriteFiltered(SourceFilter::FromParams("user.*,t*", "", "user.inner.*"), input);
      WriteFiltered(SourceFilter::FromParams("*.name", "", ""), input);
      break;
    }
    case 6: {
      auto spec = search::ParseSortSpec(R"([{"price":"desc"},{"tags":"asc"},"_score","_doc"])", FixedMapping());
      if (spec.ok()) (void)search::ParseSearchAfter(input, spec.value());
      break;
    }
    default: {
      HttpRequest http;
      http.body.assign(input);
      (void)ParseSearchRequest(http);
      (void)ParseExplainBody(input);  // the _explain API's body
      break;
    }
  }
  return 0;
}
