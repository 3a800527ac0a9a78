// The OpenAPI 3.1 document, generated from the route table so that it cannot drift from it.
#pragma once

#include <nlohmann/json.hpp>

#include "api/router.h"

namespace switchboard::api {

nlohmann::json OpenApiDocument(const Router& router);

}  // namespace switchboard::api
