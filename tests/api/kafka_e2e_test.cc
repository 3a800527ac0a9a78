// Switchboard on the Kafka event log, end to end: two `serve` processes and two `project` processes on
// one Kafka-protocol cluster (librdkafka's mock, 3 brokers, over TCP) and one PostgreSQL database.
// The writer group splits the partitions between the serves; a request for a tenant whose partition
// the other node owns is answered 503 + Retry-After (not forwarded), and the same request with the
// same Idempotency-Key succeeds on the owner. Every acknowledged command is in the log exactly once
// and visible in PostgreSQL; when a serve stops, the other takes its partitions over.
#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "commands/event_log.h"
#include "tests/api/e2e_fixture.h"
#include "tests/support/kafka_mock_cluster.h"
#include "tests/support/tool_run.h"
#include "tests/support/webhook_receiver.h"

namespace switchboard::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kPartitions = 4;

class KafkaEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(kafka_.CreateTopic("switchboard.events", kPartitions)); }

  std::vector<std::string> KafkaArgs(const std::string& node) const {
    return {"--event-log", "kafka", "--kafka-brokers", kafka_.bootstraps(), "--node-id", node};
  }
  std::unique_ptr<ServerProcess> Start(const std::string& command, const std::string& node, const TempDir& dir) {
    ServerOptions options;
    options.command = command;
    options.data_dir = dir.path();
    options.pg_url = db_.conninfo();
    options.partitions = kPartitions;
    options.extra_args = KafkaArgs(node);
    return std::make_unique<ServerProcess>(options);
  }

  // Sends the request to the nodes in turn until one accepts it (the others answer 503 while they
  // do not own the tenant's partition, and during rebalances); the reply and the node index.
  std::pair<HttpReply, int> SendToOwner(const std::vector<HttpClient*>& nodes, const std::string& path,
                                        const nlohmann::json& body, const std::string& key) {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    HttpReply reply;
    for (int round = 0; std::chrono::steady_clock::now() < deadline; ++round) {
      for (std::size_t i = 0; i < nodes.size(); ++i) {
        reply = nodes[i]->Post(path, body, {{"Idempotency-Key", key}});
        if (reply.status != 503) return {reply, static_cast<int>(i)};
        ++refusals_;
        EXPECT_EQ(reply.Header("retry-after"), "1") << "a refusal tells the client when to retry";
        EXPECT_EQ(reply.Header("content-type"), "application/problem+json");
        if (reply.body.find("owned by node") != std::string::npos) ++refusals_naming_owner_;
      }
      std::this_thread::sleep_for(200ms);
    }
    return {reply, -1};
  }

  // After a 202 the tenant's key authenticates only once the read model has the tenant: waits for it.
  bool TenantVisible(HttpClient& node, const HttpReply& created) {
    if (created.status != 202) return true;
    const std::string path = "/v1/admin/businesses/" + created.Json()["id"].get<std::string>();
    for (int i = 0; i < 60; ++i) {
      auto read = node.Get(path, {{"X-Consistency-Token", created.Header("x-consistency-token")}});
      if (read.status == 200) return true;
      std::this_thread::sleep_for(500ms);
    }
    return false;
  }

  // The tenant's events, from `switchboard audit` reading Kafka (read-only, beside the serves).
  std::vector<nlohmann::json> AuditEvents(const std::string& tenant_id) {
    std::vector<std::string> args = {"audit", "--tenant", tenant_id, "--data-dir", tool_dir_.path(),
                                     "--pg-url", db_.conninfo(), "--partitions", std::to_string(kPartitions)};
    for (auto& a : KafkaArgs("audit")) args.push_back(a);
    const ToolRun run = RunTool(args, tool_dir_.path());
    EXPECT_EQ(run.exit_code, 0) << run.err;
    std::vector<nlohmann::json> events;
    std::size_t start = 0;
    while (start < run.out.size()) {
      const std::size_t end = run.out.find('\n', start);
      const std::string line = run.out.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (!line.empty()) events.push_back(nlohmann::json::parse(line));
      if (end == std::string::npos) break;
      start = end + 1;
    }
    return events;
  }

  KafkaMockCluster kafka_;
  TestDatabase db_;
  TempDir dir_a_{"switchboard-kafka-a-"}, dir_b_{"switchboard-kafka-b-"}, dir_p_{"switchboard-kafka-p-"},
      dir_q_{"switchboard-kafka-q-"};
  TempDir tool_dir_{"switchboard-kafka-tool-"};
  int refusals_ = 0;
  int refusals_naming_owner_ = 0;
};

