// Specification of the JSON codecs: every event's data has exactly the keys of domain/EVENTS.md,
// Decode(Encode(e)) == e for every event type, decoding never throws on bad input, snapshots
// round-trip, and the configuration JSON helpers validate and name their field.
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "decider_spec.h"
#include "domain/codec/codec.h"

namespace switchboard::domain {
namespace {

using nlohmann::json;
using Code = Rejection::Code;

TimePoint T(std::string_view s) { return ParseTime(s).value(); }
const TimeSlot kSlot{T("2026-11-24T15:00:00.250Z"), T("2026-11-24T16:30:00Z")};

TenantConfig Config() {
  TenantConfig c;
  c.name = "Cool Air";
  c.timezone = "America/New_York";
  c.business_hours.days[0] = DayHours{480, 1020};
  c.business_hours.days[5] = DayHours{600, 1440};
  c.services = {{"AC repair", 15000, 90}, {"Tune-up", 0, 30}};
  c.default_reminder_hours = 12;
  return c;
}

std::vector<TenantEvent> TenantSamples() {
  const std::string h(64, 'e');
  return {TenantCreated{"t1", Config(), h, std::string(64, 'f'), std::string(64, '0')},
          TenantConfigured{Config()},
          TenantApiKeyRotated{h},
          TenantWidgetTokenRotated{h},
          TenantOwnerTokenRotated{h},
          TenantSuspended{"unpaid"},
          TenantReactivated{}};
}
std::vector<CustomerEvent> CustomerSamples() {
  return {CustomerCreated{"c1", "Ada", "+15551234567", "a@b.co", "1 Main", "12345", {"a", "vip"}},
          CustomerUpdated{"c1", "Ada L", "", "", "", ""},
          CustomerTagged{"c1", "lead"},
          CustomerUntagged{"c1", "vip"},
          CustomerOptedOut{"c1"},
          CustomerOptedIn{"c1"}};
}
std::vector<PhoneClaimEvent> PhoneClaimSamples() {
  return {CustomerPhoneClaimed{"+15551234567", "c1"}, CustomerPhoneReleased{"+15551234567", "c1"}};
}
std::vector<AppointmentEvent> AppointmentSamples() {
  return {AppointmentBooked{"a1", "c1", "AC repair", kSlot, "1 Main", 15000, true, {"x"}, "Bob", "note\nline"},
          AppointmentRescheduled{"a1", kSlot},
          AppointmentConfirmed{"a1"},
          AppointmentCancelled{"a1", "sick"},
          AppointmentCompleted{"a1", 17250},
          AppointmentMarkedNoShow{"a1"},
          AppointmentTechnicianAssigned{"a1", ""},
          AppointmentDetailsChanged{"a1", "Tune-up", "2 Main", 0, false, {}, ""}};
}
std::vector<TechnicianCalendarEvent> TechnicianSamples() {
  return {TechnicianSlotReserved{"Bob", "a1", kSlot}, TechnicianSlotReleased{"Bob", "a1"}};
}

// Encodes, dumps to text and parses back (as the log does), then decodes.
template <class Event, class Decode>
void ExpectRoundTrip(const std::vector<Event>& samples, Decode decode) {
  std::set<std::size_t> covered;
  for (const auto& e : samples) {
    covered.insert(e.index());
    const EncodedEvent enc = Encode(e);
    EXPECT_EQ(enc.schema_version, 1);
    EXPECT_EQ(enc.type, EventType(e));
    const json reparsed = json::parse(enc.data.dump());
    auto back = decode(enc.type, enc.schema_version, reparsed);
    ASSERT_TRUE(back.ok()) << enc.type << ": " << back.error().message;
    EXPECT_TRUE(*back == e) << enc.type << " " << enc.data.dump() << " -> " << Encode(*back).data.dump();
  }
  EXPECT_EQ(covered.size(), std::variant_size_v<Event>) << "a sample per event type";
}

TEST(EventCodec, EveryTenantEventRoundTrips) { ExpectRoundTrip(TenantSamples(), DecodeTenantEvent); }
TEST(EventCodec, EveryCustomerEventRoundTrips) { ExpectRoundTrip(CustomerSamples(), DecodeCustomerEvent); }
TEST(EventCodec, EveryPhoneClaimEventRoundTrips) { ExpectRoundTrip(PhoneClaimSamples(), DecodePhoneClaimEvent); }
TEST(EventCodec, EveryAppointmentEventRoundTrips) { ExpectRoundTrip(AppointmentSamples(), DecodeAppointmentEvent); }
TEST(EventCodec, EveryTechnicianCalendarEventRoundTrips) {
  ExpectRoundTrip(TechnicianSamples(), DecodeTechnicianCalendarEvent);
}

std::set<std::string> Keys(const json& j) {
  std::set<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.insert(k);
  return keys;
}

// The catalogue, key for key (domain/EVENTS.md).
TEST(EventCodec, DataKeysFollowTheCatalogue) {
  const std::map<std::string, std::set<std::string>> catalogue = {
      {"TenantCreated",
       {"tenant_id", "name", "timezone", "business_hours", "services", "default_reminder_hours", "api_key_hash",
        "widget_token_hash", "owner_token_hash"}},
      {"TenantConfigured", {"name", "timezone", "business_hours", "services", "default_reminder_hours"}},
      {"TenantApiKeyRotated", {"api_key_hash"}},
      {"TenantWidgetTokenRotated", {"widget_token_hash"}},
      {"TenantOwnerTokenRotated", {"owner_token_hash"}},
      {"TenantSuspended", {"reason"}},
      {"TenantReactivated", {}},
      {"CustomerCreated", {"customer_id", "name", "phone", "email", "address", "zip", "tags"}},
      {"CustomerUpdated", {"customer_id", "name", "phone", "email", "address", "zip"}},
      {"CustomerTagged", {"customer_id", "tag"}},
      {"CustomerUntagged", {"customer_id", "tag"}},
      {"CustomerOptedOut", {"customer_id", "channel"}},
      {"CustomerOptedIn", {"customer_id", "channel"}},
      {"CustomerPhoneClaimed", {"phone", "customer_id"}},
      {"CustomerPhoneReleased", {"phone", "customer_id"}},
      {"AppointmentBooked",
       {"appointment_id", "customer_id", "service_type", "start_time", "end_time", "address",
        "estimated_value_cents", "is_emergency", "tags", "technician", "notes"}},
      {"AppointmentRescheduled", {"appointment_id", "start_time", "end_time"}},
      {"AppointmentConfirmed", {"appointment_id"}},
      {"AppointmentCancelled", {"appointment_id", "reason"}},
      {"AppointmentCompleted", {"appointment_id", "actual_value_cents"}},
      {"AppointmentMarkedNoShow", {"appointment_id"}},
      {"AppointmentTechnicianAssigned", {"appointment_id", "technician"}},
      {"AppointmentDetailsChanged",
       {"appointment_id", "service_type", "address", "estimated_value_cents", "is_emergency", "tags", "notes"}},
      {"TechnicianSlotReserved", {"technician", "appointment_id", "start_time", "end_time"}},
      {"TechnicianSlotReleased", {"technician", "appointment_id"}},
  };
  std::vector<EncodedEvent> all;
  for (const auto& e : TenantSamples()) all.push_back(Encode(e));
  for (const auto& e : CustomerSamples()) all.push_back(Encode(e));
  for (const auto& e : PhoneClaimSamples()) all.push_back(Encode(e));
  for (const auto& e : AppointmentSamples()) all.push_back(Encode(e));
  for (const auto& e : TechnicianSamples()) all.push_back(Encode(e));
  std::set<std::string> seen;
  for (const auto& enc : all) {
    ASSERT_TRUE(catalogue.contains(enc.type)) << enc.type;
    EXPECT_TRUE(enc.data.is_object()) << enc.type;
    EXPECT_EQ(Keys(enc.data), catalogue.at(enc.type)) << enc.type << " " << enc.data.dump();
    seen.insert(enc.type);
  }
  EXPECT_EQ(seen.size(), catalogue.size());
}

TEST(EventCodec, WritesTheCatalogueValueFormats) {
  const auto booked = Encode(AppointmentSamples()[0]).data;
  EXPECT_EQ(booked["start_time"], "2026-11-24T15:00:00.250Z");
  EXPECT_EQ(booked["end_time"], "2026-11-24T16:30:00.000Z");
  EXPECT_EQ(booked["estimated_value_cents"], 15000);
  EXPECT_EQ(booked["is_emergency"], true);
  const auto created = Encode(TenantSamples()[0]).data;
  EXPECT_EQ(created["business_hours"]["mon"], (json{{"open", "08:00"}, {"close", "17:00"}}));
  EXPECT_EQ(created["business_hours"]["sat"], (json{{"open", "10:00"}, {"close", "24:00"}}));
  EXPECT_TRUE(created["business_hours"]["sun"].is_null());
  EXPECT_EQ(created["services"][0], (json{{"name", "AC repair"}, {"price_cents", 15000}, {"duration_minutes", 90}}));
  EXPECT_EQ(Encode(CustomerSamples()[4]).data["channel"], "sms");
  EXPECT_EQ(Encode(TenantSamples()[6]).data, json::object());
}

TEST(EventCodec, UnknownTypesAndVersionsAreRejected) {
  auto unknown = DecodeCustomerEvent("CustomerTeleported", 1, json::object());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, Code::kInvalid);
  EXPECT_EQ(unknown.error().field, "type");
  // A type of another aggregate is unknown here.
  EXPECT_FALSE(DecodeTenantEvent("CustomerCreated", 1, Encode(CustomerSamples()[0]).data).ok());
  auto version = DecodeAppointmentEvent("AppointmentConfirmed", 2, json{{"appointment_id", "a1"}});
  ASSERT_FALSE(version.ok());
  EXPECT_EQ(version.error().field, "schema_version");
}

TEST(EventCodec, MalformedDataIsRejectedNamingTheFieldNeverThrown) {
  struct Case {
    const char* type;
    json data;
    const char* field;
  };
  json booked = Encode(AppointmentSamples()[0]).data;
  json bad_time = booked;
  bad_time["start_time"] = "yesterday";
  json bad_value = booked;
  bad_value["estimated_value_cents"] = "lots";
  json float_value = booked;
  float_value["estimated_value_cents"] = 1.5;
  json huge_value = booked;
  huge_value["estimated_value_cents"] = std::uint64_t{1} << 63;
  json bad_tags = booked;
  bad_tags["tags"] = json::array({1});
  json missing = booked;
  missing.erase("customer_id");
  json bad_bool = booked;
  bad_bool["is_emergency"] = "yes";
  const Case cases[] = {
      {"AppointmentBooked", bad_time, "start_time"},
      {"AppointmentBooked", bad_value, "estimated_value_cents"},
      {"AppointmentBooked", float_value, "estimated_value_cents"},
      {"AppointmentBooked", huge_value, "estimated_value_cents"},
      {"AppointmentBooked", bad_tags, "tags"},
      {"AppointmentBooked", missing, "customer_id"},
      {"AppointmentBooked", bad_bool, "is_emergency"},
      {"AppointmentBooked", json::array(), "data"},
      {"AppointmentBooked", json(nullptr), "data"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.data.dump());
    auto r = DecodeAppointmentEvent(c.type, 1, c.data);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Code::kInvalid);
    EXPECT_EQ(r.error().field, c.field);
  }
  json tenant = Encode(TenantSamples()[1]).data;
  tenant["business_hours"]["mon"] = json{{"open", "8am"}, {"close", "17:00"}};
  auto r = DecodeTenantEvent("TenantConfigured", 1, tenant);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "business_hours");
  tenant = Encode(TenantSamples()[1]).data;
  tenant["services"] = json{{"name", "x"}};
  EXPECT_EQ(DecodeTenantEvent("TenantConfigured", 1, tenant).error().field, "services");
}

