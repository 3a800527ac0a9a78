// TechnicianCalendar event and snapshot codec (see technician_calendar_codec.h; per domain/EVENTS.md).
#include "domain/codec/technician_calendar_codec.h"

#include <stdexcept>

#include "domain/codec/decode_support.h"
#include "domain/codec/json_reader.h"

namespace switchboard::domain {
namespace {

using nlohmann::json;

json Data(const TechnicianSlotReserved& e) {
  return {{"technician", e.technician},
          {"appointment_id", e.appointment_id},
          {"start_time", FormatTime(e.slot.start)},
          {"end_time", FormatTime(e.slot.end)}};
}
json Data(const TechnicianSlotReleased& e) {
  return {{"technician", e.technician}, {"appointment_id", e.appointment_id}};
}

struct Reader {
  TechnicianSlotReserved operator()(std::type_identity<TechnicianSlotReserved>, JsonReader& r) const {
    TechnicianSlotReserved e;
    e.technician = r.String("technician");
    e.appointment_id = r.String("appointment_id");
    e.slot.start = r.Time("start_time");
    e.slot.end = r.Time("end_time");
    return e;
  }
  TechnicianSlotReleased operator()(std::type_identity<TechnicianSlotReleased>, JsonReader& r) const {
    TechnicianSlotReleased e;
    e.technician = r.String("technician");
    e.appointment_id = r.String("appointment_id");
    return e;
  }
};

}  // namespace

EncodedEvent Encode(const TechnicianCalendarEvent& event) {
  return std::visit([](const auto& e) { return EncodedEvent{std::string(e.kType), kCurrentSchemaVersion, Data(e)}; },
                    event);
}

Result<TechnicianCalendarEvent, Rejection> DecodeTechnicianCalendarEvent(std::string_view type, int schema_version,
                                                                         const json& data) {
  return DecodeByType<TechnicianCalendarEvent>(type, schema_version, data, Reader{});
}

json ToSnapshot(const TechnicianCalendar& s) {
  json reservations = json::array();
  for (const auto& [appointment_id, slot] : s.reservations) {
    reservations.push_back({{"appointment_id", appointment_id},
                            {"start_time", FormatTime(slot.start)},
                            {"end_time", FormatTime(slot.end)}});
  }
  return {{"v", kSnapshotVersion}, {"reservations", std::move(reservations)}};
}

Result<TechnicianCalendar, Rejection> TechnicianCalendarFromSnapshot(const json& snapshot) {
  JsonReader r(snapshot, "snapshot");
  if (r.ok() && r.Int("v") != kSnapshotVersion) r.Fail(Invalid("v", "unsupported snapshot version"));
  const json* reservations = r.Raw("reservations");
  if (!r.ok()) return MakeErr(r.error());
  if (!reservations->is_array()) return MakeErr(Invalid("reservations", "reservations must be an array"));
  TechnicianCalendar s;
  for (const auto& item : *reservations) {
    JsonReader ir(item, "reservations");
    const std::string id = ir.String("appointment_id");
    TimeSlot slot{ir.Time("start_time"), ir.Time("end_time")};
    if (!ir.ok()) return MakeErr(ir.error());
    s.reservations[id] = slot;
  }
  return s;
}

template <>
TechnicianCalendar FromSnapshot<TechnicianCalendar>(const json& snapshot) {
  auto s = TechnicianCalendarFromSnapshot(snapshot);
  if (!s) throw std::invalid_argument("malformed technician calendar snapshot: " + s.error().message);
  return std::move(s).value();
}

}  // namespace switchboard::domain
