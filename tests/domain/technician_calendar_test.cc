// Specification of the TechnicianCalendar decider (no overlapping slots) and its stream naming.
#include <gtest/gtest.h>

#include "decider_spec.h"
#include "domain/technician_calendar.h"

namespace switchboard::domain {
namespace {

using namespace std::chrono;
using Code = Rejection::Code;
using Spec = testing::DeciderSpec<TechnicianCalendar, TechnicianCalendarEvent>;
Spec Given(std::vector<TechnicianCalendarEvent> history = {}) { return Spec(std::move(history)); }

TimePoint T(std::string_view s) { return ParseTime(s).value(); }
TimeSlot Slot(std::string_view a, std::string_view b) { return TimeSlot{T(a), T(b)}; }

const TimeSlot kTen = Slot("2026-11-24T10:00:00Z", "2026-11-24T11:00:00Z");
const TimeSlot kEleven = Slot("2026-11-24T11:00:00Z", "2026-11-24T12:00:00Z");
const TimeSlot kTenThirty = Slot("2026-11-24T10:30:00Z", "2026-11-24T11:30:00Z");

TEST(TechnicianKey, LowercasesAndReplacesSpaces) {
  EXPECT_EQ(TechnicianKey("Bob Smith"), "bob_smith");
  EXPECT_EQ(TechnicianKey("  ANNA  "), "anna");
  EXPECT_EQ(TechnicianKey("Mary Jo Ann"), "mary_jo_ann");
}

TEST(TechnicianCalendarStreams, OneStreamPerUtcDayTouched) {
  EXPECT_EQ(TechnicianCalendarStreams("Bob Smith", kTen),
            (std::vector<std::string>{"technician-bob_smith-2026-11-24"}));
  EXPECT_EQ(TechnicianCalendarStreams("Bob", Slot("2026-11-24T23:00:00Z", "2026-11-25T01:00:00Z")),
            (std::vector<std::string>{"technician-bob-2026-11-24", "technician-bob-2026-11-25"}));
  // Half-open: ending exactly at midnight does not touch the next day.
  EXPECT_EQ(TechnicianCalendarStreams("Bob", Slot("2026-11-24T23:00:00Z", "2026-11-25T00:00:00Z")),
            (std::vector<std::string>{"technician-bob-2026-11-24"}));
  // A full 24 hours from noon touches two days; from midnight exactly one.
  EXPECT_EQ(TechnicianCalendarStreams("Bob", Slot("2026-12-31T12:00:00Z", "2027-01-01T12:00:00Z")),
            (std::vector<std::string>{"technician-bob-2026-12-31", "technician-bob-2027-01-01"}));
  EXPECT_EQ(TechnicianCalendarStreams("Bob", Slot("2026-11-24T00:00:00Z", "2026-11-25T00:00:00Z")).size(), 1u);
}

TEST(TechnicianCalendarDecider, ReservesAFreeSlot) {
  Given().When(ReserveTechnicianSlot{"Bob", "a1", kTen}).Then({TechnicianSlotReserved{"Bob", "a1", kTen}});
}

TEST(TechnicianCalendarDecider, AdjacentSlotsDoNotConflict) {
  Given({TechnicianSlotReserved{"Bob", "a1", kTen}})
      .When(ReserveTechnicianSlot{"Bob", "a2", kEleven})
      .Then({TechnicianSlotReserved{"Bob", "a2", kEleven}});
}

TEST(TechnicianCalendarDecider, OverlapIsAConflictNamingTheOtherAppointment) {
  auto spec = Given({TechnicianSlotReserved{"Bob", "a1", kTen}});
  spec.When(ReserveTechnicianSlot{"Bob", "a2", kTenThirty}).ThenRejects(Code::kConflict, "technician");
  EXPECT_EQ(spec.rejection().existing_id, "a1");
  EXPECT_NE(spec.rejection().message.find("a1"), std::string::npos);
}

TEST(TechnicianCalendarDecider, ReservingTheSameSlotAgainEmitsNothing) {
  Given({TechnicianSlotReserved{"Bob", "a1", kTen}}).When(ReserveTechnicianSlot{"Bob", "a1", kTen}).ThenNothing();
}

TEST(TechnicianCalendarDecider, ReReservingAnAppointmentReplacesItsSlot) {
  // The appointment's own old slot does not conflict with its new one.
  auto spec = Given({TechnicianSlotReserved{"Bob", "a1", kTen}});
  spec.When(ReserveTechnicianSlot{"Bob", "a1", kTenThirty}).Then({TechnicianSlotReserved{"Bob", "a1", kTenThirty}});
  ASSERT_EQ(spec.events().size(), 1u);
  const auto next = Evolve(spec.state(), spec.events()[0]);
  EXPECT_EQ(next.reservations.size(), 1u);
  EXPECT_EQ(next.reservations.at("a1"), kTenThirty);
}

TEST(TechnicianCalendarDecider, ValidatesTheReservation) {
  Given().When(ReserveTechnicianSlot{"", "a1", kTen}).ThenRejects(Code::kInvalid, "technician");
  Given().When(ReserveTechnicianSlot{"Bob", "", kTen}).ThenRejects(Code::kInvalid, "appointment_id");
  Given().When(ReserveTechnicianSlot{"Bob", "a1", TimeSlot{kTen.end, kTen.start}}).ThenRejects(Code::kInvalid, "end_time");
}

TEST(TechnicianCalendarDecider, ReleasesAReservation) {
  Given({TechnicianSlotReserved{"Bob", "a1", kTen}})
      .When(ReleaseTechnicianSlot{"Bob", "a1"})
      .Then({TechnicianSlotReleased{"Bob", "a1"}});
  Given().When(ReleaseTechnicianSlot{"Bob", "a1"}).ThenNothing();
}

TEST(TechnicianCalendarDecider, ReleasedSlotsCanBeTakenByOthers) {
  Given({TechnicianSlotReserved{"Bob", "a1", kTen}, TechnicianSlotReleased{"Bob", "a1"}})
      .When(ReserveTechnicianSlot{"Bob", "a2", kTenThirty})
      .Then({TechnicianSlotReserved{"Bob", "a2", kTenThirty}});
}

}  // namespace
}  // namespace switchboard::domain
