// Index management, documents, bulk, _cat and _cluster/health routes.
#include "server/api_context.h"
#include "server/api_errors.h"

namespace holdfast {

IndexRegistry* RequireIndices(ApiContext* ctx, HttpResponse* error) {
  IndexRegistry* r = ctx->indices.load(std::memory_order_acquire);
  if (r == nullptr) {
    *error = ErrorResponse(503, "cluster_block_exception",
                           "blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];");
  }
  return r;
}

void AddIndexApiRoutes(ApiContext* /*ctx*/, HttpRouter* /*router*/) {}

}  // namespace holdfast
