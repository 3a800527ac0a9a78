// Customer aggregate (stream "customer-<id>"): a tenant's contact in the CRM. Pure Decide/Evolve.
// The phone's uniqueness per tenant is not decided here but by the PhoneClaim aggregate
// (phone_claim.h), which the command handler runs alongside in the same append.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "domain/values.h"

namespace switchboard::domain {

struct Customer {
  std::string id;
  bool exists = false;
  std::string name;
  std::string phone;  // E.164 or ""
  std::string email, address, zip;
  std::vector<std::string> tags;  // sorted, unique
  bool sms_opt_out = false;
  friend bool operator==(const Customer&, const Customer&) = default;
};

// Commands. Text is trimmed; phone is raw user input ("" = none), normalized to E.164.
struct CreateCustomer {
  std::string customer_id;
  std::string name;
  std::string phone;
  std::string email, address, zip;
  std::vector<std::string> tags;
};
// Only present fields change; a present "" clears phone/email/address/zip (name is required).
struct UpdateCustomer {
  std::optional<std::string> name, phone, email, address, zip;
};
struct TagCustomer { std::string tag; };
struct UntagCustomer { std::string tag; };
struct OptOutCustomerSms {};
struct OptInCustomerSms {};

using CustomerCommand =
    std::variant<CreateCustomer, UpdateCustomer, TagCustomer, UntagCustomer, OptOutCustomerSms, OptInCustomerSms>;

// Events (data per domain/EVENTS.md).
struct CustomerCreated {
  static constexpr std::string_view kType = "CustomerCreated";
  std::string customer_id, name, phone, email, address, zip;
  std::vector<std::string> tags;
  friend bool operator==(const CustomerCreated&, const CustomerCreated&) = default;
};
struct CustomerUpdated {  // all fields, after the change
  static constexpr std::string_view kType = "CustomerUpdated";
  std::string customer_id, name, phone, email, address, zip;
  friend bool operator==(const CustomerUpdated&, const CustomerUpdated&) = default;
};
struct CustomerTagged {
  static constexpr std::string_view kType = "CustomerTagged";
  std::string customer_id, tag;
  friend bool operator==(const CustomerTagged&, const CustomerTagged&) = default;
};
struct CustomerUntagged {
  static constexpr std::string_view kType = "CustomerUntagged";
  std::string customer_id, tag;
  friend bool operator==(const CustomerUntagged&, const CustomerUntagged&) = default;
};
struct CustomerOptedOut {
  static constexpr std::string_view kType = "CustomerOptedOut";
  std::string customer_id;
  std::string channel = "sms";
  friend bool operator==(const CustomerOptedOut&, const CustomerOptedOut&) = default;
};
struct CustomerOptedIn {
  static constexpr std::string_view kType = "CustomerOptedIn";
  std::string customer_id;
  std::string channel = "sms";
  friend bool operator==(const CustomerOptedIn&, const CustomerOptedIn&) = default;
};

using CustomerEvent = std::variant<CustomerCreated, CustomerUpdated, CustomerTagged, CustomerUntagged,
                                   CustomerOptedOut, CustomerOptedIn>;

// Field rules: name 1..200 ("name"); phone via PhoneNumber::Parse when non-empty ("phone");
// email "" or local@domain.tld, at most 254 ("email"); zip at most 20 of [A-Za-z0-9 -] ("zip");
// address at most 500 ("address"); tags 1..50 characters, at most 50 ("tags").
// Create on an existing customer: kAlreadyExists (existing_id = its id); the rest on a missing
// one: kNotFound. Commands that change nothing (same update, present tag, absent untag, repeated
// opt-out/in) yield no event.
Result<std::vector<CustomerEvent>, Rejection> Decide(const Customer& state, const CustomerCommand& command);
Customer Evolve(Customer state, const CustomerEvent& event);
Customer Fold(const std::vector<CustomerEvent>& events);

// The single-field rules above, exposed so the API layer can validate query parameters the same way.
Result<std::string, Rejection> NormalizeEmail(std::string_view email);
Result<std::string, Rejection> NormalizeZip(std::string_view zip);

}  // namespace switchboard::domain
