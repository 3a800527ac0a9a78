// `switchboard replay` and `switchboard audit` beside a running `switchboard serve` on the same data
// dir: the server holds the RocksDB log, the tools open it read-only (a RocksDB secondary). The
// rebuild moves crm to a new schema blue/green while the server keeps serving and taking writes.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "adapters/postgres/pg_pool.h"
#include "commands/event_log.h"
#include "tests/api/e2e_fixture.h"
#include "tests/support/tool_run.h"

namespace switchboard::testing {
namespace {

class ReplayEndToEnd : public EndToEnd {
 protected:
  std::vector<std::string> Common() const {
    return {"--data-dir", dir_.path(), "--pg-url", db_.conninfo(), "--partitions", "4"};
  }
  ToolRun Replay() {
    auto args = std::vector<std::string>{"replay", "--projection", "crm"};
    for (auto& a : Common()) args.push_back(a);
    return RunTool(args, dir_.path());
  }
  ToolRun Audit(const std::string& tenant, const std::string& stream = "") {
    auto args = std::vector<std::string>{"audit", "--tenant", tenant};
    if (!stream.empty()) {
      args.push_back("--stream");
      args.push_back(stream);
    }
    for (auto& a : Common()) args.push_back(a);
    return RunTool(args, dir_.path());
  }

  // The crm projection's live schema, and whether `schema` exists, straight from PostgreSQL.
  std::string LiveCrmSchema() {
    auto pool = adapters::PgPool::Open(db_.conninfo(), 1);
    if (!pool.ok()) return "<no pool>";
    auto lease = (*pool)->Acquire();
    if (!lease.ok()) return "<no connection>";
    auto r = (**lease)->Exec("SELECT schema_name FROM projection_schemas WHERE projection = 'crm'");
    if (!r.ok() || r->rows.empty()) return "<none>";
    return r->rows[0][0].value_or("<null>");
  }
  bool SchemaExists(const std::string& schema) {
    auto pool = adapters::PgPool::Open(db_.conninfo(), 1);
    if (!pool.ok()) return false;
    auto lease = (*pool)->Acquire();
    if (!lease.ok()) return false;
    auto r = (**lease)->Exec("SELECT 1 FROM information_schema.schemata WHERE schema_name = $1", {schema});
    return r.ok() && !r->rows.empty();
  }

  bool NoSecondaryDirsLeft() const {
    for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
      if (entry.path().filename().string().rfind("log-secondary-", 0) == 0) return false;
    }
    return true;
  }
};

std::vector<nlohmann::json> JsonLines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line, nullptr, false));
  }
  return lines;
}

// Everything a tenant's CRM client can read, for a before/after comparison.
nlohmann::json CrmSnapshot(HttpClient& crm, const std::vector<std::string>& customers,
                           const std::vector<std::string>& appointments) {
  nlohmann::json s;
  s["customers"] = crm.Get("/v1/crm/customers?limit=200").Json();
  s["appointments"] = crm.Get("/v1/crm/appointments?limit=200").Json();
  for (const auto& id : customers) {
    s["customer/" + id] = crm.Get("/v1/crm/customers/" + id).Json();
    s["customer/" + id + "/appointments"] = crm.Get("/v1/crm/customers/" + id + "/appointments").Json();
    s["customer/" + id + "/timeline"] = crm.Get("/v1/crm/customers/" + id + "/timeline").Json();
  }
  for (const auto& id : appointments) s["appointment/" + id] = crm.Get("/v1/crm/appointments/" + id).Json();
  s["search"] = crm.Get("/v1/crm/customers/search?q=Replay").Json();
  return s;
}

