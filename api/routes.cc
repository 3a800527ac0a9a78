// Helpers shared by the route files.
#include "api/routes.h"

namespace switchboard::api {

HttpResponse JsonResponse(int status, const nlohmann::json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump();
  return r;
}

std::optional<HttpResponse> CheckId(const std::string& id, const std::string& field) {
  if (commands::IsUuid(id)) return std::nullopt;
  return BadRequest(field + " must be a UUID such as 0192f1c2-7a3b-7c4d-8e5f-0123456789ab",
                    {{field, "is not a UUID"}});
}

}  // namespace switchboard::api
