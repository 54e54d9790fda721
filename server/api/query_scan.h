// QueryScan: every document a query matches over some indices, batch after
// batch, as a scroll reads them (one reader snapshot per shard for the whole
// scan: documents written meanwhile are not seen, so an _update_by_query
// does not meet its own writes). What _reindex, _update_by_query and
// _delete_by_query read.
//
// One scan is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "index/util/status.h"
#include "server/api/api_context.h"
#include "server/coordinator/coordinator_query_context.h"

namespace holdfast {

struct ScannedDoc {
  std::string index;
  std::string id;
  std::string source;  // as stored (JSON)
  int64_t seq_no = -1;
  int64_t primary_term = 0;
  std::string routing;  // its _routing; empty: none
};

class QueryScan {
 public:
  // `search_body`: a search body with the query (and `_source`), as
  // _search takes it (its size, sort and scroll are the scan's).
  // `routing`: only the shards these routing values map to (as _search's).
  static Result<std::unique_ptr<QueryScan>> Start(ApiContext* ctx, NamedIndices indices, std::string_view search_body,
                                                  uint32_t batch, std::vector<std::string> routing = {});
  ~QueryScan();

  // The matches when the scan started.
  uint64_t total() const { return total_; }
  // The next batch; empty at the end.
  Result<std::vector<ScannedDoc>> Next();

 private:
  struct State;
  explicit QueryScan(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
  uint64_t total_ = 0;
};

}  // namespace holdfast
