// Customer decider and evolver (rules in customer.h). One named overload per command and per event.
#include "domain/customer.h"

#include <algorithm>

#include "domain/fold.h"

namespace switchboard::domain {
namespace {

using Events = std::vector<CustomerEvent>;
using Decision = Result<Events, Rejection>;

// The contact fields every create/update carries, validated and normalized together.
struct Contact {
  std::string name, phone, email, address, zip;
  friend bool operator==(const Contact&, const Contact&) = default;
};

Result<std::string, Rejection> NormalizePhone(std::string_view raw) {
  if (Trim(raw).empty()) return std::string();
  auto phone = PhoneNumber::Parse(raw, "phone");
  if (!phone) return MakeErr(std::move(phone).error());
  return phone->e164();
}

Result<Contact, Rejection> NormalizeContact(const Contact& in) {
  auto name = ValidateText("name", in.name, 1, 200);
  if (!name) return MakeErr(std::move(name).error());
  auto phone = NormalizePhone(in.phone);
  if (!phone) return MakeErr(std::move(phone).error());
  auto email = NormalizeEmail(in.email);
  if (!email) return MakeErr(std::move(email).error());
  auto address = ValidateText("address", in.address, 0, 500, Lines::kMulti);
  if (!address) return MakeErr(std::move(address).error());
  auto zip = NormalizeZip(in.zip);
  if (!zip) return MakeErr(std::move(zip).error());
  return Contact{std::move(*name), std::move(*phone), std::move(*email), std::move(*address), std::move(*zip)};
}

Decision RequireExisting(const Customer& c) {
  if (!c.exists) return MakeErr(NotFound("customer not found"));
  return Events{};
}

Decision DecideOn(const Customer& s, const CreateCustomer& c) {
  if (s.exists) return MakeErr(AlreadyExists("customer_id", "a customer with this id already exists", s.id));
  if (auto r = ValidateId("customer_id", c.customer_id); !r) return MakeErr(r.error());
  auto contact = NormalizeContact(Contact{c.name, c.phone, c.email, c.address, c.zip});
  if (!contact) return MakeErr(std::move(contact).error());
  auto tags = NormalizeTags(c.tags);
  if (!tags) return MakeErr(std::move(tags).error());
  auto& k = *contact;
  return Events{CustomerCreated{c.customer_id, std::move(k.name), std::move(k.phone), std::move(k.email),
                                std::move(k.address), std::move(k.zip), std::move(*tags)}};
}

Decision DecideOn(const Customer& s, const UpdateCustomer& c) {
  if (auto r = RequireExisting(s); !r) return r;
  const Contact current{s.name, s.phone, s.email, s.address, s.zip};
  Contact next = current;
  if (c.name) next.name = *c.name;
  if (c.phone) next.phone = *c.phone;
  if (c.email) next.email = *c.email;
  if (c.address) next.address = *c.address;
  if (c.zip) next.zip = *c.zip;
  auto contact = NormalizeContact(next);
  if (!contact) return MakeErr(std::move(contact).error());
  if (*contact == current) return Events{};
  auto& k = *contact;
  return Events{CustomerUpdated{s.id, std::move(k.name), std::move(k.phone), std::move(k.email),
                                std::move(k.address), std::move(k.zip)}};
}

Decision DecideOn(const Customer& s, const TagCustomer& c) {
  if (auto r = RequireExisting(s); !r) return r;
  auto tag = ValidateText("tags", c.tag, 1, kMaxTagChars);
  if (!tag) return MakeErr(Invalid("tags", "a tag must be 1 to 50 characters"));
  if (std::binary_search(s.tags.begin(), s.tags.end(), *tag)) return Events{};
  if (s.tags.size() >= kMaxTags) return MakeErr(Invalid("tags", "at most 50 tags are allowed"));
  return Events{CustomerTagged{s.id, std::move(*tag)}};
}

Decision DecideOn(const Customer& s, const UntagCustomer& c) {
  if (auto r = RequireExisting(s); !r) return r;
  const std::string tag = Trim(c.tag);
  if (!std::binary_search(s.tags.begin(), s.tags.end(), tag)) return Events{};
  return Events{CustomerUntagged{s.id, tag}};
}

Decision DecideOn(const Customer& s, const OptOutCustomerSms&) {
  if (auto r = RequireExisting(s); !r) return r;
  if (s.sms_opt_out) return Events{};
  return Events{CustomerOptedOut{s.id}};
}

Decision DecideOn(const Customer& s, const OptInCustomerSms&) {
  if (auto r = RequireExisting(s); !r) return r;
  if (!s.sms_opt_out) return Events{};
  return Events{CustomerOptedIn{s.id}};
}

Customer Apply(Customer s, const CustomerCreated& e) {
  s.id = e.customer_id;
  s.exists = true;
  s.name = e.name;
  s.phone = e.phone;
  s.email = e.email;
  s.address = e.address;
  s.zip = e.zip;
  s.tags = e.tags;
  // Events are facts: keep the sorted-unique invariant even if a stored event broke it.
  std::sort(s.tags.begin(), s.tags.end());
  s.tags.erase(std::unique(s.tags.begin(), s.tags.end()), s.tags.end());
  return s;
}
Customer Apply(Customer s, const CustomerUpdated& e) {
  s.name = e.name;
  s.phone = e.phone;
  s.email = e.email;
  s.address = e.address;
  s.zip = e.zip;
  return s;
}
Customer Apply(Customer s, const CustomerTagged& e) {
  auto it = std::lower_bound(s.tags.begin(), s.tags.end(), e.tag);
  if (it == s.tags.end() || *it != e.tag) s.tags.insert(it, e.tag);
  return s;
}
Customer Apply(Customer s, const CustomerUntagged& e) {
  auto it = std::lower_bound(s.tags.begin(), s.tags.end(), e.tag);
  if (it != s.tags.end() && *it == e.tag) s.tags.erase(it);
  return s;
}
Customer Apply(Customer s, const CustomerOptedOut&) {
  s.sms_opt_out = true;
  return s;
}
Customer Apply(Customer s, const CustomerOptedIn&) {
  s.sms_opt_out = false;
  return s;
}

}  // namespace

Result<std::string, Rejection> NormalizeEmail(std::string_view raw) {
  auto text = ValidateText("email", raw, 0, 254);
  if (!text) return MakeErr(std::move(text).error());
  const std::string& e = *text;
  if (e.empty()) return e;
  auto bad = [] { return MakeErr(Invalid("email", "email must look like name@example.com")); };
  const auto at = e.find('@');
  if (at == std::string::npos || at == 0 || e.find('@', at + 1) != std::string::npos) return bad();
  if (e.find_first_of(" \t\r\n") != std::string::npos) return bad();
  const std::string_view domain = std::string_view(e).substr(at + 1);
  const auto dot = domain.rfind('.');
  if (domain.empty() || dot == std::string_view::npos || dot == 0 || dot + 1 == domain.size() ||
      domain.front() == '.') {
    return bad();
  }
  return e;
}

Result<std::string, Rejection> NormalizeZip(std::string_view raw) {
  std::string zip = Trim(raw);
  if (zip.size() > 20) return MakeErr(Invalid("zip", "zip must be at most 20 characters"));
  for (char c : zip) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' || c == '-';
    if (!ok) return MakeErr(Invalid("zip", "zip may contain only letters, digits, spaces and -"));
  }
  return zip;
}

Result<std::vector<CustomerEvent>, Rejection> Decide(const Customer& state, const CustomerCommand& command) {
  return std::visit([&](const auto& c) { return DecideOn(state, c); }, command);
}

Customer Evolve(Customer state, const CustomerEvent& event) {
  return std::visit([&](const auto& e) { return Apply(std::move(state), e); }, event);
}

Customer Fold(const std::vector<CustomerEvent>& events) { return FoldEvents(Customer{}, events); }

}  // namespace switchboard::domain
