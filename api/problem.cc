// Building problem+json bodies.
#include "api/problem.h"

#include <nlohmann/json.hpp>

namespace switchboard::api {
namespace {

std::string TypeFor(int status) {
  switch (status) {
    case 400: return "https://switchboard.dev/problems/bad-request";
    case 401: return "https://switchboard.dev/problems/unauthenticated";
    case 403: return "https://switchboard.dev/problems/forbidden";
    case 404: return "https://switchboard.dev/problems/not-found";
    case 405: return "https://switchboard.dev/problems/method-not-allowed";
    case 409: return "https://switchboard.dev/problems/conflict";
    case 413: return "https://switchboard.dev/problems/payload-too-large";
    case 415: return "https://switchboard.dev/problems/unsupported-media-type";
    case 422: return "https://switchboard.dev/problems/validation";
    case 503: return "https://switchboard.dev/problems/unavailable";
    default: return "about:blank";
  }
}

}  // namespace

HttpResponse Problem(int status, std::string title, std::string detail, std::vector<FieldError> errors) {
  nlohmann::json body = {{"type", TypeFor(status)}, {"title", std::move(title)}, {"status", status},
                         {"detail", std::move(detail)}};
  if (!errors.empty()) {
    auto& list = body["errors"] = nlohmann::json::array();
    for (auto& e : errors) list.push_back({{"field", std::move(e.field)}, {"message", std::move(e.message)}});
  }
  HttpResponse r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = body.dump();
  return r;
}

HttpResponse BadRequest(std::string detail, std::vector<FieldError> errors) {
  return Problem(400, "Bad request", std::move(detail), std::move(errors));
}

HttpResponse Unprocessable(std::vector<FieldError> errors) {
  std::string detail = errors.empty() ? "the request is invalid" : errors.front().field + ": " + errors.front().message;
  return Problem(422, "Validation failed", std::move(detail), std::move(errors));
}

HttpResponse NotFound(std::string what) { return Problem(404, "Not found", std::move(what) + " not found"); }

HttpResponse FromCommandError(const commands::CommandError& error) {
  using Kind = commands::CommandError::Kind;
  using Code = domain::Rejection::Code;
  switch (error.kind) {
    case Kind::kConcurrency:
      return Problem(409, "Conflict", error.message);
    case Kind::kUnavailable: {
      // On Kafka this is also "another node owns the tenant's partition" (requests are not
      // forwarded); a rebalance settles within seconds, so clients retry.
      auto response = Problem(503, "Service unavailable", error.message);
      response.headers.emplace_back("Retry-After", "1");
      return response;
    }
    case Kind::kRejected:
      break;
  }
  const auto& r = error.rejection;
  std::vector<FieldError> fields;
  if (!r.field.empty()) fields.push_back({r.field, r.message});
  switch (r.code) {
    case Code::kInvalid:
      return Problem(422, "Validation failed", r.field.empty() ? r.message : r.field + ": " + r.message,
                     std::move(fields));
    case Code::kNotFound:
      return Problem(404, "Not found", r.message, std::move(fields));
    case Code::kAlreadyExists: {
      auto response = Problem(409, "Already exists", r.message, std::move(fields));
      if (!r.existing_id.empty()) {
        auto body = nlohmann::json::parse(response.body);
        body["existing_id"] = r.existing_id;
        response.body = body.dump();
      }
      return response;
    }
    case Code::kIllegalTransition:
      return Problem(409, "Illegal transition", r.message, std::move(fields));
    case Code::kSuspended:
      return Problem(403, "Tenant suspended", r.message, std::move(fields));
    case Code::kConflict: {
      auto response = Problem(409, "Conflict", r.message, std::move(fields));
      if (!r.existing_id.empty()) {
        auto body = nlohmann::json::parse(response.body);
        body["conflicting_id"] = r.existing_id;
        response.body = body.dump();
      }
      return response;
    }
  }
  return Problem(500, "Internal error", "unhandled rejection");
}

}  // namespace switchboard::api