TEST(EventCodec, DecodingChecksShapesNotBusinessRules) {
  // Stored events stay readable even if they break today's rules (e.g. an empty name).
  json data = Encode(CustomerSamples()[1]).data;
  data["name"] = "";
  auto r = DecodeCustomerEvent("CustomerUpdated", 1, data);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<CustomerUpdated>(*r).name, "");
}

// ---- snapshots ----

template <class State>
void ExpectSnapshotRoundTrip(const State& state) {
  const json snap = json::parse(ToSnapshot(state).dump());
  EXPECT_EQ(snap["v"], 1);
  const State back = FromSnapshot<State>(snap);
  EXPECT_TRUE(back == state) << snap.dump();
}

TEST(Snapshot, EveryAggregateRoundTrips) {
  ExpectSnapshotRoundTrip(Fold(TenantSamples()));
  ExpectSnapshotRoundTrip(Tenant{});
  ExpectSnapshotRoundTrip(Fold(CustomerSamples()));
  ExpectSnapshotRoundTrip(Customer{});
  ExpectSnapshotRoundTrip(Fold(std::vector<PhoneClaimEvent>{PhoneClaimSamples()[0]}));
  ExpectSnapshotRoundTrip(PhoneClaim{});
  auto appointment = Fold(std::vector<AppointmentEvent>{AppointmentSamples()[0], AppointmentCancelled{"a1", "r"}});
  ExpectSnapshotRoundTrip(appointment);
  appointment.actual_value_cents = 42;
  ExpectSnapshotRoundTrip(appointment);
  ExpectSnapshotRoundTrip(Appointment{});
  ExpectSnapshotRoundTrip(Fold(std::vector<TechnicianCalendarEvent>{
      TechnicianSlotReserved{"Bob", "a1", kSlot},
      TechnicianSlotReserved{"Bob", "a2", TimeSlot{kSlot.end, kSlot.end + std::chrono::hours{1}}}}));
  ExpectSnapshotRoundTrip(TechnicianCalendar{});
}

