// _search, _count and scroll routes.
#include "server/api_context.h"

namespace holdfast {

void AddSearchApiRoutes(ApiContext* /*ctx*/, HttpRouter* /*router*/) {}

}  // namespace holdfast
