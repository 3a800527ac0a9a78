// Phone number normalization to E.164 (see phone_number.h for the accepted shapes).
#include "domain/phone_number.h"

namespace switchboard::domain {
namespace {

// The exchange rule is "does not start with 0" rather than NANP's "2-9": the fictional numbers
// used everywhere (555-123-4567) have exchange 123, and rejecting them would surprise users.
bool ValidNanp(std::string_view national) {
  return national.size() == 10 && national[0] >= '2' && national[3] != '0';
}

}  // namespace

Result<PhoneNumber, Rejection> PhoneNumber::Parse(std::string_view raw, std::string_view field) {
  const std::string f(field);
  auto bad = [&](std::string message) { return MakeErr(Invalid(f, std::move(message))); };
  if (raw.size() > 40) return bad(f + " is too long");

  std::size_t i = 0;
  while (i < raw.size() && raw[i] == ' ') ++i;
  bool plus = false;
  if (i < raw.size() && raw[i] == '+') {
    plus = true;
    ++i;
  }
  std::string digits;
  for (; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
    } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') {
      return bad(f + " must contain only digits, spaces and - . ( ) separators");
    }
  }
  if (digits.empty()) return bad(f + " is required");

  if (plus) {
    if (digits.size() < 8 || digits.size() > 15 || digits[0] == '0') {
      return bad(f + " must be an E.164 number: + then 8 to 15 digits, not starting with 0");
    }
    if (digits[0] == '1' && !ValidNanp(std::string_view(digits).substr(1))) {
      return bad(f + " is not a valid North American number");
    }
    return PhoneNumber("+" + digits);
  }
  if (digits.size() == 11 && digits[0] == '1') digits.erase(0, 1);
  if (digits.size() != 10) {
    return bad(f + " must be a 10-digit North American number or start with + and a country code");
  }
  if (!ValidNanp(digits)) return bad(f + " is not a valid North American number");
  return PhoneNumber("+1" + digits);
}

}  // namespace switchboard::domain