TEST_F(KafkaEndToEnd, TwoServesAndTwoProjectorsShareTheLogAndEveryAcknowledgedCommandLandsOnce) {
  auto serve_a = Start("serve", "serve-a", dir_a_);
  auto serve_b = Start("serve", "serve-b", dir_b_);
  auto projector = Start("project", "project-1", dir_p_);
  auto projector2 = Start("project", "project-2", dir_q_);
  HttpClient admin_a(serve_a->base_url()), admin_b(serve_b->base_url());
  for (HttpClient* c : {&admin_a, &admin_b}) c->SetDefaultHeader("X-Admin-API-Key", "test-admin-key");

  // Tenants spread over the partitions; each is created by whichever node owns its partition.
  struct Tenant {
    std::string id, api_key;
    int owner = -1;
    std::set<std::string> customers;
  };
  std::vector<Tenant> tenants;
  std::set<int> partitions_used;
  for (int i = 0; i < 12; ++i) {
    const nlohmann::json body = {{"name", "Kafka Plumbing " + std::to_string(i)}, {"timezone", "UTC"}};
    auto [reply, owner] = SendToOwner({&admin_a, &admin_b}, "/v1/admin/businesses", body, "tenant-" + std::to_string(i));
    // 202: accepted, the read model not there yet (a rebalance in flight); the secrets come anyway.
    ASSERT_TRUE(reply.status == 201 || reply.status == 202) << reply.body;
    ASSERT_TRUE(reply.Json().contains("api_key")) << reply.body;
    ASSERT_TRUE(TenantVisible(owner == 0 ? admin_a : admin_b, reply));
    Tenant t{reply.Json()["id"], reply.Json()["api_key"], owner, {}};
    partitions_used.insert(commands::PartitionOf(t.id, kPartitions));
    tenants.push_back(std::move(t));
  }
  EXPECT_GE(partitions_used.size(), 3u) << "tenants spread over the partitions";

  // Customers through both nodes; a retry of the same key on the other node never duplicates.
  for (std::size_t t = 0; t < tenants.size(); ++t) {
    HttpClient a(serve_a->base_url()), b(serve_b->base_url());
    for (HttpClient* c : {&a, &b}) c->SetDefaultHeader("X-API-Key", tenants[t].api_key);
    for (int c = 0; c < 3; ++c) {
      const nlohmann::json body = {{"name", "Customer " + std::to_string(c)},
                                   {"phone", "+1415555" + std::to_string(1000 + t * 10 + c)}};
      const std::string key = "customer-" + std::to_string(t) + "-" + std::to_string(c);
      auto [reply, owner] = SendToOwner({&a, &b}, "/v1/crm/customers", body, key);
      ASSERT_TRUE(reply.status == 201 || reply.status == 202) << reply.body;
      tenants[t].customers.insert(reply.Json()["id"].get<std::string>());
      // Read-your-writes on the node that did NOT take the write: it waits on the checkpoints.
      HttpClient& other = owner == 0 ? b : a;
      if (c == 0) {
        // A retry on the other node replays the first response (idempotency records are shared in
        // PostgreSQL on Kafka), instead of a 503 for the partition it does not own.
        auto again = other.Post("/v1/crm/customers", body, {{"Idempotency-Key", key}});
        EXPECT_EQ(again.status, reply.status) << again.body;
        EXPECT_EQ(again.Header("idempotent-replayed"), "true");
        EXPECT_EQ(again.Json()["id"], reply.Json()["id"]);
      }
      auto read = other.Get("/v1/crm/customers/" + reply.Json()["id"].get<std::string>(),
                            {{"X-Consistency-Token", reply.Header("x-consistency-token")}});
      EXPECT_EQ(read.status, 200) << read.body;
    }
  }
  EXPECT_GT(refusals_, 0) << "each node refused some tenants: the partitions are split between them";
  EXPECT_GT(refusals_naming_owner_, 0) << "a refusal names the owning node";
  std::set<int> owners;
  for (const auto& t : tenants) owners.insert(t.owner);
  EXPECT_EQ(owners, (std::set<int>{0, 1})) << "both nodes own partitions";

  // The projectors get partitions of their own (they share the projection group with the serves).
  for (ServerProcess* p : {projector.get(), projector2.get()}) {
    const auto until = std::chrono::steady_clock::now() + 30s;
    while (p->output().find("assigned partitions [") == std::string::npos && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(100ms);
    }
    EXPECT_NE(p->output().find("assigned partitions ["), std::string::npos) << p->output();
  }

  // The log holds every acknowledged command exactly once; PostgreSQL shows exactly those rows.
  for (const auto& t : tenants) {
    std::multiset<std::string> created;
    for (const auto& e : AuditEvents(t.id)) {
      if (e["type"] == "CustomerCreated") created.insert(e["data"]["customer_id"].get<std::string>());
    }
    EXPECT_EQ(created, std::multiset<std::string>(t.customers.begin(), t.customers.end())) << t.id;
    HttpClient a(serve_a->base_url());
    a.SetDefaultHeader("X-API-Key", t.api_key);
    auto list = a.Get("/v1/crm/customers?limit=100");
    ASSERT_EQ(list.status, 200) << list.body;
    const auto page = list.Json();
    std::set<std::string> listed;
    for (const auto& c : page["data"]) listed.insert(c["id"].get<std::string>());
    EXPECT_EQ(listed, t.customers) << "tenant " << t.id << " sees exactly its acknowledged customers";
    EXPECT_EQ(page["total"], t.customers.size());
  }

  // Projection lag is reported for every partition by each node, the ones others run included.
  auto metrics = admin_a.Get("/metrics", {{"Accept", "application/json"}}).Json();
  std::set<std::string> lag_partitions;
  for (const auto& sample : metrics["switchboard_projection_lag_events"]) {
    lag_partitions.insert(sample["labels"]["partition"].get<std::string>());
  }
  EXPECT_EQ(lag_partitions.size(), static_cast<std::size_t>(kPartitions)) << metrics.dump();

  // Node B stops: A takes its partitions over and serves B's tenants with all their data.
  ASSERT_EQ(serve_b->Stop(), 0);
  for (std::size_t t = 0; t < tenants.size(); ++t) {
    HttpClient a(serve_a->base_url());
    a.SetDefaultHeader("X-API-Key", tenants[t].api_key);
    const nlohmann::json body = {{"name", "After handover"}, {"phone", "+1415556" + std::to_string(1000 + t)}};
    auto [reply, owner] = SendToOwner({&a}, "/v1/crm/customers", body, "handover-" + std::to_string(t));
    ASSERT_TRUE(reply.status == 201 || reply.status == 202) << reply.body;
    tenants[t].customers.insert(reply.Json()["id"].get<std::string>());
    auto list = a.Get("/v1/crm/customers?limit=100", {{"X-Consistency-Token", reply.Header("x-consistency-token")}});
    ASSERT_EQ(list.status, 200) << list.body;
    EXPECT_EQ(list.Json()["total"], tenants[t].customers.size()) << "nothing lost in the handover";
  }
}

