// Rejection helpers: one constructor per code so call sites read as the rule they enforce.
#include "domain/rejection.h"

#include <utility>

namespace switchboard::domain {

std::string_view ToString(Rejection::Code code) {
  switch (code) {
    case Rejection::Code::kInvalid: return "invalid";
    case Rejection::Code::kNotFound: return "not_found";
    case Rejection::Code::kAlreadyExists: return "already_exists";
    case Rejection::Code::kIllegalTransition: return "illegal_transition";
    case Rejection::Code::kSuspended: return "suspended";
    case Rejection::Code::kConflict: return "conflict";
  }
  return "unknown";
}

Rejection Invalid(std::string field, std::string message) {
  return Rejection{Rejection::Code::kInvalid, std::move(field), std::move(message), {}};
}
Rejection NotFound(std::string message) {
  return Rejection{Rejection::Code::kNotFound, {}, std::move(message), {}};
}
Rejection AlreadyExists(std::string field, std::string message, std::string existing_id) {
  return Rejection{Rejection::Code::kAlreadyExists, std::move(field), std::move(message), std::move(existing_id)};
}
Rejection IllegalTransition(std::string message) {
  return Rejection{Rejection::Code::kIllegalTransition, "status", std::move(message), {}};
}
Rejection Suspended(std::string message) {
  return Rejection{Rejection::Code::kSuspended, "status", std::move(message), {}};
}
Rejection Conflict(std::string field, std::string message, std::string existing_id) {
  return Rejection{Rejection::Code::kConflict, std::move(field), std::move(message), std::move(existing_id)};
}

}  // namespace switchboard::domain
