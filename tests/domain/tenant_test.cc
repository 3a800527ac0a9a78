// Specification of the Tenant decider: creation, configuration, credential rotation, suspension.
#include <gtest/gtest.h>

#include "decider_spec.h"
#include "domain/tenant.h"

namespace switchboard::domain {
namespace {

using Code = Rejection::Code;
using Spec = testing::DeciderSpec<Tenant, TenantEvent>;
Spec Given(std::vector<TenantEvent> history = {}) { return Spec(std::move(history)); }

const std::string kApi(64, 'a'), kWidget(64, 'b'), kOwner(64, 'c'), kNewHash(64, 'd');

TenantConfig Config() {
  TenantConfig c;
  c.name = "Cool Air HVAC";
  c.timezone = "America/New_York";
  c.business_hours.days[0] = DayHours{8 * 60, 17 * 60};
  c.services = {{"AC repair", 15000, 90}};
  c.default_reminder_hours = 24;
  return c;
}

TenantCreated Created() { return TenantCreated{"t1", Config(), kApi, kWidget, kOwner}; }
CreateTenant Create() { return CreateTenant{"t1", Config(), kApi, kWidget, kOwner}; }

TEST(TenantDecider, CreatesATenant) { Given().When(Create()).Then({Created()}); }

TEST(TenantDecider, TrimsTheNameOnCreate) {
  auto c = Create();
  c.config.name = "  Cool Air HVAC  ";
  Given().When(c).Then({Created()});
}

TEST(TenantDecider, RejectsCreatingAnExistingTenant) {
  auto spec = Given({Created()});
  spec.When(Create()).ThenRejects(Code::kAlreadyExists, "tenant_id");
  EXPECT_EQ(spec.rejection().existing_id, "t1");
}

TEST(TenantDecider, RejectsAMissingTenantId) {
  auto c = Create();
  c.tenant_id = "";
  Given().When(c).ThenRejects(Code::kInvalid, "tenant_id");
}

TEST(TenantDecider, RejectsHashesThatAreNotSha256Hex) {
  auto c = Create();
  c.api_key_hash = "secret";
  Given().When(c).ThenRejects(Code::kInvalid, "api_key_hash");
  c = Create();
  c.widget_token_hash = std::string(64, 'A');  // uppercase
  Given().When(c).ThenRejects(Code::kInvalid, "widget_token_hash");
  c = Create();
  c.owner_token_hash = std::string(63, 'a');
  Given().When(c).ThenRejects(Code::kInvalid, "owner_token_hash");
}

struct ConfigCase {
  const char* what;
  void (*mutate)(TenantConfig&);
  const char* field;
};

TEST(TenantDecider, ValidatesEveryConfigurationField) {
  const ConfigCase cases[] = {
      {"empty name", [](TenantConfig& c) { c.name = "   "; }, "name"},
      {"long name", [](TenantConfig& c) { c.name = std::string(201, 'n'); }, "name"},
      {"bad timezone", [](TenantConfig& c) { c.timezone = "Moon/Base"; }, "timezone"},
      {"empty timezone", [](TenantConfig& c) { c.timezone = ""; }, "timezone"},
      {"open after close", [](TenantConfig& c) { c.business_hours.days[3] = DayHours{600, 500}; }, "business_hours"},
      {"minute beyond day", [](TenantConfig& c) { c.business_hours.days[3] = DayHours{600, 1500}; }, "business_hours"},
      {"unnamed service", [](TenantConfig& c) { c.services.push_back({"", 1, 60}); }, "services"},
      {"duplicate service", [](TenantConfig& c) { c.services.push_back({"ac REPAIR", 1, 60}); }, "services"},
      {"negative price", [](TenantConfig& c) { c.services[0].price_cents = -1; }, "services"},
      {"short duration", [](TenantConfig& c) { c.services[0].duration_minutes = 4; }, "services"},
      {"long duration", [](TenantConfig& c) { c.services[0].duration_minutes = 1441; }, "services"},
      {"negative reminder", [](TenantConfig& c) { c.default_reminder_hours = -1; }, "default_reminder_hours"},
      {"reminder over a week", [](TenantConfig& c) { c.default_reminder_hours = 169; }, "default_reminder_hours"},
  };
  for (const auto& k : cases) {
    SCOPED_TRACE(k.what);
    auto c = Create();
    k.mutate(c.config);
    Given().When(c).ThenRejects(Code::kInvalid, k.field);
  }
}

TEST(TenantDecider, AcceptsConfigurationBoundaries) {
  auto c = Create();
  c.config.name = std::string(200, 'n');
  c.config.default_reminder_hours = 168;
  c.config.business_hours.days[6] = DayHours{0, 1440};
  c.config.services = {{"Quick", 0, 5}, {"Long", 1, 1440}};
  TenantCreated expected{"t1", c.config, kApi, kWidget, kOwner};
  Given().When(c).Then({expected});
  c.config.default_reminder_hours = expected.config.default_reminder_hours = 0;
  Given().When(c).Then({expected});
}

TEST(TenantDecider, ConfiguresOnlyTheGivenFields) {
  ConfigureTenant cmd;
  cmd.name = "Cooler Air";
  cmd.default_reminder_hours = 48;
  TenantConfig expected = Config();
  expected.name = "Cooler Air";
  expected.default_reminder_hours = 48;
  Given({Created()}).When(cmd).Then({TenantConfigured{expected}});
}

TEST(TenantDecider, ConfigureReplacesHoursAndServices) {
  ConfigureTenant cmd;
  BusinessHours hours;
  hours.days[5] = DayHours{600, 720};
  cmd.business_hours = hours;
  cmd.services = std::vector<Service>{};
  cmd.timezone = "Europe/London";
  TenantConfig expected = Config();
  expected.business_hours = hours;
  expected.services = {};
  expected.timezone = "Europe/London";
  Given({Created()}).When(cmd).Then({TenantConfigured{expected}});
}

TEST(TenantDecider, ConfigureWithoutChangeEmitsNothing) {
  Given({Created()}).When(ConfigureTenant{}).ThenNothing();
  ConfigureTenant same;
  same.name = " Cool Air HVAC ";  // equal after trimming
  same.timezone = "America/New_York";
  Given({Created()}).When(same).ThenNothing();
}

TEST(TenantDecider, ConfigureValidates) {
  ConfigureTenant cmd;
  cmd.timezone = "Nowhere/Land";
  Given({Created()}).When(cmd).ThenRejects(Code::kInvalid, "timezone");
  ConfigureTenant reminder;
  reminder.default_reminder_hours = 500;
  Given({Created()}).When(reminder).ThenRejects(Code::kInvalid, "default_reminder_hours");
}

TEST(TenantDecider, CommandsOnAMissingTenantAreNotFound) {
  const TenantCommand commands[] = {ConfigureTenant{},      RotateTenantApiKey{kNewHash},
                                    RotateTenantWidgetToken{kNewHash}, RotateTenantOwnerToken{kNewHash},
                                    SuspendTenant{"x"},     ReactivateTenant{}};
  for (const auto& c : commands) {
    SCOPED_TRACE(c.index());
    Given().When(c).ThenRejects(Code::kNotFound, "");
  }
}

TEST(TenantDecider, RotatesCredentials) {
  Given({Created()}).When(RotateTenantApiKey{kNewHash}).Then({TenantApiKeyRotated{kNewHash}});
  Given({Created()}).When(RotateTenantWidgetToken{kNewHash}).Then({TenantWidgetTokenRotated{kNewHash}});
  Given({Created()}).When(RotateTenantOwnerToken{kNewHash}).Then({TenantOwnerTokenRotated{kNewHash}});
}

TEST(TenantDecider, RotatingToTheSameHashEmitsNothing) {
  Given({Created()}).When(RotateTenantApiKey{kApi}).ThenNothing();
}

TEST(TenantDecider, RotationRequiresAHash) {
  Given({Created()}).When(RotateTenantApiKey{"plain"}).ThenRejects(Code::kInvalid, "api_key_hash");
  Given({Created()}).When(RotateTenantWidgetToken{""}).ThenRejects(Code::kInvalid, "widget_token_hash");
  Given({Created()}).When(RotateTenantOwnerToken{"x"}).ThenRejects(Code::kInvalid, "owner_token_hash");
}

TEST(TenantDecider, SuspendsAndReactivates) {
  Given({Created()}).When(SuspendTenant{" unpaid "}).Then({TenantSuspended{"unpaid"}});
  Given({Created(), TenantSuspended{"unpaid"}}).When(ReactivateTenant{}).Then({TenantReactivated{}});
}

TEST(TenantDecider, SuspendingTwiceIsAnIllegalTransition) {
  Given({Created(), TenantSuspended{"x"}}).When(SuspendTenant{"y"}).ThenRejects(Code::kIllegalTransition, "status");
}

TEST(TenantDecider, ReactivatingAnActiveTenantIsAnIllegalTransition) {
  Given({Created()}).When(ReactivateTenant{}).ThenRejects(Code::kIllegalTransition, "status");
  Given({Created(), TenantSuspended{"x"}, TenantReactivated{}})
      .When(ReactivateTenant{})
      .ThenRejects(Code::kIllegalTransition, "status");
}

TEST(TenantDecider, SuspendReasonIsBounded) {
  Given({Created()}).When(SuspendTenant{std::string(501, 'r')}).ThenRejects(Code::kInvalid, "reason");
}

TEST(TenantDecider, SuspendedTenantsCannotBeConfigured) {
  ConfigureTenant cmd;
  cmd.name = "New";
  Given({Created(), TenantSuspended{"x"}}).When(cmd).ThenRejects(Code::kSuspended, "status");
}

TEST(TenantDecider, SuspendedTenantsMayRotateCredentials) {
  Given({Created(), TenantSuspended{"x"}}).When(RotateTenantApiKey{kNewHash}).Then({TenantApiKeyRotated{kNewHash}});
  Given({Created(), TenantSuspended{"x"}})
      .When(RotateTenantOwnerToken{kNewHash})
      .Then({TenantOwnerTokenRotated{kNewHash}});
}

TEST(TenantEvolve, BuildsTheStateFromHistory) {
  TenantConfig other = Config();
  other.name = "Renamed";
  const Tenant t = Fold(std::vector<TenantEvent>{Created(), TenantConfigured{other}, TenantApiKeyRotated{kNewHash},
                                                 TenantWidgetTokenRotated{kOwner}, TenantOwnerTokenRotated{kApi},
                                                 TenantSuspended{"x"}});
  EXPECT_EQ(t.id, "t1");
  EXPECT_EQ(t.status, TenantStatus::kSuspended);
  EXPECT_EQ(t.config, other);
  EXPECT_EQ(t.api_key_hash, kNewHash);
  EXPECT_EQ(t.widget_token_hash, kOwner);
  EXPECT_EQ(t.owner_token_hash, kApi);
  EXPECT_EQ(Evolve(t, TenantReactivated{}).status, TenantStatus::kActive);
}

TEST(TenantStatus, HasStableNames) {
  EXPECT_EQ(ToString(TenantStatus::kActive), "active");
  EXPECT_EQ(ToString(TenantStatus::kSuspended), "suspended");
  EXPECT_EQ(ToString(TenantStatus::kNone), "none");
  EXPECT_EQ(TenantStatusFromString("suspended"), TenantStatus::kSuspended);
  EXPECT_FALSE(TenantStatusFromString("gone").has_value());
}

}  // namespace
}  // namespace switchboard::domain