TEST_F(ReplayEndToEnd, ReplayRebuildsCrmIntoANewSchemaWhileTheServerServesAndTakesWrites) {
  const auto tenant = CreateTenant("Replay Plumbing", {{"timezone", "UTC"},
                                                       {"services", {{{"name", "Drain cleaning"},
                                                                      {"price_cents", 15000},
                                                                      {"duration_minutes", 90}}}}});
  auto crm = Client(tenant.api_key);
  std::vector<std::string> customers, appointments;
  for (int i = 0; i < 4; ++i) {
    auto c = crm->Post("/v1/crm/customers", {{"name", "Replay Customer " + std::to_string(i)},
                                             {"phone", "+1415555" + std::to_string(1000 + i)},
                                             {"tags", {"replay"}}});
    ASSERT_EQ(c.status, 201) << c.body;
    customers.push_back(c.Json()["id"]);
  }
  for (int i = 0; i < 3; ++i) {
    auto a = crm->Post("/v1/crm/appointments", {{"customer_id", customers[i]},
                                                {"service_type", "Drain cleaning"},
                                                {"start_time", FutureTime(1 + i, 9 + i)},
                                                {"technician", "Mike"}});
    ASSERT_EQ(a.status, 201) << a.body;
    appointments.push_back(a.Json()["id"]);
  }
  ASSERT_EQ(crm->Patch("/v1/crm/appointments/" + appointments[0], {{"status", "confirmed"}}).status, 200);
  ASSERT_EQ(crm->Patch("/v1/crm/customers/" + customers[1], {{"email", "c1@example.com"}}).status, 200);
  const auto before = CrmSnapshot(*crm, customers, appointments);
  ASSERT_EQ(before["customers"]["total"], 4) << before.dump();
  ASSERT_EQ(before["appointments"]["total"], 3) << before.dump();
  ASSERT_EQ(LiveCrmSchema(), "crm_v1");

  // Another tenant keeps writing (and reading its writes back) for the whole rebuild.
  const auto busy = CreateTenant("Busy During Replay");
  std::atomic<bool> replaying{true};
  std::atomic<int> written{0}, write_failures{0};
  std::thread writer([&] {
    auto client = Client(busy.api_key);
    for (int i = 0; replaying.load() || i < 5; ++i) {
      auto c = client->Post("/v1/crm/customers", {{"name", "Busy " + std::to_string(i)}});
      if (c.status != 201 || client->Get("/v1/crm/customers/" + c.Json().value("id", "")).status != 200) {
        write_failures.fetch_add(1);
      } else {
        written.fetch_add(1);
      }
    }
  });

  const ToolRun replay = Replay();
  replaying = false;
  writer.join();

  ASSERT_EQ(replay.exit_code, 0) << "stdout:\n" << replay.out << "\nstderr:\n" << replay.err;
  std::printf("replay beside the server (%d customers written meanwhile):\n%s%s", written.load(), replay.err.c_str(),
              replay.out.c_str());
  EXPECT_NE(replay.err.find("replaying crm_v2"), std::string::npos) << replay.err;
  EXPECT_NE(replay.err.find("done crm_v2"), std::string::npos) << replay.err;
  EXPECT_NE(replay.err.find(" events ("), std::string::npos) << "progress shows event counts: " << replay.err;
  EXPECT_NE(replay.out.find("crm now served from crm_v2"), std::string::npos) << replay.out;
  EXPECT_EQ(LiveCrmSchema(), "crm_v2");
  EXPECT_FALSE(SchemaExists("crm_v1")) << "the old schema is dropped after the switch";
  EXPECT_TRUE(NoSecondaryDirsLeft());

  // The server answers from crm_v2 with the same data...
  EXPECT_EQ(CrmSnapshot(*crm, customers, appointments), before);
  // ...including everything written during the rebuild...
  EXPECT_EQ(write_failures.load(), 0);
  auto busy_list = Client(busy.api_key)->Get("/v1/crm/customers?limit=200").Json();
  EXPECT_EQ(busy_list["total"], written.load()) << busy_list.dump();
  // ...and new writes show up.
  auto added = crm->Post("/v1/crm/customers", {{"name", "Replay Customer After"}});
  ASSERT_EQ(added.status, 201) << added.body;
  auto booked = crm->Post("/v1/crm/appointments", {{"customer_id", added.Json()["id"]},
                                                   {"service_type", "Drain cleaning"},
                                                   {"start_time", FutureTime(6, 14)}});
  ASSERT_EQ(booked.status, 201) << booked.body;
  EXPECT_EQ(crm->Get("/v1/crm/customers?limit=200").Json()["total"], 5);
  EXPECT_EQ(crm->Get("/v1/crm/appointments?limit=200").Json()["total"], 4);
  EXPECT_EQ(crm->Get("/v1/crm/appointments/" + booked.Json()["id"].get<std::string>()).Json(), booked.Json());

  // A second rebuild beside the server moves on to crm_v3.
  const ToolRun again = Replay();
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("crm now served from crm_v3"), std::string::npos) << again.out;
  EXPECT_EQ(crm->Get("/v1/crm/customers?limit=200").Json()["total"], 5);
}

