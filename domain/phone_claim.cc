// PhoneClaim decider and evolver (rules in phone_claim.h).
#include "domain/phone_claim.h"

#include "domain/fold.h"

namespace switchboard::domain {
namespace {

using Events = std::vector<PhoneClaimEvent>;
using Decision = Result<Events, Rejection>;

// Normalizes the phone and checks it belongs to this stream.
Result<std::string, Rejection> StreamPhone(const PhoneClaim& s, std::string_view raw, const std::string& customer_id) {
  auto phone = PhoneNumber::Parse(raw, "phone");
  if (!phone) return MakeErr(std::move(phone).error());
  if (!s.phone.empty() && s.phone != phone->e164()) {
    return MakeErr(Invalid("phone", "the command's phone does not match this phone claim"));
  }
  if (auto r = ValidateId("customer_id", customer_id); !r) return MakeErr(r.error());
  return phone->e164();
}

Decision DecideOn(const PhoneClaim& s, const ClaimPhone& c) {
  auto phone = StreamPhone(s, c.phone, c.customer_id);
  if (!phone) return MakeErr(std::move(phone).error());
  if (s.owner_customer_id == c.customer_id) return Events{};
  if (!s.owner_customer_id.empty()) {
    return MakeErr(AlreadyExists("phone", "a customer with this phone already exists", s.owner_customer_id));
  }
  return Events{CustomerPhoneClaimed{std::move(*phone), c.customer_id}};
}

Decision DecideOn(const PhoneClaim& s, const ReleasePhone& c) {
  auto phone = StreamPhone(s, c.phone, c.customer_id);
  if (!phone) return MakeErr(std::move(phone).error());
  if (s.owner_customer_id.empty() || s.owner_customer_id != c.customer_id) return Events{};
  return Events{CustomerPhoneReleased{std::move(*phone), c.customer_id}};
}

PhoneClaim Apply(PhoneClaim s, const CustomerPhoneClaimed& e) {
  s.phone = e.phone;
  s.owner_customer_id = e.customer_id;
  return s;
}
PhoneClaim Apply(PhoneClaim s, const CustomerPhoneReleased& e) {
  s.phone = e.phone;
  // Only the owner's release frees the phone; a stray release from history changes nothing.
  if (s.owner_customer_id == e.customer_id) s.owner_customer_id.clear();
  return s;
}

}  // namespace

Result<std::vector<PhoneClaimEvent>, Rejection> Decide(const PhoneClaim& state, const PhoneClaimCommand& command) {
  return std::visit([&](const auto& c) { return DecideOn(state, c); }, command);
}

PhoneClaim Evolve(PhoneClaim state, const PhoneClaimEvent& event) {
  return std::visit([&](const auto& e) { return Apply(std::move(state), e); }, event);
}

PhoneClaim Fold(const std::vector<PhoneClaimEvent>& events) { return FoldEvents(PhoneClaim{}, events); }

}  // namespace switchboard::domain
