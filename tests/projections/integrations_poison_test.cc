// The integrations projection reports events it cannot store as poison SQLSTATEs (so the engine
// parks them) instead of throwing out of a projection worker.
#include <gtest/gtest.h>

#include "engine_test_support.h"
#include "projections/engine/dead_letters.h"
#include "projections/integrations/integrations_projection.h"

namespace switchboard::enginetest {
namespace {

RecordedEvent Attempted(nlohmann::json data) {
  RecordedEvent e;
  e.event_id = "ev-1";
  e.type = "WebhookDeliveryAttempted";
  e.tenant_id = "t_1";
  e.stream = "webhook-w1";
  e.stream_version = 2;
  e.occurred_at = "2026-11-24T15:04:05.123Z";
  e.data = std::move(data);
  return e;
}

nlohmann::json AttemptData(const std::string& error) {
  return {{"webhook_id", "w1"}, {"event_id", "e1"}, {"event_type", "CustomerCreated"}, {"attempt", 1},
          {"status_code", 500}, {"error", error}, {"next_attempt_at", "2026-11-24T15:05:05.123Z"}};
}

Result<void, SqlError> ApplyOne(SqlConnection& sql, const RecordedEvent& e) {
  projections::integrations::IntegrationsProjection integrations;
  Query(sql, "CREATE SCHEMA IF NOT EXISTS integrations_t");
  if (auto r = integrations.CreateTables(sql, "integrations_t"); !r.ok()) return r;
  return integrations.Apply(sql, "integrations_t", std::span<const RecordedEvent>(&e, 1));
}

TEST(IntegrationsPoison, InvalidUtf8IsAnEncodingErrorNotAnException) {
  MigratedDatabase db;
  auto sql = Connect(db.conninfo());
  auto r = ApplyOne(*sql, Attempted(AttemptData("bad \xff byte")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().sqlstate, "22021");
  EXPECT_TRUE(projections::IsPoison(r.error()));
  EXPECT_TRUE(ApplyOne(*sql, Attempted(AttemptData("fine"))).ok());
}

TEST(IntegrationsPoison, MalformedDataIsADataException) {
  MigratedDatabase db;
  auto sql = Connect(db.conninfo());
  auto data = AttemptData("x");
  data["attempt"] = "one";
  auto r = ApplyOne(*sql, Attempted(data));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().sqlstate, std::string(projections::kUndecodableEvent));
  EXPECT_TRUE(projections::IsPoison(r.error()));
  EXPECT_FALSE(projections::IsPoison(SqlError{"serialization failure", "40001"}));
  EXPECT_FALSE(projections::IsPoison(SqlError{"connection lost", ""}));
  EXPECT_FALSE(projections::IsPoison(SqlError{"admin shutdown", "57P01"}));
}

}  // namespace
}  // namespace switchboard::enginetest
