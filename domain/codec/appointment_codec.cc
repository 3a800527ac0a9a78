// Appointment event and snapshot codec (see appointment_codec.h; field names per domain/EVENTS.md).
#include "domain/codec/appointment_codec.h"

#include <stdexcept>

#include "domain/codec/decode_support.h"
#include "domain/codec/json_reader.h"

namespace switchboard::domain {
namespace {

using nlohmann::json;

json Data(const AppointmentBooked& e) {
  return {{"appointment_id", e.appointment_id},
          {"customer_id", e.customer_id},
          {"service_type", e.service_type},
          {"start_time", FormatTime(e.slot.start)},
          {"end_time", FormatTime(e.slot.end)},
          {"address", e.address},
          {"estimated_value_cents", e.estimated_value_cents},
          {"is_emergency", e.is_emergency},
          {"tags", e.tags},
          {"technician", e.technician},
          {"notes", e.notes}};
}
json Data(const AppointmentRescheduled& e) {
  return {{"appointment_id", e.appointment_id},
          {"start_time", FormatTime(e.slot.start)},
          {"end_time", FormatTime(e.slot.end)}};
}
json Data(const AppointmentConfirmed& e) { return {{"appointment_id", e.appointment_id}}; }
json Data(const AppointmentCancelled& e) { return {{"appointment_id", e.appointment_id}, {"reason", e.reason}}; }
json Data(const AppointmentCompleted& e) {
  return {{"appointment_id", e.appointment_id}, {"actual_value_cents", e.actual_value_cents}};
}
json Data(const AppointmentMarkedNoShow& e) { return {{"appointment_id", e.appointment_id}}; }
json Data(const AppointmentTechnicianAssigned& e) {
  return {{"appointment_id", e.appointment_id}, {"technician", e.technician}};
}
json Data(const AppointmentDetailsChanged& e) {
  return {{"appointment_id", e.appointment_id},
          {"service_type", e.service_type},
          {"address", e.address},
          {"estimated_value_cents", e.estimated_value_cents},
          {"is_emergency", e.is_emergency},
          {"tags", e.tags},
          {"notes", e.notes}};
}

struct Reader {
  AppointmentBooked operator()(std::type_identity<AppointmentBooked>, JsonReader& r) const {
    AppointmentBooked e;
    e.appointment_id = r.String("appointment_id");
    e.customer_id = r.String("customer_id");
    e.service_type = r.String("service_type");
    e.slot.start = r.Time("start_time");
    e.slot.end = r.Time("end_time");
    e.address = r.String("address");
    e.estimated_value_cents = r.Int64("estimated_value_cents");
    e.is_emergency = r.Bool("is_emergency");
    e.tags = r.Strings("tags");
    e.technician = r.String("technician");
    e.notes = r.String("notes");
    return e;
  }
  AppointmentRescheduled operator()(std::type_identity<AppointmentRescheduled>, JsonReader& r) const {
    AppointmentRescheduled e;
    e.appointment_id = r.String("appointment_id");
    e.slot.start = r.Time("start_time");
    e.slot.end = r.Time("end_time");
    return e;
  }
  AppointmentConfirmed operator()(std::type_identity<AppointmentConfirmed>, JsonReader& r) const {
    return {r.String("appointment_id")};
  }
  AppointmentCancelled operator()(std::type_identity<AppointmentCancelled>, JsonReader& r) const {
    AppointmentCancelled e;
    e.appointment_id = r.String("appointment_id");
    e.reason = r.String("reason");
    return e;
  }
  AppointmentCompleted operator()(std::type_identity<AppointmentCompleted>, JsonReader& r) const {
    AppointmentCompleted e;
    e.appointment_id = r.String("appointment_id");
    e.actual_value_cents = r.Int64("actual_value_cents");
    return e;
  }
  AppointmentMarkedNoShow operator()(std::type_identity<AppointmentMarkedNoShow>, JsonReader& r) const {
    return {r.String("appointment_id")};
  }
  AppointmentTechnicianAssigned operator()(std::type_identity<AppointmentTechnicianAssigned>, JsonReader& r) const {
    AppointmentTechnicianAssigned e;
    e.appointment_id = r.String("appointment_id");
    e.technician = r.String("technician");
    return e;
  }
  AppointmentDetailsChanged operator()(std::type_identity<AppointmentDetailsChanged>, JsonReader& r) const {
    AppointmentDetailsChanged e;
    e.appointment_id = r.String("appointment_id");
    e.service_type = r.String("service_type");
    e.address = r.String("address");
    e.estimated_value_cents = r.Int64("estimated_value_cents");
    e.is_emergency = r.Bool("is_emergency");
    e.tags = r.Strings("tags");
    e.notes = r.String("notes");
    return e;
  }
};

}  // namespace

EncodedEvent Encode(const AppointmentEvent& event) {
  return std::visit([](const auto& e) { return EncodedEvent{std::string(e.kType), kCurrentSchemaVersion, Data(e)}; },
                    event);
}

Result<AppointmentEvent, Rejection> DecodeAppointmentEvent(std::string_view type, int schema_version,
                                                           const json& data) {
  return DecodeByType<AppointmentEvent>(type, schema_version, data, Reader{});
}

json ToSnapshot(const Appointment& a) {
  return {{"v", kSnapshotVersion},
          {"id", a.id},
          {"customer_id", a.customer_id},
          {"service_type", a.service_type},
          {"start_time", FormatTime(a.slot.start)},
          {"end_time", FormatTime(a.slot.end)},
          {"address", a.address},
          {"estimated_value_cents", a.estimated_value_cents},
          {"actual_value_cents", a.actual_value_cents ? json(*a.actual_value_cents) : json(nullptr)},
          {"is_emergency", a.is_emergency},
          {"tags", a.tags},
          {"technician", a.technician},
          {"notes", a.notes},
          {"cancel_reason", a.cancel_reason},
          {"status", ToString(a.status)}};
}

Result<Appointment, Rejection> AppointmentFromSnapshot(const json& snapshot) {
  JsonReader r(snapshot, "snapshot");
  if (r.ok() && r.Int("v") != kSnapshotVersion) r.Fail(Invalid("v", "unsupported snapshot version"));
  Appointment a;
  a.id = r.String("id");
  a.customer_id = r.String("customer_id");
  a.service_type = r.String("service_type");
  a.slot.start = r.Time("start_time");
  a.slot.end = r.Time("end_time");
  a.address = r.String("address");
  a.estimated_value_cents = r.Int64("estimated_value_cents");
  a.actual_value_cents = r.OptionalInt64("actual_value_cents");
  a.is_emergency = r.Bool("is_emergency");
  a.tags = r.Strings("tags");
  a.technician = r.String("technician");
  a.notes = r.String("notes");
  a.cancel_reason = r.String("cancel_reason");
  const std::string status = r.String("status");
  if (!r.ok()) return MakeErr(r.error());
  auto st = AppointmentStatusFromString(status);
  if (!st) return MakeErr(Invalid("status", "unknown appointment status"));
  a.status = *st;
  return a;
}

template <>
Appointment FromSnapshot<Appointment>(const json& snapshot) {
  auto a = AppointmentFromSnapshot(snapshot);
  if (!a) throw std::invalid_argument("malformed appointment snapshot: " + a.error().message);
  return std::move(a).value();
}

}  // namespace switchboard::domain
