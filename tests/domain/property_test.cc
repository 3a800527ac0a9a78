// Property tests: for every aggregate, thousands of random command sequences (std::mt19937 with
// fixed seeds; a failure prints its seed and the history so far). After each step the evolved
// state must satisfy the aggregate's invariants; at the end, folding all emitted events from
// scratch must equal the incrementally built state, every event must survive encode -> text ->
// decode, and the state must survive a snapshot round-trip.
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "decider_spec.h"
#include "domain/appointment.h"
#include "domain/customer.h"
#include "domain/phone_claim.h"
#include "domain/technician_calendar.h"
#include "domain/tenant.h"

namespace switchboard::domain {
namespace {

using namespace std::chrono;
using nlohmann::json;
using Code = Rejection::Code;
using Rng = std::mt19937;

constexpr int kRuns = 1000;
constexpr int kMaxSteps = 30;

int Uniform(Rng& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
bool Chance(Rng& rng, int percent) { return Uniform(rng, 0, 99) < percent; }
template <class T>
const T& Pick(Rng& rng, const std::vector<T>& items) {
  return items[static_cast<std::size_t>(Uniform(rng, 0, static_cast<int>(items.size()) - 1))];
}

// What the random sequences exercised, so a generator that stops reaching a path fails the test.
struct Coverage {
  std::set<std::size_t> event_types;  // variant indices emitted
  std::set<Code> rejections;
  int empty_decisions = 0;  // accepted commands that changed nothing
};

// The shared driver. `generate(rng, state)` returns a command; `check(before, command, decision,
// after)` asserts the aggregate's invariants with EXPECT_*; `decode` is the aggregate's decoder.
// Every event type must be emitted at least once over all runs.
template <class State, class Event, class Generate, class Check, class Decode>
Coverage RunSequences(std::uint32_t base_seed, Generate generate, Check check, Decode decode) {
  Coverage coverage;
  for (int run = 0; run < kRuns; ++run) {
    const std::uint32_t seed = base_seed + static_cast<std::uint32_t>(run);
    Rng rng(seed);
    State state{};
    std::vector<Event> history;
    const int steps = Uniform(rng, 1, kMaxSteps);
    for (int step = 0; step < steps; ++step) {
      const auto command = generate(rng, state);
      const State before = state;
      const auto decision = Decide(state, command);
      const auto again = Decide(state, command);
      EXPECT_EQ(decision.ok(), again.ok()) << "Decide is deterministic";
      if (decision.ok()) {
        EXPECT_TRUE(again.ok() && again.value() == decision.value()) << "Decide is deterministic";
        coverage.empty_decisions += decision.value().empty() ? 1 : 0;
        for (const auto& e : decision.value()) {
          coverage.event_types.insert(e.index());
          history.push_back(e);
          state = Evolve(std::move(state), e);
        }
      } else {
        EXPECT_TRUE(!again.ok() && again.error() == decision.error()) << "Decide is deterministic";
        coverage.rejections.insert(decision.error().code);
      }
      check(before, command, decision, state);
      if (::testing::Test::HasFailure()) {
        ADD_FAILURE() << "seed " << seed << " step " << step << " command #" << command.index()
                      << "\nhistory: " << testing::Show(history);
        return coverage;
      }
    }
    EXPECT_TRUE(Fold(history) == state) << "seed " << seed << ": fold from scratch differs\n" << testing::Show(history);
    for (const auto& e : history) {
      const EncodedEvent enc = Encode(e);
      auto back = decode(enc.type, enc.schema_version, json::parse(enc.data.dump()));
      EXPECT_TRUE(back.ok() && back.value() == e) << "seed " << seed << ": " << enc.type << " " << enc.data.dump();
    }
    EXPECT_TRUE(FromSnapshot<State>(json::parse(ToSnapshot(state).dump())) == state)
        << "seed " << seed << ": snapshot " << ToSnapshot(state).dump();
    if (::testing::Test::HasFailure()) return coverage;
  }
  EXPECT_EQ(coverage.event_types.size(), std::variant_size_v<Event>) << "every event type was emitted";
  EXPECT_GT(coverage.empty_decisions, 0) << "some accepted commands changed nothing";
  return coverage;
}

bool Saw(const Coverage& c, std::initializer_list<Code> codes) {
  for (Code code : codes) {
    if (!c.rejections.contains(code)) return false;
  }
  return true;
}

// ---------------- text pools ----------------

const std::vector<std::string> kNames = {"Ada", "  Bob  ", "Zoë Ñúñez", "", " ", std::string(200, 'n'),
                                         std::string(201, 'n'), "bad \xff utf8", "tab\there"};
const std::vector<std::string> kPhones = {"",  "+15551234567", "(555) 123-4567", "555.987.6543", "+44 20 7946 0958",
                                          "12345", "call me", "+1 055 123 4567"};
const std::vector<std::string> kEmails = {"", "ada@example.com", " bob@x.io ", "nope", "a@b@c.d", "x@localhost"};
const std::vector<std::string> kTags = {"vip", " lead ", "a", "b", "c", "", std::string(51, 't'), "vip"};

std::string Hash(Rng& rng) {
  static const std::vector<std::string> kHashes = {std::string(64, 'a'), std::string(64, 'b'), std::string(64, '9'),
                                                   "not-a-hash", std::string(64, 'A')};
  return Pick(rng, kHashes);
}

// ---------------- tenant ----------------

BusinessHours RandomHours(Rng& rng) {
  BusinessHours h;
  for (auto& d : h.days) {
    if (Chance(rng, 30)) continue;
    const int open = Uniform(rng, 0, 1400);
    const int close = Chance(rng, 90) ? Uniform(rng, open + 1, 1440) : Uniform(rng, 0, 1500);  // sometimes invalid
    d = DayHours{open, close};
  }
  return h;
}

std::vector<Service> RandomServices(Rng& rng) {
  static const std::vector<std::string> kServiceNames = {"AC repair", "ac REPAIR", "Tune-up", "", " Install "};
  std::vector<Service> out;
  const int n = Uniform(rng, 0, 3);
  for (int i = 0; i < n; ++i) {
    out.push_back(Service{Pick(rng, kServiceNames), Chance(rng, 95) ? Uniform(rng, 0, 100000) : -1,
                          Chance(rng, 95) ? Uniform(rng, 5, 1440) : Uniform(rng, 0, 4)});
  }
  return out;
}

TenantConfig RandomConfig(Rng& rng) {
  static const std::vector<std::string> kZones = {"UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata",
                                                  "Bad/Zone"};
  return TenantConfig{Pick(rng, kNames), Pick(rng, kZones), RandomHours(rng), RandomServices(rng),
                      Pick(rng, std::vector<int>{-1, 0, 24, 48, 168, 169})};
}

TenantCommand RandomTenantCommand(Rng& rng, const Tenant&) {
  switch (Uniform(rng, 0, 6)) {
    case 0: return CreateTenant{Chance(rng, 95) ? "t1" : "", RandomConfig(rng), Hash(rng), Hash(rng), Hash(rng)};
    case 1: {
      const TenantConfig c = RandomConfig(rng);
      ConfigureTenant cmd;
      if (Chance(rng, 50)) cmd.name = c.name;
      if (Chance(rng, 30)) cmd.timezone = c.timezone;
      if (Chance(rng, 30)) cmd.business_hours = c.business_hours;
      if (Chance(rng, 30)) cmd.services = c.services;
      if (Chance(rng, 30)) cmd.default_reminder_hours = c.default_reminder_hours;
      return cmd;
    }
    case 2: return RotateTenantApiKey{Hash(rng)};
    case 3: return RotateTenantWidgetToken{Hash(rng)};
    case 4: return RotateTenantOwnerToken{Hash(rng)};
    case 5: return SuspendTenant{Pick(rng, kNames)};
    case 6: return ReactivateTenant{};
  }
  return ReactivateTenant{};
}

bool IsHash(const std::string& h) {
  return h.size() == 64 && h.find_first_not_of("0123456789abcdef") == std::string::npos;
}

TEST(TenantProperties, RandomCommandSequencesKeepInvariants) {
  const Coverage c = RunSequences<Tenant, TenantEvent>(
      1000, RandomTenantCommand,
      [](const Tenant& before, const TenantCommand& cmd, const auto& decision, const Tenant& after) {
        if (before.status == TenantStatus::kNone && !std::holds_alternative<CreateTenant>(cmd)) {
          ASSERT_FALSE(decision.ok());
          EXPECT_EQ(decision.error().code, Code::kNotFound);
        }
        if (before.status == TenantStatus::kSuspended && std::holds_alternative<ConfigureTenant>(cmd)) {
          ASSERT_FALSE(decision.ok());
          EXPECT_EQ(decision.error().code, Code::kSuspended);
        }
        if (before.status != TenantStatus::kNone) {
          EXPECT_NE(after.status, TenantStatus::kNone) << "a tenant never disappears";
          EXPECT_EQ(after.id, before.id) << "the id never changes";
        }
        if (after.status != TenantStatus::kNone) {
          auto normalized = NormalizeTenantConfig(after.config);
          EXPECT_TRUE(normalized.ok() && *normalized == after.config) << "the configuration is always valid";
          EXPECT_TRUE(IsHash(after.api_key_hash) && IsHash(after.widget_token_hash) && IsHash(after.owner_token_hash));
        }
        if (decision.ok() && decision.value().empty()) {
          EXPECT_TRUE(before == after);
        }
      },
      DecodeTenantEvent);
  EXPECT_TRUE(Saw(c, {Code::kInvalid, Code::kNotFound, Code::kAlreadyExists, Code::kSuspended,
                      Code::kIllegalTransition}));
}

// ---------------- customer ----------------

CustomerCommand RandomCustomerCommand(Rng& rng, const Customer&) {
  auto maybe = [&](const std::vector<std::string>& pool) -> std::optional<std::string> {
    if (Chance(rng, 60)) return std::nullopt;
    return Pick(rng, pool);
  };
  switch (Uniform(rng, 0, 5)) {
    case 0: {
      std::vector<std::string> tags;
      for (int i = Uniform(rng, 0, 4); i > 0; --i) tags.push_back(Pick(rng, kTags));
      return CreateCustomer{Chance(rng, 95) ? "c1" : "bad id", Pick(rng, kNames), Pick(rng, kPhones),
                            Pick(rng, kEmails), Chance(rng, 95) ? "1 Main St" : std::string(501, 'x'),
                            Pick(rng, std::vector<std::string>{"", "12345", "SW1A 1AA", "bad;zip"}), tags};
    }
    case 1:
      return UpdateCustomer{maybe(kNames), maybe(kPhones), maybe(kEmails),
                            maybe({"", "2 Side St", std::string(501, 'y')}), maybe({"", "99999", "no!"})};
    case 2: return TagCustomer{Pick(rng, kTags)};
    case 3: return UntagCustomer{Pick(rng, kTags)};
    case 4: return OptOutCustomerSms{};
    case 5: return OptInCustomerSms{};
  }
  return OptInCustomerSms{};
}

TEST(CustomerProperties, RandomCommandSequencesKeepInvariants) {
  const Coverage c = RunSequences<Customer, CustomerEvent>(
      2000, RandomCustomerCommand,
      [](const Customer& before, const CustomerCommand& cmd, const auto& decision, const Customer& after) {
        if (!before.exists && !std::holds_alternative<CreateCustomer>(cmd)) {
          ASSERT_FALSE(decision.ok());
          EXPECT_EQ(decision.error().code, Code::kNotFound);
        }
        if (before.exists) {
          EXPECT_TRUE(after.exists);
          EXPECT_EQ(after.id, before.id);
        }
        if (after.exists) {
          EXPECT_FALSE(after.name.empty());
          if (!after.phone.empty()) {
            auto p = PhoneNumber::Parse(after.phone);
            EXPECT_TRUE(p.ok() && p->e164() == after.phone) << "phone is E.164: " << after.phone;
          }
          EXPECT_TRUE(std::is_sorted(after.tags.begin(), after.tags.end()));
          EXPECT_EQ(std::adjacent_find(after.tags.begin(), after.tags.end()), after.tags.end()) << "tags unique";
          EXPECT_LE(after.tags.size(), kMaxTags);
          for (const auto& t : after.tags) EXPECT_TRUE(!t.empty() && t.size() <= kMaxTagChars && t == Trim(t));
          EXPECT_TRUE(IsValidUtf8(after.name));
        }
        if (decision.ok() && decision.value().empty()) {
          EXPECT_TRUE(before == after);
        }
      },
      DecodeCustomerEvent);
  EXPECT_TRUE(Saw(c, {Code::kInvalid, Code::kNotFound, Code::kAlreadyExists}));
}

// ---------------- phone claim ----------------

TEST(PhoneClaimProperties, AtMostOneOwnerAndNoStealing) {
  const std::vector<std::string> same_phone = {"+15551234567", "(555) 123-4567", "1 555 123 4567"};
  const std::vector<std::string> customers = {"c1", "c2", "c3", "c4"};
  const Coverage c = RunSequences<PhoneClaim, PhoneClaimEvent>(
      3000,
      [&](Rng& rng, const PhoneClaim&) -> PhoneClaimCommand {
        const std::string phone = Chance(rng, 95) ? Pick(rng, same_phone) : "+442079460958";
        if (Chance(rng, 60)) return ClaimPhone{phone, Pick(rng, customers)};
        return ReleasePhone{phone, Pick(rng, customers)};
      },
      [](const PhoneClaim& before, const PhoneClaimCommand& cmd, const auto& decision, const PhoneClaim& after) {
        // The model: a phone has one owner or none; only a free phone can be claimed, only its
        // owner can free it.
        std::string expected_owner = before.owner_customer_id;
        if (const auto* claim = std::get_if<ClaimPhone>(&cmd)) {
          if (decision.ok() && before.owner_customer_id.empty()) expected_owner = claim->customer_id;
          if (!before.owner_customer_id.empty() && before.owner_customer_id != claim->customer_id &&
              (before.phone.empty() || PhoneNumber::Parse(claim->phone)->e164() == before.phone)) {
            ASSERT_FALSE(decision.ok()) << "a claim never steals an owned phone";
            EXPECT_EQ(decision.error().code, Code::kAlreadyExists);
            EXPECT_EQ(decision.error().existing_id, before.owner_customer_id);
          }
        } else {
          const auto& release = std::get<ReleasePhone>(cmd);
          if (decision.ok() && release.customer_id == before.owner_customer_id) expected_owner.clear();
        }
        EXPECT_EQ(after.owner_customer_id, expected_owner);
        if (!before.phone.empty()) {
          EXPECT_EQ(after.phone, before.phone) << "the stream's phone never changes";
        }
      },
      DecodePhoneClaimEvent);
  EXPECT_TRUE(Saw(c, {Code::kInvalid, Code::kAlreadyExists}));
}

// ---------------- appointment ----------------

const TimePoint kBase = ParseTime("2026-11-23T00:00:00Z").value();  // a Monday

Schedule RandomSchedule(Rng& rng, TimePoint now) {
  static const std::vector<std::string> kZones = {"UTC", "America/New_York", "Asia/Tokyo", "Nope/Nope"};
  Schedule s{now, Pick(rng, kZones), {}};
  for (int d = 0; d < 7; ++d) {
    if (Chance(rng, 80)) s.hours.days[static_cast<std::size_t>(d)] = DayHours{Uniform(rng, 0, 12) * 60, Uniform(rng, 13, 24) * 60};
  }
  return s;
}

// Times on a 30-minute grid over two weeks, so slots often collide, touch and repeat.
TimePoint RandomTime(Rng& rng) { return kBase + minutes{30 * Uniform(rng, 0, 14 * 48)}; }

struct AppointmentModel {
  TimePoint now = kBase;
};

AppointmentCommand RandomAppointmentCommand(Rng& rng, const Appointment& a, AppointmentModel& model) {
  model.now += minutes{Uniform(rng, 0, 600)};  // the clock only moves forward
  const TimePoint start = Chance(rng, 30) && a.status != AppointmentStatus::kNone ? a.slot.start : RandomTime(rng);
  const TimePoint end = Chance(rng, 90) ? start + minutes{30 * Uniform(rng, 1, 8)} : start - minutes{30};
  switch (Uniform(rng, 0, 7)) {
    case 0: {
      std::vector<std::string> tags;
      for (int i = Uniform(rng, 0, 3); i > 0; --i) tags.push_back(Pick(rng, kTags));
      return BookAppointment{Chance(rng, 97) ? "a1" : "",
                             Chance(rng, 97) ? "c1" : "",
                             Pick(rng, std::vector<std::string>{"AC repair", " Tune-up ", "", std::string(101, 's')}),
                             start,
                             end,
                             "1 Main St",
                             Chance(rng, 95) ? Uniform(rng, 0, 50000) : -1,
                             Chance(rng, 30),
                             tags,
                             Pick(rng, std::vector<std::string>{"", "Bob", "Eve"}),
                             "",
                             RandomSchedule(rng, model.now)};
    }
    case 1: return RescheduleAppointment{start, end, RandomSchedule(rng, model.now)};
    case 2: return ConfirmAppointment{};
    case 3: return CancelAppointment{Pick(rng, kNames)};
    case 4:
      return CompleteAppointment{Chance(rng, 50) ? std::nullopt
                                                 : std::optional<std::int64_t>(Chance(rng, 90) ? Uniform(rng, 0, 9) : -3)};
    case 5: return MarkAppointmentNoShow{model.now};
    case 6: return AssignTechnician{Pick(rng, std::vector<std::string>{"", "Bob", " Eve ", std::string(101, 't')})};
    case 7: {
      ChangeAppointmentDetails c;
      if (Chance(rng, 40)) c.service_type = Pick(rng, std::vector<std::string>{"AC repair", "Heat", ""});
      if (Chance(rng, 30)) c.address = "2 Side St";
      if (Chance(rng, 30)) c.notes = "call first";
      if (Chance(rng, 30)) c.estimated_value_cents = Chance(rng, 90) ? Uniform(rng, 0, 9999) : -1;
      if (Chance(rng, 30)) c.is_emergency = Chance(rng, 50);
      if (Chance(rng, 30)) c.tags = std::vector<std::string>{Pick(rng, kTags)};
      return c;
    }
  }
  return ConfirmAppointment{};
}

bool LegalTransition(AppointmentStatus from, AppointmentStatus to) {
  using S = AppointmentStatus;
  if (from == to) return true;
  switch (from) {
    case S::kNone: return to == S::kScheduled;
    case S::kScheduled: return to == S::kConfirmed || to == S::kCompleted || to == S::kCancelled || to == S::kNoShow;
    case S::kConfirmed: return to == S::kCompleted || to == S::kCancelled || to == S::kNoShow;
    case S::kCompleted:
    case S::kCancelled:
    case S::kNoShow: return false;
  }
  return false;
}

TEST(AppointmentProperties, RandomCommandSequencesKeepInvariants) {
  AppointmentModel model;
  const Coverage c = RunSequences<Appointment, AppointmentEvent>(
      4000,
      [&](Rng& rng, const Appointment& a) {
        if (a.status == AppointmentStatus::kNone) model = AppointmentModel{};  // a new sequence
        return RandomAppointmentCommand(rng, a, model);
      },
      [](const Appointment& before, const AppointmentCommand& cmd, const auto& decision, const Appointment& after) {
        EXPECT_TRUE(LegalTransition(before.status, after.status))
            << ToString(before.status) << " -> " << ToString(after.status);
        if (IsFinal(before.status)) {
          EXPECT_TRUE(after == before) << "a final appointment never changes";
          ASSERT_FALSE(decision.ok());
          if (!std::holds_alternative<BookAppointment>(cmd)) {
            EXPECT_EQ(decision.error().code, Code::kIllegalTransition);
          }
        }
        if (after.status != AppointmentStatus::kNone) {
          EXPECT_TRUE(after.slot.end > after.slot.start && after.slot.end - after.slot.start <= hours{24});
          EXPECT_GE(after.estimated_value_cents, 0);
          EXPECT_FALSE(after.service_type.empty());
          EXPECT_TRUE(std::is_sorted(after.tags.begin(), after.tags.end()));
        }
        if (after.status == AppointmentStatus::kCompleted) {
          EXPECT_TRUE(after.actual_value_cents >= 0);
        }
        // A slot that was (re)set honours the schedule it was set under.
        const Schedule* schedule = nullptr;
        if (const auto* b = std::get_if<BookAppointment>(&cmd)) schedule = &b->schedule;
        if (const auto* r = std::get_if<RescheduleAppointment>(&cmd)) schedule = &r->schedule;
        if (schedule != nullptr && decision.ok() && !decision.value().empty()) {
          EXPECT_GE(after.slot.start, schedule->now);
          EXPECT_TRUE(after.is_emergency || schedule->hours.Contains(after.slot, schedule->timezone));
        }
        if (const auto* n = std::get_if<MarkAppointmentNoShow>(&cmd); n && after.status == AppointmentStatus::kNoShow &&
                                                                      before.status != AppointmentStatus::kNoShow) {
          EXPECT_GE(n->now, after.slot.start) << "no-show only after the start";
        }
        if (decision.ok() && decision.value().empty()) {
          EXPECT_TRUE(before == after);
        }
      },
      DecodeAppointmentEvent);
  EXPECT_TRUE(Saw(c, {Code::kInvalid, Code::kNotFound, Code::kAlreadyExists, Code::kIllegalTransition}));
}

// ---------------- technician calendar ----------------

TEST(TechnicianCalendarProperties, ReservationsNeverOverlap) {
  const Coverage c = RunSequences<TechnicianCalendar, TechnicianCalendarEvent>(
      5000,
      [](Rng& rng, const TechnicianCalendar&) -> TechnicianCalendarCommand {
        const std::string id = "a" + std::to_string(Uniform(rng, 1, 6));
        if (Chance(rng, 70)) {
          const TimePoint start = kBase + minutes{15 * Uniform(rng, 0, 4 * 24)};
          return ReserveTechnicianSlot{"Bob", id, TimeSlot{start, start + minutes{15 * Uniform(rng, 1, 12)}}};
        }
        return ReleaseTechnicianSlot{"Bob", id};
      },
      [](const TechnicianCalendar& before, const TechnicianCalendarCommand& cmd, const auto& decision,
         const TechnicianCalendar& after) {
        for (auto i = after.reservations.begin(); i != after.reservations.end(); ++i) {
          EXPECT_LT(i->second.start, i->second.end);
          for (auto j = std::next(i); j != after.reservations.end(); ++j) {
            EXPECT_FALSE(i->second.Overlaps(j->second)) << i->first << " overlaps " << j->first;
          }
        }
        if (const auto* r = std::get_if<ReserveTechnicianSlot>(&cmd)) {
          bool conflict = false;
          for (const auto& [id, slot] : before.reservations) conflict |= id != r->appointment_id && slot.Overlaps(r->slot);
          EXPECT_EQ(decision.ok(), !conflict) << "rejected exactly when another appointment overlaps";
          if (decision.ok()) {
            EXPECT_EQ(after.reservations.at(r->appointment_id), r->slot);
          }
          if (!decision.ok()) {
            EXPECT_EQ(decision.error().code, Code::kConflict);
          }
        } else {
          EXPECT_FALSE(after.reservations.contains(std::get<ReleaseTechnicianSlot>(cmd).appointment_id));
        }
      },
      DecodeTechnicianCalendarEvent);
  EXPECT_TRUE(Saw(c, {Code::kConflict}));
}

}  // namespace
}  // namespace switchboard::domain
