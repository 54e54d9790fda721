#include "replication/write_block.h"

#include <string>

namespace holdfast {

Status WriteBlock::Check(std::string_view index_name) const {
  if (!on()) return Status::OK();
  return Status::Blocked("index [" + std::string(index_name) +
                         "] blocked by: [TOO_MANY_REQUESTS/12/disk usage exceeded flood-stage watermark, index has "
                         "read-only-allow-delete block];");
}

}  // namespace holdfast
