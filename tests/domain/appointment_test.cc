// Specification of the Appointment decider: booking rules, the status machine, details.
#include <gtest/gtest.h>

#include "decider_spec.h"
#include "domain/appointment.h"

namespace switchboard::domain {
namespace {

using namespace std::chrono;
using Code = Rejection::Code;
using Spec = testing::DeciderSpec<Appointment, AppointmentEvent>;
Spec Given(std::vector<AppointmentEvent> history = {}) { return Spec(std::move(history)); }

TimePoint T(std::string_view s) { return ParseTime(s).value(); }

// Monday 2026-11-23 07:00 in New York; the shop opens weekdays 08:00-17:00 local (13:00Z-22:00Z).
const TimePoint kNow = T("2026-11-23T12:00:00Z");
const TimePoint kStart = T("2026-11-24T15:00:00Z");  // Tuesday 10:00 local
const TimePoint kEnd = T("2026-11-24T16:00:00Z");
const TimeSlot kSlot{kStart, kEnd};

Schedule Sched(TimePoint now = kNow) {
  Schedule s{now, "America/New_York", {}};
  for (int d = 0; d < 5; ++d) s.hours.days[d] = DayHours{8 * 60, 17 * 60};
  return s;
}

BookAppointment Book() {
  return BookAppointment{"a1", "c1", "AC repair", kStart, kEnd, "1 Main St", 15000, false, {"warranty"}, "Bob", "gate code 42",
                         Sched()};
}
AppointmentBooked Booked() {
  return AppointmentBooked{"a1", "c1", "AC repair", kSlot, "1 Main St", 15000, false, {"warranty"}, "Bob", "gate code 42"};
}

TEST(AppointmentDecider, BooksWithinBusinessHours) { Given().When(Book()).Then({Booked()}); }

TEST(AppointmentDecider, RejectsBookingTwice) {
  auto spec = Given({Booked()});
  spec.When(Book()).ThenRejects(Code::kAlreadyExists, "appointment_id");
  EXPECT_EQ(spec.rejection().existing_id, "a1");
}

TEST(AppointmentDecider, RejectsEndNotAfterStart) {
  auto b = Book();
  b.end = b.start;
  Given().When(b).ThenRejects(Code::kInvalid, "end_time");
  b.end = b.start - minutes{30};
  Given().When(b).ThenRejects(Code::kInvalid, "end_time");
}

TEST(AppointmentDecider, RejectsSlotsLongerThanADay) {
  auto b = Book();
  b.is_emergency = true;
  b.end = b.start + hours{25};
  Given().When(b).ThenRejects(Code::kInvalid, "end_time");
}

TEST(AppointmentDecider, RejectsStartInThePast) {
  auto b = Book();
  b.schedule.now = kStart + milliseconds{1};
  Given().When(b).ThenRejects(Code::kInvalid, "start_time");
  b.schedule.now = kStart;  // starting right now is fine
  auto expected = Booked();
  Given().When(b).Then({expected});
}

TEST(AppointmentDecider, RejectsBookingOutsideBusinessHoursNamingThem) {
  auto b = Book();
  b.start = T("2026-11-24T12:00:00Z");  // 07:00 local
  b.end = T("2026-11-24T13:30:00Z");
  auto spec = Given();
  spec.When(b).ThenRejects(Code::kInvalid, "start_time");
  EXPECT_NE(spec.rejection().message.find("Mon 08:00-17:00"), std::string::npos) << spec.rejection().message;
  EXPECT_NE(spec.rejection().message.find("America/New_York"), std::string::npos) << spec.rejection().message;

  auto weekend = Book();
  weekend.start = T("2026-11-28T15:00:00Z");  // Saturday
  weekend.end = T("2026-11-28T16:00:00Z");
  Given().When(weekend).ThenRejects(Code::kInvalid, "start_time");

  auto late = Book();
  late.start = T("2026-11-24T21:30:00Z");  // 16:30-17:30 local: ends after closing
  late.end = T("2026-11-24T22:30:00Z");
  Given().When(late).ThenRejects(Code::kInvalid, "start_time");
}

TEST(AppointmentDecider, EmergenciesMayBookOutsideBusinessHours) {
  auto b = Book();
  b.is_emergency = true;
  b.start = T("2026-11-28T03:00:00Z");  // Friday night
  b.end = T("2026-11-28T05:00:00Z");
  auto expected = Booked();
  expected.is_emergency = true;
  expected.slot = TimeSlot{b.start, b.end};
  Given().When(b).Then({expected});
}

TEST(AppointmentDecider, EmergenciesStillCannotStartInThePast) {
  auto b = Book();
  b.is_emergency = true;
  b.start = kNow - minutes{1};
  b.end = kNow + hours{1};
  Given().When(b).ThenRejects(Code::kInvalid, "start_time");
}

struct FieldCase {
  const char* what;
  void (*mutate)(BookAppointment&);
  const char* field;
};

TEST(AppointmentDecider, ValidatesBookingFields) {
  const FieldCase cases[] = {
      {"no id", [](BookAppointment& b) { b.appointment_id = ""; }, "appointment_id"},
      {"no customer", [](BookAppointment& b) { b.customer_id = ""; }, "customer_id"},
      {"empty service", [](BookAppointment& b) { b.service_type = "  "; }, "service_type"},
      {"long service", [](BookAppointment& b) { b.service_type = std::string(101, 's'); }, "service_type"},
      {"negative value", [](BookAppointment& b) { b.estimated_value_cents = -1; }, "estimated_value_cents"},
      {"long address", [](BookAppointment& b) { b.address = std::string(501, 'a'); }, "address"},
      {"bad tag", [](BookAppointment& b) { b.tags = {""}; }, "tags"},
      {"long technician", [](BookAppointment& b) { b.technician = std::string(101, 't'); }, "technician"},
      {"long notes", [](BookAppointment& b) { b.notes = std::string(5001, 'n'); }, "notes"},
  };
  for (const auto& k : cases) {
    SCOPED_TRACE(k.what);
    auto b = Book();
    k.mutate(b);
    Given().When(b).ThenRejects(Code::kInvalid, k.field);
  }
}

TEST(AppointmentDecider, CommandsOnAMissingAppointmentAreNotFound) {
  const AppointmentCommand commands[] = {RescheduleAppointment{kStart, kEnd, Sched()}, ConfirmAppointment{},
                                         CancelAppointment{}, CompleteAppointment{}, MarkAppointmentNoShow{kEnd},
                                         AssignTechnician{"Bob"}, ChangeAppointmentDetails{}};
  for (const auto& c : commands) {
    SCOPED_TRACE(c.index());
    Given().When(c).ThenRejects(Code::kNotFound, "");
  }
}

TEST(AppointmentDecider, Reschedules) {
  const TimePoint s = T("2026-11-25T14:00:00Z"), e = T("2026-11-25T15:30:00Z");
  Given({Booked()}).When(RescheduleAppointment{s, e, Sched()}).Then({AppointmentRescheduled{"a1", {s, e}}});
}

TEST(AppointmentDecider, RescheduleToTheSameSlotEmitsNothing) {
  Given({Booked()}).When(RescheduleAppointment{kStart, kEnd, Sched()}).ThenNothing();
}

TEST(AppointmentDecider, RescheduleFollowsTheSlotRules) {
  Given({Booked()}).When(RescheduleAppointment{kEnd, kStart, Sched()}).ThenRejects(Code::kInvalid, "end_time");
  Given({Booked()})
      .When(RescheduleAppointment{kStart, kEnd, Sched(kStart + minutes{1})})
      .ThenRejects(Code::kInvalid, "start_time");
  Given({Booked()})
      .When(RescheduleAppointment{T("2026-11-29T15:00:00Z"), T("2026-11-29T16:00:00Z"), Sched()})  // Sunday
      .ThenRejects(Code::kInvalid, "start_time");
}

TEST(AppointmentDecider, EmergencyAppointmentsRescheduleOutsideHours) {
  auto booked = Booked();
  booked.is_emergency = true;
  const TimePoint s = T("2026-11-29T15:00:00Z"), e = T("2026-11-29T16:00:00Z");
  Given({booked}).When(RescheduleAppointment{s, e, Sched()}).Then({AppointmentRescheduled{"a1", {s, e}}});
}

TEST(AppointmentDecider, ConfirmedAppointmentsCanBeRescheduledAndStayConfirmed) {
  const TimePoint s = T("2026-11-25T14:00:00Z"), e = T("2026-11-25T15:00:00Z");
  auto spec = Given({Booked(), AppointmentConfirmed{"a1"}});
  spec.When(RescheduleAppointment{s, e, Sched()}).Then({AppointmentRescheduled{"a1", {s, e}}});
  ASSERT_EQ(spec.events().size(), 1u);
  EXPECT_EQ(Evolve(spec.state(), spec.events()[0]).status, AppointmentStatus::kConfirmed);
}

TEST(AppointmentDecider, Confirms) {
  Given({Booked()}).When(ConfirmAppointment{}).Then({AppointmentConfirmed{"a1"}});
  Given({Booked(), AppointmentConfirmed{"a1"}}).When(ConfirmAppointment{}).ThenNothing();
}

TEST(AppointmentDecider, CancelsFromScheduledOrConfirmed) {
  Given({Booked()}).When(CancelAppointment{" no longer needed "}).Then({AppointmentCancelled{"a1", "no longer needed"}});
  Given({Booked(), AppointmentConfirmed{"a1"}}).When(CancelAppointment{""}).Then({AppointmentCancelled{"a1", ""}});
  Given({Booked()}).When(CancelAppointment{std::string(501, 'r')}).ThenRejects(Code::kInvalid, "reason");
}

TEST(AppointmentDecider, CompletesWithTheEstimateByDefault) {
  Given({Booked()}).When(CompleteAppointment{}).Then({AppointmentCompleted{"a1", 15000}});
  Given({Booked(), AppointmentConfirmed{"a1"}})
      .When(CompleteAppointment{std::int64_t{17250}})
      .Then({AppointmentCompleted{"a1", 17250}});
  Given({Booked()}).When(CompleteAppointment{std::int64_t{0}}).Then({AppointmentCompleted{"a1", 0}});
  Given({Booked()}).When(CompleteAppointment{std::int64_t{-5}}).ThenRejects(Code::kInvalid, "actual_value_cents");
}

TEST(AppointmentDecider, MarksNoShowOnlyOnceTheSlotHasStarted) {
  Given({Booked()}).When(MarkAppointmentNoShow{kStart}).Then({AppointmentMarkedNoShow{"a1"}});
  Given({Booked(), AppointmentConfirmed{"a1"}})
      .When(MarkAppointmentNoShow{kEnd + hours{2}})
      .Then({AppointmentMarkedNoShow{"a1"}});
  Given({Booked()}).When(MarkAppointmentNoShow{kStart - milliseconds{1}}).ThenRejects(Code::kIllegalTransition, "status");
}

TEST(AppointmentDecider, FinalStatesAcceptNoCommand) {
  const std::vector<AppointmentEvent> finals[] = {
      {Booked(), AppointmentCompleted{"a1", 1}},
      {Booked(), AppointmentCancelled{"a1", ""}},
      {Booked(), AppointmentMarkedNoShow{"a1"}},
  };
  ChangeAppointmentDetails change;
  change.notes = "late note";
  const AppointmentCommand commands[] = {
      RescheduleAppointment{T("2026-11-25T14:00:00Z"), T("2026-11-25T15:00:00Z"), Sched()},
      ConfirmAppointment{}, CancelAppointment{}, CompleteAppointment{}, MarkAppointmentNoShow{kEnd},
      AssignTechnician{"Eve"}, change};
  for (const auto& history : finals) {
    for (const auto& c : commands) {
      SCOPED_TRACE(testing::Show(history) + " command " + std::to_string(c.index()));
      Given(history).When(c).ThenRejects(Code::kIllegalTransition, "status");
    }
  }
}

TEST(AppointmentDecider, AssignsAndUnassignsTechnicians) {
  Given({Booked()}).When(AssignTechnician{" Eve "}).Then({AppointmentTechnicianAssigned{"a1", "Eve"}});
  Given({Booked()}).When(AssignTechnician{""}).Then({AppointmentTechnicianAssigned{"a1", ""}});
  Given({Booked()}).When(AssignTechnician{"Bob"}).ThenNothing();
  Given({Booked()}).When(AssignTechnician{std::string(101, 'x')}).ThenRejects(Code::kInvalid, "technician");
}

TEST(AppointmentDecider, ChangesDetailsReportingAllOfThem) {
  ChangeAppointmentDetails c;
  c.service_type = "Furnace check";
  c.estimated_value_cents = 9900;
  c.tags = std::vector<std::string>{"b", "a", "a"};
  Given({Booked()}).When(c).Then(
      {AppointmentDetailsChanged{"a1", "Furnace check", "1 Main St", 9900, false, {"a", "b"}, "gate code 42"}});
}

TEST(AppointmentDecider, DetailsWithoutChangeEmitNothing) {
  Given({Booked()}).When(ChangeAppointmentDetails{}).ThenNothing();
  ChangeAppointmentDetails same;
  same.service_type = " AC repair ";
  same.is_emergency = false;
  Given({Booked()}).When(same).ThenNothing();
}

TEST(AppointmentDecider, DetailsAreValidated) {
  ChangeAppointmentDetails c;
  c.service_type = "";
  Given({Booked()}).When(c).ThenRejects(Code::kInvalid, "service_type");
  ChangeAppointmentDetails v;
  v.estimated_value_cents = -1;
  Given({Booked()}).When(v).ThenRejects(Code::kInvalid, "estimated_value_cents");
}

TEST(AppointmentEvolve, FollowsTheLifecycle) {
  Appointment a = Fold(std::vector<AppointmentEvent>{Booked()});
  EXPECT_EQ(a.status, AppointmentStatus::kScheduled);
  EXPECT_EQ(a.slot, kSlot);
  EXPECT_EQ(a.technician, "Bob");
  a = Evolve(a, AppointmentConfirmed{"a1"});
  EXPECT_EQ(a.status, AppointmentStatus::kConfirmed);
  a = Evolve(a, AppointmentTechnicianAssigned{"a1", "Eve"});
  EXPECT_EQ(a.technician, "Eve");
  a = Evolve(a, AppointmentCompleted{"a1", 123});
  EXPECT_EQ(a.status, AppointmentStatus::kCompleted);
  EXPECT_EQ(a.actual_value_cents, 123);
  const Appointment c = Fold(std::vector<AppointmentEvent>{Booked(), AppointmentCancelled{"a1", "why"}});
  EXPECT_EQ(c.status, AppointmentStatus::kCancelled);
  EXPECT_EQ(c.cancel_reason, "why");
  EXPECT_EQ(Evolve(Fold(std::vector<AppointmentEvent>{Booked()}), AppointmentMarkedNoShow{"a1"}).status,
            AppointmentStatus::kNoShow);
}

TEST(AppointmentStatus, HasStableNames) {
  EXPECT_EQ(ToString(AppointmentStatus::kNone), "none");
  EXPECT_EQ(ToString(AppointmentStatus::kScheduled), "scheduled");
  EXPECT_EQ(ToString(AppointmentStatus::kConfirmed), "confirmed");
  EXPECT_EQ(ToString(AppointmentStatus::kCompleted), "completed");
  EXPECT_EQ(ToString(AppointmentStatus::kCancelled), "cancelled");
  EXPECT_EQ(ToString(AppointmentStatus::kNoShow), "no_show");
  EXPECT_EQ(AppointmentStatusFromString("no_show"), AppointmentStatus::kNoShow);
  EXPECT_FALSE(AppointmentStatusFromString("done").has_value());
  EXPECT_TRUE(IsFinal(AppointmentStatus::kNoShow));
  EXPECT_FALSE(IsFinal(AppointmentStatus::kConfirmed));
}

}  // namespace
}  // namespace switchboard::domain