TEST(Snapshot, MalformedSnapshotsAreReportedNotSilentlyAccepted) {
  EXPECT_FALSE(TenantFromSnapshot(json::object()).ok());
  EXPECT_FALSE(CustomerFromSnapshot(json{{"v", 2}}).ok());
  json a = ToSnapshot(Appointment{});
  a["status"] = "teleported";
  EXPECT_EQ(AppointmentFromSnapshot(a).error().field, "status");
  EXPECT_THROW(FromSnapshot<Appointment>(a), std::invalid_argument);
  EXPECT_FALSE(TechnicianCalendarFromSnapshot(json{{"v", 1}, {"reservations", 3}}).ok());
  EXPECT_FALSE(PhoneClaimFromSnapshot(json::array()).ok());
}

// ---- configuration JSON (shared with the HTTP layer) ----

TEST(ValuesJson, BusinessHoursRoundTrip) {
  const auto hours = Config().business_hours;
  auto back = BusinessHoursFromJson(ToJson(hours));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, hours);
}

TEST(ValuesJson, BusinessHoursMissingDaysAreClosed) {
  auto h = BusinessHoursFromJson(json{{"tue", {{"open", "09:00"}, {"close", "12:30"}}}});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->days[1], (DayHours{540, 750}));
  EXPECT_FALSE(h->days[0].has_value());
}