// Webhook deliveries follow a partition to its new owner: the delivery schedules live in PostgreSQL,
// so events that were still failing when their node stopped are delivered by the survivor.
TEST_F(KafkaEndToEnd, WebhookDeliveriesResumeOnTheNewOwnerAfterANodeStops) {
  // Retry fast and never dead-letter within the test.
  for (const auto& [name, value] : std::map<std::string, std::string>{{"SWITCHBOARD_WEBHOOK_MAX_ATTEMPTS", "100"},
                                                                     {"SWITCHBOARD_WEBHOOK_BASE_DELAY_MS", "50"},
                                                                     {"SWITCHBOARD_WEBHOOK_MAX_DELAY_MS", "200"},
                                                                     {"SWITCHBOARD_WEBHOOK_TIMEOUT_MS", "2000"}}) {
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  WebhookReceiver receiver;
  auto serve_a = Start("serve", "serve-a", dir_a_);
  auto serve_b = Start("serve", "serve-b", dir_b_);
  HttpClient admin_a(serve_a->base_url()), admin_b(serve_b->base_url());
  for (HttpClient* c : {&admin_a, &admin_b}) c->SetDefaultHeader("X-Admin-API-Key", "test-admin-key");

  struct Tenant {
    std::string id, api_key, path;
    std::set<std::string> customers;
  };
  std::vector<Tenant> tenants;
  std::set<int> owners;
  for (int i = 0; i < 8; ++i) {
    auto [reply, owner] = SendToOwner({&admin_a, &admin_b}, "/v1/admin/businesses",
                                      {{"name", "Hooked " + std::to_string(i)}}, "hooked-" + std::to_string(i));
    ASSERT_TRUE(reply.status == 201 || reply.status == 202) << reply.body;
    ASSERT_TRUE(TenantVisible(owner == 0 ? admin_a : admin_b, reply));
    owners.insert(owner);
    tenants.push_back({reply.Json()["id"], reply.Json()["api_key"], "/hook/" + std::to_string(i), {}});
  }
  ASSERT_EQ(owners, (std::set<int>{0, 1})) << "both nodes own some of the tenants";

  auto create_customer = [&](std::size_t t, const std::string& key) {
    HttpClient a(serve_a->base_url()), b(serve_b->base_url());
    for (HttpClient* c : {&a, &b}) c->SetDefaultHeader("X-API-Key", tenants[t].api_key);
    std::vector<HttpClient*> nodes = {&a};
    if (serve_b) nodes.push_back(&b);
    const nlohmann::json body = {{"name", "Customer " + key}, {"phone", "+1415557" + std::to_string(1000 + t * 10 + key.size())}};
    auto [reply, owner] = SendToOwner(nodes, "/v1/crm/customers", body, key);
    EXPECT_TRUE(reply.status == 201 || reply.status == 202) << reply.body;
    tenants[t].customers.insert(reply.Json()["id"].get<std::string>());
  };
  for (std::size_t t = 0; t < tenants.size(); ++t) {
    HttpClient a(serve_a->base_url()), b(serve_b->base_url());
    for (HttpClient* c : {&a, &b}) c->SetDefaultHeader("X-API-Key", tenants[t].api_key);
    auto [reply, owner] = SendToOwner({&a, &b}, "/v1/integrations/webhooks",
                                      {{"url", receiver.Url(tenants[t].path)}, {"event_types", {"CustomerCreated"}}},
                                      "hook-" + std::to_string(t));
    ASSERT_TRUE(reply.status == 201 || reply.status == 202) << reply.body;
    create_customer(t, "c" + std::to_string(t));
  }

  // Every receiver fails from now on; a second customer per tenant stays undelivered, retried.
  for (const auto& t : tenants) receiver.FailFirst(t.path, -1);
  for (std::size_t t = 0; t < tenants.size(); ++t) create_customer(t, "cc" + std::to_string(t));
  std::this_thread::sleep_for(1s);

  ASSERT_EQ(serve_b->Stop(), 0);
  serve_b.reset();
  for (const auto& t : tenants) receiver.FailFirst(t.path, 0);  // the receivers recover

  // Every acknowledged customer of every tenant reaches its receiver, B's tenants through A.
  auto delivered_all = [&] {
    for (const auto& t : tenants) {
      std::set<std::string> seen;
      for (const auto& r : receiver.Delivered(t.path)) {
        auto body = nlohmann::json::parse(r.body, nullptr, false);
        if (body.is_object() && body.contains("data")) seen.insert(body["data"].value("customer_id", ""));
      }
      for (const auto& c : t.customers) {
        if (!seen.count(c)) return false;
      }
    }
    return true;
  };
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!delivered_all() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(200ms);
  EXPECT_TRUE(delivered_all()) << serve_a->output();
  for (const char* v : {"SWITCHBOARD_WEBHOOK_MAX_ATTEMPTS", "SWITCHBOARD_WEBHOOK_BASE_DELAY_MS",
                        "SWITCHBOARD_WEBHOOK_MAX_DELAY_MS", "SWITCHBOARD_WEBHOOK_TIMEOUT_MS"}) {
    ::unsetenv(v);
  }
}

}  // namespace
}  // namespace switchboard::testing
