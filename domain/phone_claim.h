// PhoneClaim aggregate (stream "customer-phone-<e164>"): guarantees one customer per phone per
// tenant. The command handler claims the phone in the same atomic append that creates or updates
// the customer, so two customers racing for a number conflict on this stream's version.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "domain/values.h"

namespace switchboard::domain {

struct PhoneClaim {
  std::string phone;              // E.164; "" before the first claim
  std::string owner_customer_id;  // "" = free
  friend bool operator==(const PhoneClaim&, const PhoneClaim&) = default;
};

struct ClaimPhone {
  std::string phone;  // E.164 (any form PhoneNumber::Parse accepts is normalized)
  std::string customer_id;
};
struct ReleasePhone {
  std::string phone;
  std::string customer_id;
};
using PhoneClaimCommand = std::variant<ClaimPhone, ReleasePhone>;

struct CustomerPhoneClaimed {
  static constexpr std::string_view kType = "CustomerPhoneClaimed";
  std::string phone, customer_id;
  friend bool operator==(const CustomerPhoneClaimed&, const CustomerPhoneClaimed&) = default;
};
struct CustomerPhoneReleased {
  static constexpr std::string_view kType = "CustomerPhoneReleased";
  std::string phone, customer_id;
  friend bool operator==(const CustomerPhoneReleased&, const CustomerPhoneReleased&) = default;
};
using PhoneClaimEvent = std::variant<CustomerPhoneClaimed, CustomerPhoneReleased>;

// Claim by the current owner: no event. Claim of a phone owned by another customer: kAlreadyExists,
// field "phone", existing_id = the owner. Release by anyone but the owner: no event. A command for
// a different phone than the stream's: kInvalid "phone" (a handler bug, caught early).
Result<std::vector<PhoneClaimEvent>, Rejection> Decide(const PhoneClaim& state, const PhoneClaimCommand& command);
PhoneClaim Evolve(PhoneClaim state, const PhoneClaimEvent& event);
PhoneClaim Fold(const std::vector<PhoneClaimEvent>& events);

}  // namespace switchboard::domain
