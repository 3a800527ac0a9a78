// RFC 9457 problem+json responses: every error the API returns is built here, naming the
// offending fields, so clients can rely on one shape.
#pragma once

#include <string>
#include <vector>

#include "api/http_types.h"
#include "commands/command_pipeline.h"

namespace switchboard::api {

struct FieldError {
  std::string field;
  std::string message;
};

HttpResponse Problem(int status, std::string title, std::string detail, std::vector<FieldError> errors = {});
HttpResponse BadRequest(std::string detail, std::vector<FieldError> errors = {});
HttpResponse Unprocessable(std::vector<FieldError> errors);
HttpResponse NotFound(std::string what);
// Maps a command failure: rejection codes to 4xx, concurrency to 409, unavailability to 503.
HttpResponse FromCommandError(const commands::CommandError& error);

}  // namespace switchboard::api
