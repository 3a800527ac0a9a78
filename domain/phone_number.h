// PhoneNumber: a phone number normalized to E.164 ("+15551234567"). The only way to get one is
// Parse, so holding a PhoneNumber means the number passed validation.
#pragma once

#include <string>
#include <string_view>

#include "domain/rejection.h"
#include "domain/result.h"

namespace switchboard::domain {

class PhoneNumber {
 public:
  // Accepts "+15551234567", "(555) 123-4567", "555-123-4567", "1 555 123 4567", "+44 20 7946 0958";
  // separators are space - . ( ). Without '+': 10 digits are North American (+1), or 11 digits
  // starting with 1. With '+': 8..15 digits, first not 0. North American numbers (+1…) have
  // exactly 10 national digits, an area code starting 2-9 and an exchange not starting with 0.
  // Anything else is kInvalid naming `field`.
  static Result<PhoneNumber, Rejection> Parse(std::string_view raw, std::string_view field = "phone");

  const std::string& e164() const { return e164_; }

  friend bool operator==(const PhoneNumber&, const PhoneNumber&) = default;

 private:
  explicit PhoneNumber(std::string e164) : e164_(std::move(e164)) {}
  std::string e164_;
};

}  // namespace switchboard::domain
