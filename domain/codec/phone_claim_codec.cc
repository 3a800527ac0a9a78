// PhoneClaim event and snapshot codec (see phone_claim_codec.h; field names per domain/EVENTS.md).
#include "domain/codec/phone_claim_codec.h"

#include <stdexcept>

#include "domain/codec/decode_support.h"
#include "domain/codec/json_reader.h"

namespace switchboard::domain {
namespace {

using nlohmann::json;

json Data(const CustomerPhoneClaimed& e) { return {{"phone", e.phone}, {"customer_id", e.customer_id}}; }
json Data(const CustomerPhoneReleased& e) { return {{"phone", e.phone}, {"customer_id", e.customer_id}}; }

struct Reader {
  CustomerPhoneClaimed operator()(std::type_identity<CustomerPhoneClaimed>, JsonReader& r) const {
    CustomerPhoneClaimed e;
    e.phone = r.String("phone");
    e.customer_id = r.String("customer_id");
    return e;
  }
  CustomerPhoneReleased operator()(std::type_identity<CustomerPhoneReleased>, JsonReader& r) const {
    CustomerPhoneReleased e;
    e.phone = r.String("phone");
    e.customer_id = r.String("customer_id");
    return e;
  }
};

}  // namespace

EncodedEvent Encode(const PhoneClaimEvent& event) {
  return std::visit([](const auto& e) { return EncodedEvent{std::string(e.kType), kCurrentSchemaVersion, Data(e)}; },
                    event);
}

Result<PhoneClaimEvent, Rejection> DecodePhoneClaimEvent(std::string_view type, int schema_version, const json& data) {
  return DecodeByType<PhoneClaimEvent>(type, schema_version, data, Reader{});
}

json ToSnapshot(const PhoneClaim& s) {
  return {{"v", kSnapshotVersion}, {"phone", s.phone}, {"owner_customer_id", s.owner_customer_id}};
}

Result<PhoneClaim, Rejection> PhoneClaimFromSnapshot(const json& snapshot) {
  JsonReader r(snapshot, "snapshot");
  if (r.ok() && r.Int("v") != kSnapshotVersion) r.Fail(Invalid("v", "unsupported snapshot version"));
  PhoneClaim s;
  s.phone = r.String("phone");
  s.owner_customer_id = r.String("owner_customer_id");
  if (!r.ok()) return MakeErr(r.error());
  return s;
}

template <>
PhoneClaim FromSnapshot<PhoneClaim>(const json& snapshot) {
  auto s = PhoneClaimFromSnapshot(snapshot);
  if (!s) throw std::invalid_argument("malformed phone claim snapshot: " + s.error().message);
  return std::move(s).value();
}

}  // namespace switchboard::domain
