// Bad input gets a problem+json naming the field, and leaves no trace in the event log.
#include "tests/api/e2e_fixture.h"

namespace switchboard::testing {
namespace {

class ValidationEndToEnd : public EndToEnd {
 protected:
  void SetUp() override {
    EndToEnd::SetUp();
    tenant_ = CreateTenant("Validation Co", {{"business_hours",
                                              {{"mon", {{"open", "09:00"}, {"close", "17:00"}}},
                                               {"tue", {{"open", "09:00"}, {"close", "17:00"}}},
                                               {"wed", {{"open", "09:00"}, {"close", "17:00"}}},
                                               {"thu", {{"open", "09:00"}, {"close", "17:00"}}},
                                               {"fri", {{"open", "09:00"}, {"close", "17:00"}}},
                                               {"sat", {{"open", "09:00"}, {"close", "17:00"}}},
                                               {"sun", {{"open", "09:00"}, {"close", "17:00"}}}}}});
    crm_ = Client(tenant_.api_key);
    customer_id_ = crm_->Post("/v1/crm/customers", {{"name", "Valid"}}).Json()["id"].get<std::string>();
  }

  // Sends the request and checks status, problem+json shape, the named field, and no new event.
  void ExpectRejected(const std::string& method, const std::string& path, const std::string& body, long status,
                      const std::string& field) {
    const double before = EventsAppended();
    auto reply = crm_->Send(method, path, body);
    EXPECT_EQ(reply.status, status) << method << " " << path << " " << body << " -> " << reply.body;
    EXPECT_EQ(reply.Header("content-type"), "application/problem+json") << reply.body;
    const auto problem = reply.Json();
    EXPECT_EQ(problem.value("status", 0), status);
    EXPECT_FALSE(problem.value("detail", "").empty());
    if (!field.empty()) {
      bool named = false;
      for (const auto& e : problem.value("errors", nlohmann::json::array())) named = named || e["field"] == field;
      EXPECT_TRUE(named) << "no error names '" << field << "': " << reply.body;
    }
    EXPECT_EQ(EventsAppended(), before) << "a rejected request appended events: " << body;
  }

  TenantHandle tenant_;
  std::unique_ptr<HttpClient> crm_;
  std::string customer_id_;
};

TEST_F(ValidationEndToEnd, MalformedJsonAndWrongShapes) {
  ExpectRejected("POST", "/v1/crm/customers", "{\"name\": ", 400, "");
  ExpectRejected("POST", "/v1/crm/customers", "[1,2]", 400, "");
  ExpectRejected("POST", "/v1/crm/customers", R"({"name": 42})", 422, "name");
  ExpectRejected("POST", "/v1/crm/customers", R"({"name": "X", "nickname": "y"})", 422, "nickname");
  ExpectRejected("POST", "/v1/crm/customers", R"({"phone": "+15551234567"})", 422, "name");
  ExpectRejected("POST", "/v1/crm/customers", R"({"name": "X", "tags": "vip"})", 422, "tags");
}

TEST_F(ValidationEndToEnd, BadPhoneEmailAndZip) {
  ExpectRejected("POST", "/v1/crm/customers", R"({"name": "X", "phone": "call me maybe"})", 422, "phone");
  ExpectRejected("POST", "/v1/crm/customers", R"({"name": "X", "phone": "123"})", 422, "phone");
  ExpectRejected("POST", "/v1/crm/customers", R"({"name": "X", "email": "not-an-email"})", 422, "email");
  ExpectRejected("POST", "/v1/crm/customers", R"({"name": "X", "zip": "<script>"})", 422, "zip");
}

TEST_F(ValidationEndToEnd, AppointmentInvariants) {
  const auto booking = [&](const std::string& start, const std::string& end, bool emergency = false) {
    return nlohmann::json{{"customer_id", customer_id_}, {"service_type", "Repair"}, {"start_time", start},
                          {"end_time", end}, {"is_emergency", emergency}}
        .dump();
  };
  ExpectRejected("POST", "/v1/crm/appointments", booking(FutureTime(1, 11), FutureTime(1, 10)), 422, "end_time");
  ExpectRejected("POST", "/v1/crm/appointments", booking("2020-01-01T10:00:00Z", "2020-01-01T11:00:00Z"), 422,
                 "start_time");
  ExpectRejected("POST", "/v1/crm/appointments", booking(FutureTime(1, 20), FutureTime(1, 21)), 422, "start_time");
  ExpectRejected("POST", "/v1/crm/appointments", booking("tomorrow", FutureTime(1, 11)), 422, "start_time");
  ExpectRejected("POST", "/v1/crm/appointments",
                 nlohmann::json{{"customer_id", "0192f1c2-7a3b-7c4d-8e5f-0123456789ab"}, {"service_type", "Repair"},
                                {"start_time", FutureTime(1, 10)}}
                     .dump(),
                 422, "customer_id");
  ExpectRejected("POST", "/v1/crm/appointments",
                 nlohmann::json{{"customer_id", customer_id_}, {"service_type", "Repair"},
                                {"start_time", FutureTime(1, 10)}, {"estimated_value_cents", -5}}
                     .dump(),
                 422, "estimated_value_cents");
  // Outside business hours is fine for an emergency.
  EXPECT_EQ(crm_->Send("POST", "/v1/crm/appointments", booking(FutureTime(1, 20), FutureTime(1, 21), true)).status,
            201);
}

TEST_F(ValidationEndToEnd, BadIdsAndUnknownIds) {
  ExpectRejected("GET", "/v1/crm/customers/not-a-uuid", "", 400, "id");
  ExpectRejected("PATCH", "/v1/crm/appointments/42", R"({"status": "confirmed"})", 400, "id");
  ExpectRejected("GET", "/v1/crm/customers/0192f1c2-7a3b-7c4d-8e5f-0123456789ab", "", 404, "");
  ExpectRejected("PATCH", "/v1/crm/appointments/0192f1c2-7a3b-7c4d-8e5f-0123456789ab", R"({"status": "confirmed"})",
                 404, "");
  ExpectRejected("PATCH", "/v1/crm/appointments/0192f1c2-7a3b-7c4d-8e5f-0123456789ab", R"({"status": "done"})", 422,
                 "status");
}

TEST_F(ValidationEndToEnd, OversizedBodyIs413) {
  const std::string big = R"({"name": ")" + std::string(1 << 20, 'x') + "\"}";
  const double before = EventsAppended();
  auto reply = crm_->Send("POST", "/v1/crm/customers", big);
  EXPECT_EQ(reply.status, 413) << reply.error;
  EXPECT_EQ(EventsAppended(), before);
}

TEST_F(ValidationEndToEnd, AuthenticationFailures) {
  HttpClient anonymous(server_->base_url());
  EXPECT_EQ(anonymous.Get("/v1/crm/customers").status, 401);
  anonymous.SetDefaultHeader("X-API-Key", "sk_wrong");
  EXPECT_EQ(anonymous.Get("/v1/crm/customers").status, 401);
  HttpClient not_admin(server_->base_url());
  not_admin.SetDefaultHeader("X-Admin-API-Key", "guess");
  EXPECT_EQ(not_admin.Get("/v1/admin/businesses").status, 401);
  EXPECT_EQ(crm_->Get("/v1/admin/businesses").status, 401) << "a tenant key is not an operator key";
  EXPECT_EQ(crm_->Send("DELETE", "/v1/crm/customers").status, 405);
  EXPECT_EQ(crm_->Get("/v1/nothing-here").status, 404);
}

}  // namespace
}  // namespace switchboard::testing