TEST(ValuesJson, BusinessHoursRejectionsNameTheField) {
  const json bad[] = {
      json::array(),
      json("9-5"),
      json{{"monday", nullptr}},
      json{{"mon", {{"open", "09:00"}}}},
      json{{"mon", {{"open", 9}, {"close", 17}}}},
      json{{"mon", {{"open", "17:00"}, {"close", "09:00"}}}},
      json{{"mon", {{"open", "09:00"}, {"close", "25:00"}}}},
      json{{"mon", {{"open", "09:00"}, {"close", "17:00"}, {"lunch", "12:00"}}}},
  };
  for (const auto& j : bad) {
    auto r = BusinessHoursFromJson(j, "hours");
    ASSERT_FALSE(r.ok()) << j.dump();
    EXPECT_EQ(r.error().code, Code::kInvalid);
    EXPECT_EQ(r.error().field, "hours") << j.dump();
  }
  EXPECT_EQ(BusinessHoursFromJson(json::array()).error().field, "business_hours");
}

TEST(ValuesJson, ServicesParseWithDefaultsAndValidate) {
  auto s = ServicesFromJson(json::array({{{"name", " Fix "}}, {{"name", "Check"}, {"price_cents", 500}, {"duration_minutes", 15}}}));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, (std::vector<Service>{{"Fix", 0, 60}, {"Check", 500, 15}}));
  const json bad[] = {
      json::object(),
      json::array({1}),
      json::array({{{"price_cents", 1}}}),
      json::array({{{"name", "x"}, {"price_cents", "1"}}}),
      json::array({{{"name", "x"}, {"price_cents", 1.5}}}),
      json::array({{{"name", "x"}, {"price_cents", -1}}}),
      json::array({{{"name", "x"}, {"duration_minutes", 2}}}),
      json::array({{{"name", "x"}}, {{"name", "X"}}}),
  };
  for (const auto& j : bad) {
    auto r = ServicesFromJson(j);
    ASSERT_FALSE(r.ok()) << j.dump();
    EXPECT_EQ(r.error().field, "services") << j.dump();
  }
}

TEST(ValuesJson, TenantConfigRoundTripsAndValidates) {
  auto c = TenantConfigFromJson(ToJson(Config()));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, Config());
  json bad = ToJson(Config());
  bad["timezone"] = "Atlantis/Capital";
  EXPECT_EQ(TenantConfigFromJson(bad).error().field, "timezone");
  bad = ToJson(Config());
  bad.erase("name");
  EXPECT_EQ(TenantConfigFromJson(bad).error().field, "name");
  bad = ToJson(Config());
  bad["default_reminder_hours"] = 1e10;
  EXPECT_EQ(TenantConfigFromJson(bad).error().field, "default_reminder_hours");
}

TEST(JsonReader, ReportsOnlyTheFirstProblem) {
  const json object{{"a", 1}, {"b", "x"}};
  JsonReader r(object);
  EXPECT_EQ(r.String("a"), "");
  EXPECT_EQ(r.Int64("b"), 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "a");
}

}  // namespace
}  // namespace switchboard::domain
