// Rejection: why the domain refused a command, as a value (never an exception). The API layer maps
// `code` to an HTTP status and `field`/`message` to a problem+json "errors" entry.
#pragma once

#include <string>
#include <string_view>

namespace switchboard::domain {

struct Rejection {
  enum class Code { kInvalid, kNotFound, kAlreadyExists, kIllegalTransition, kSuspended, kConflict };
  Code code = Code::kInvalid;
  std::string field;        // JSON field name the rejection is about, e.g. "phone", "end_time"; may be ""
  std::string message;      // human sentence, e.g. "end_time must be after start_time"
  std::string existing_id;  // kAlreadyExists / kConflict: the id of the entity in the way

  friend bool operator==(const Rejection&, const Rejection&) = default;
};

std::string_view ToString(Rejection::Code code);  // "invalid", "not_found", ...

Rejection Invalid(std::string field, std::string message);
Rejection NotFound(std::string message);
Rejection AlreadyExists(std::string field, std::string message, std::string existing_id);
Rejection IllegalTransition(std::string message);  // field is always "status"
Rejection Suspended(std::string message);
Rejection Conflict(std::string field, std::string message, std::string existing_id);

}  // namespace switchboard::domain
