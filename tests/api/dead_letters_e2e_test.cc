// /v1/admin/dead-letters through the real server. The server holds the event log, so the parked
// events are inserted straight into projection_dead_letters (with real envelopes); parking itself
// is covered by tests/projections/engine_dead_letter_test.cc.
#include <gtest/gtest.h>

#include "adapters/postgres/pg_pool.h"
#include "commands/recorded_event.h"
#include "tests/api/e2e_fixture.h"

namespace switchboard::testing {
namespace {

class DeadLettersE2E : public EndToEnd {
 protected:
  // Parks `event` for `projection` as the engine would; returns the dead letter's id.
  std::string Park(const std::string& projection, const commands::RecordedEvent& event) {
    auto conn = adapters::PgConnect(db_.conninfo());
    if (!conn.ok()) return "<no connection: " + conn.error().message + ">";
    auto r = (*conn)->Exec(
        "INSERT INTO projection_dead_letters (projection, partition, event_offset, event_id, tenant_id, stream, type,"
        " envelope, error, sqlstate) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'crm: broken', '22000') RETURNING id::text",
        {projection, std::to_string(event.partition), std::to_string(event.offset), event.event_id, event.tenant_id,
         event.stream, event.type, commands::EncodeEnvelope(event)});
    if (!r.ok()) return "<insert failed: " + r.error().message + ">";
    return *r->rows.at(0).at(0);
  }

  static commands::RecordedEvent Event(const std::string& type, std::int64_t offset, nlohmann::json data) {
    commands::RecordedEvent e;
    e.event_id = "00000000-0000-4000-8000-00000000000" + std::to_string(offset);
    e.type = type;
    e.tenant_id = "00000000-0000-4000-8000-0000000000aa";
    e.stream = "customer-00000000-0000-4000-8000-0000000000bb";
    e.stream_version = 2;
    e.offset = offset;
    e.occurred_at = "2026-11-24T15:04:05.123Z";
    e.recorded_at = e.occurred_at;
    e.actor = {"system", "test"};
    e.data = std::move(data);
    return e;
  }
};

TEST_F(DeadLettersE2E, ListGetRetryAndDiscard) {
  auto empty = admin_->Get("/v1/admin/dead-letters");
  ASSERT_EQ(empty.status, 200) << empty.body;
  EXPECT_EQ(empty.Json()["total"], 0);
  EXPECT_EQ(empty.Json()["limit"], 50);

  // crm skips event types it does not fold, so this one applies on retry.
  const std::string harmless = Park("crm", Event("SomethingElseHappened", 7, {{"x", 1}}));
  // An update of a customer crm never saw fails again, as poison.
  const std::string broken =
      Park("crm", Event("CustomerUpdated", 8, {{"customer_id", "00000000-0000-4000-8000-0000000000bb"}}));

  auto list = admin_->Get("/v1/admin/dead-letters?projection=crm&limit=1");
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(list.Json()["total"], 2);
  ASSERT_EQ(list.Json()["data"].size(), 1u);
  EXPECT_EQ(list.Json()["data"][0]["event_offset"], 7);
  EXPECT_EQ(admin_->Get("/v1/admin/dead-letters?tenant_id=nobody").Json()["total"], 0);

  auto one = admin_->Get("/v1/admin/dead-letters/" + broken);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(one.Json()["type"], "CustomerUpdated");
  EXPECT_EQ(one.Json()["envelope"]["type"], "CustomerUpdated");
  EXPECT_EQ(one.Json()["attempts"], 1);

  // broken (offset 8) is not behind harmless (offset 7): same stream, so it must wait for it.
  auto blocked = admin_->Post("/v1/admin/dead-letters/" + broken + "/retry", nlohmann::json::object());
  EXPECT_EQ(blocked.status, 409) << blocked.body;
  EXPECT_NE(blocked.body.find(harmless), std::string::npos) << blocked.body;

  auto applied = admin_->Post("/v1/admin/dead-letters/" + harmless + "/retry", nlohmann::json::object());
  ASSERT_EQ(applied.status, 200) << applied.body;
  EXPECT_EQ(applied.Json()["outcome"], "applied");
  EXPECT_EQ(admin_->Get("/v1/admin/dead-letters/" + harmless).status, 404);

  auto failed = admin_->Post("/v1/admin/dead-letters/" + broken + "/retry", nlohmann::json::object());
  EXPECT_EQ(failed.status, 409) << failed.body;
  EXPECT_EQ(failed.Header("content-type"), "application/problem+json");
  EXPECT_NE(failed.body.find("never created"), std::string::npos) << failed.body;
  EXPECT_EQ(admin_->Get("/v1/admin/dead-letters/" + broken).Json()["attempts"], 2);

  EXPECT_EQ(admin_->Send("DELETE", "/v1/admin/dead-letters/" + broken).status, 204);
  EXPECT_EQ(admin_->Send("DELETE", "/v1/admin/dead-letters/" + broken).status, 404);
  EXPECT_EQ(admin_->Get("/v1/admin/dead-letters").Json()["total"], 0);
}

TEST_F(DeadLettersE2E, RejectsBadIdsUnknownIdsAndMissingCredentials) {
  const std::string unknown = "/v1/admin/dead-letters/00000000-0000-4000-8000-000000000000";
  EXPECT_EQ(admin_->Get(unknown).status, 404);
  EXPECT_EQ(admin_->Post(unknown + "/retry", nlohmann::json::object()).status, 404);
  EXPECT_EQ(admin_->Send("DELETE", unknown).status, 404);
  EXPECT_EQ(admin_->Get("/v1/admin/dead-letters/not-a-uuid").status, 400);
  EXPECT_EQ(admin_->Get("/v1/admin/dead-letters?limit=0").status, 400);
  HttpClient anonymous(server_->base_url());
  EXPECT_EQ(anonymous.Get("/v1/admin/dead-letters").status, 401);
  EXPECT_EQ(anonymous.Send("DELETE", unknown).status, 401);
}

}  // namespace
}  // namespace switchboard::testing
