// End-to-end fixture: a real `switchboard serve` process on a temp data dir and a fresh
// PostgreSQL database, plus helpers to create tenants and read the event-append counter.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/support/http_client.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_database.h"

namespace switchboard::testing {

struct TenantHandle {
  std::string id;
  std::string api_key;
  std::string owner_token;
  std::string widget_token;
};

class EndToEnd : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(); }

  void StartServer() {
    ServerOptions options;
    options.data_dir = dir_.path();
    options.pg_url = db_.conninfo();
    server_ = std::make_unique<ServerProcess>(options);
    admin_ = std::make_unique<HttpClient>(server_->base_url());
    admin_->SetDefaultHeader("X-Admin-API-Key", "test-admin-key");
  }
  void RestartServer() {
    admin_.reset();
    ASSERT_EQ(server_->Stop(), 0);
    StartServer();
  }

  std::unique_ptr<HttpClient> Client(const std::string& api_key) const {
    auto client = std::make_unique<HttpClient>(server_->base_url());
    client->SetDefaultHeader("X-API-Key", api_key);
    return client;
  }

  // Creates a business open every day 00:00-23:59 UTC unless `body` says otherwise.
  TenantHandle CreateTenant(const std::string& name, nlohmann::json body = nlohmann::json::object()) {
    body["name"] = name;
    if (!body.contains("business_hours")) {
      nlohmann::json hours;
      for (const char* day : {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}) {
        hours[day] = {{"open", "00:00"}, {"close", "23:59"}};
      }
      body["business_hours"] = hours;
    }
    auto reply = admin_->Post("/v1/admin/businesses", body);
    EXPECT_EQ(reply.status, 201) << reply.body;
    auto json = reply.Json();
    return {json.value("id", ""), json.value("api_key", ""), json.value("owner_token", ""),
            json.value("widget_token", "")};
  }

  // Total events appended by the server, from /metrics in JSON.
  double EventsAppended() {
    auto metrics = admin_->Get("/metrics", {{"Accept", "application/json"}}).Json();
    const auto& family = metrics["switchboard_events_appended_total"];
    return family.empty() ? 0.0 : family[0].value("value", 0.0);
  }

  TempDir dir_{"switchboard-e2e-"};
  TestDatabase db_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<HttpClient> admin_;
};

// A start time tomorrow at 15:00 UTC plus `days`, RFC 3339.
std::string FutureTime(int days, int hour = 15, int minute = 0);

}  // namespace switchboard::testing
