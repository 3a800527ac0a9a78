// Customer event and snapshot codec (see customer_codec.h; field names per domain/EVENTS.md).
#include "domain/codec/customer_codec.h"

#include <stdexcept>

#include "domain/codec/decode_support.h"
#include "domain/codec/json_reader.h"

namespace switchboard::domain {
namespace {

using nlohmann::json;

json Data(const CustomerCreated& e) {
  return {{"customer_id", e.customer_id}, {"name", e.name}, {"phone", e.phone}, {"email", e.email},
          {"address", e.address},         {"zip", e.zip},   {"tags", e.tags}};
}
json Data(const CustomerUpdated& e) {
  return {{"customer_id", e.customer_id}, {"name", e.name},       {"phone", e.phone},
          {"email", e.email},             {"address", e.address}, {"zip", e.zip}};
}
json Data(const CustomerTagged& e) { return {{"customer_id", e.customer_id}, {"tag", e.tag}}; }
json Data(const CustomerUntagged& e) { return {{"customer_id", e.customer_id}, {"tag", e.tag}}; }
json Data(const CustomerOptedOut& e) { return {{"customer_id", e.customer_id}, {"channel", e.channel}}; }
json Data(const CustomerOptedIn& e) { return {{"customer_id", e.customer_id}, {"channel", e.channel}}; }

struct Reader {
  CustomerCreated operator()(std::type_identity<CustomerCreated>, JsonReader& r) const {
    CustomerCreated e;
    e.customer_id = r.String("customer_id");
    e.name = r.String("name");
    e.phone = r.String("phone");
    e.email = r.String("email");
    e.address = r.String("address");
    e.zip = r.String("zip");
    e.tags = r.Strings("tags");
    return e;
  }
  CustomerUpdated operator()(std::type_identity<CustomerUpdated>, JsonReader& r) const {
    CustomerUpdated e;
    e.customer_id = r.String("customer_id");
    e.name = r.String("name");
    e.phone = r.String("phone");
    e.email = r.String("email");
    e.address = r.String("address");
    e.zip = r.String("zip");
    return e;
  }
  CustomerTagged operator()(std::type_identity<CustomerTagged>, JsonReader& r) const {
    CustomerTagged e;
    e.customer_id = r.String("customer_id");
    e.tag = r.String("tag");
    return e;
  }
  CustomerUntagged operator()(std::type_identity<CustomerUntagged>, JsonReader& r) const {
    CustomerUntagged e;
    e.customer_id = r.String("customer_id");
    e.tag = r.String("tag");
    return e;
  }
  CustomerOptedOut operator()(std::type_identity<CustomerOptedOut>, JsonReader& r) const {
    CustomerOptedOut e;
    e.customer_id = r.String("customer_id");
    e.channel = r.String("channel");
    return e;
  }
  CustomerOptedIn operator()(std::type_identity<CustomerOptedIn>, JsonReader& r) const {
    CustomerOptedIn e;
    e.customer_id = r.String("customer_id");
    e.channel = r.String("channel");
    return e;
  }
};

}  // namespace

EncodedEvent Encode(const CustomerEvent& event) {
  return std::visit([](const auto& e) { return EncodedEvent{std::string(e.kType), kCurrentSchemaVersion, Data(e)}; },
                    event);
}

Result<CustomerEvent, Rejection> DecodeCustomerEvent(std::string_view type, int schema_version, const json& data) {
  return DecodeByType<CustomerEvent>(type, schema_version, data, Reader{});
}

json ToSnapshot(const Customer& c) {
  return {{"v", kSnapshotVersion}, {"id", c.id},           {"exists", c.exists},
          {"name", c.name},        {"phone", c.phone},     {"email", c.email},
          {"address", c.address},  {"zip", c.zip},         {"tags", c.tags},
          {"sms_opt_out", c.sms_opt_out}};
}

Result<Customer, Rejection> CustomerFromSnapshot(const json& snapshot) {
  JsonReader r(snapshot, "snapshot");
  if (r.ok() && r.Int("v") != kSnapshotVersion) r.Fail(Invalid("v", "unsupported snapshot version"));
  Customer c;
  c.id = r.String("id");
  c.exists = r.Bool("exists");
  c.name = r.String("name");
  c.phone = r.String("phone");
  c.email = r.String("email");
  c.address = r.String("address");
  c.zip = r.String("zip");
  c.tags = r.Strings("tags");
  c.sms_opt_out = r.Bool("sms_opt_out");
  if (!r.ok()) return MakeErr(r.error());
  return c;
}

template <>
Customer FromSnapshot<Customer>(const json& snapshot) {
  auto c = CustomerFromSnapshot(snapshot);
  if (!c) throw std::invalid_argument("malformed customer snapshot: " + c.error().message);
  return std::move(c).value();
}

}  // namespace switchboard::domain