TEST_F(ReplayEndToEnd, AuditPrintsOneTenantsEventsBesideTheServer) {
  const auto tenant = CreateTenant("Audited Co");
  auto crm = Client(tenant.api_key);
  auto customer = crm->Post("/v1/crm/customers", {{"name", "Audit Me"}});
  ASSERT_EQ(customer.status, 201) << customer.body;
  const std::string customer_id = customer.Json()["id"];
  auto booked = crm->Post("/v1/crm/appointments", {{"customer_id", customer_id},
                                                   {"service_type", "Inspection"},
                                                   {"start_time", FutureTime(2, 10)},
                                                   {"end_time", FutureTime(2, 11)}});
  ASSERT_EQ(booked.status, 201) << booked.body;
  ASSERT_EQ(crm->Patch("/v1/crm/customers/" + customer_id, {{"email", "audit@example.com"}}).status, 200);

  // Other tenants, one of them on the audited tenant's partition, so the filter is exercised.
  std::set<std::string> others;
  const int partition = commands::PartitionOf(tenant.id, 4);
  bool neighbour = false;
  for (int i = 0; i < 40 && !neighbour; ++i) {
    const auto other = CreateTenant("Other " + std::to_string(i));
    ASSERT_EQ(Client(other.api_key)->Post("/v1/crm/customers", {{"name", "Not Audited"}}).status, 201);
    others.insert(other.id);
    neighbour = commands::PartitionOf(other.id, 4) == partition;
  }
  ASSERT_TRUE(neighbour) << "no other tenant landed on partition " << partition;

  const ToolRun audit = Audit(tenant.id);
  ASSERT_EQ(audit.exit_code, 0) << audit.err;
  const auto events = JsonLines(audit.out);
  ASSERT_FALSE(events.empty()) << audit.err;
  std::vector<std::string> types;
  std::int64_t last_offset = -1;
  for (const auto& e : events) {
    ASSERT_TRUE(e.is_object()) << audit.out;
    EXPECT_EQ(e.value("tenant_id", ""), tenant.id) << e.dump();
    EXPECT_EQ(others.count(e.value("tenant_id", "")), 0u) << e.dump();
    EXPECT_EQ(e.value("partition", -1), partition);
    EXPECT_GT(e.value("offset", std::int64_t{-1}), last_offset) << "in log order";
    last_offset = e.value("offset", std::int64_t{-1});
    types.push_back(e.value("type", ""));
  }
  EXPECT_EQ(types.front(), "TenantCreated") << audit.out;
  for (const char* type : {"CustomerCreated", "AppointmentBooked"}) {
    EXPECT_NE(std::find(types.begin(), types.end(), type), types.end()) << type << " in\n" << audit.out;
  }
  EXPECT_NE(audit.out.find("audit@example.com"), std::string::npos) << "the latest write is included";

  // One stream: the customer's, versions 1..n.
  const ToolRun stream = Audit(tenant.id, "customer-" + customer_id);
  ASSERT_EQ(stream.exit_code, 0) << stream.err;
  const auto stream_events = JsonLines(stream.out);
  ASSERT_GE(stream_events.size(), 2u) << stream.out;
  for (std::size_t i = 0; i < stream_events.size(); ++i) {
    EXPECT_EQ(stream_events[i].value("stream", ""), "customer-" + customer_id);
    EXPECT_EQ(stream_events[i].value("stream_version", std::int64_t{0}), static_cast<std::int64_t>(i + 1));
  }
  EXPECT_EQ(stream_events[0].value("type", ""), "CustomerCreated");

  // An unknown tenant: nothing, successfully; and the server is unaffected throughout.
  const ToolRun nobody = Audit("t_nobody");
  EXPECT_EQ(nobody.exit_code, 0) << nobody.err;
  EXPECT_TRUE(nobody.out.empty()) << nobody.out;
  EXPECT_TRUE(NoSecondaryDirsLeft());
  EXPECT_EQ(crm->Get("/v1/crm/customers/" + customer_id).status, 200);
  EXPECT_EQ(crm->Post("/v1/crm/customers", {{"name", "Still Writable"}}).status, 201);
}

TEST_F(ReplayEndToEnd, ToolsReportAMissingLogOrAWrongPartitionCount) {
  // The server's log has 4 partitions.
  auto args = std::vector<std::string>{"audit", "--tenant", "t_x", "--data-dir", dir_.path(), "--pg-url",
                                       db_.conninfo(), "--partitions", "8"};
  const ToolRun wrong = RunTool(args, dir_.path());
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("4 partitions"), std::string::npos) << wrong.err;

  TempDir empty{"switchboard-e2e-empty-"};
  args = {"replay", "--projection", "crm", "--data-dir", empty.path(), "--pg-url", db_.conninfo()};
  const ToolRun missing = RunTool(args, dir_.path());
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no event log"), std::string::npos) << missing.err;
  EXPECT_FALSE(std::filesystem::exists(empty.Sub("log"))) << "a read-only tool creates no log";
  EXPECT_TRUE(NoSecondaryDirsLeft());
}

}  // namespace
}  // namespace switchboard::testing
