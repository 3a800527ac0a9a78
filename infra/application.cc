// Wiring of storage, projections, services, API and HTTP server.
#include "infra/application.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <thread>

#include "adapters/postgres/migrations.h"
#include "api/api_context.h"
#include "api/auth.h"
#include "api/http_server.h"
#include "api/metrics.h"
#include "api/routes.h"
#include "api/integration_routes.h"
#include "api/system_routes.h"
#include "infra/metered_event_log.h"
#include "infra/projection_set.h"
#include "adapters/http_client/curl_webhook_sender.h"
#include "adapters/kafka/kafka_event_log.h"
#include "adapters/kafka/kafka_partition_group.h"
#include "adapters/rocksdb/rocksdb_event_log.h"
#include "infra/projection_workers.h"
#include "commands/webhooks/webhook_dispatcher.h"
#include "infra/webhooks/webhook_settings.h"
#include "projections/engine/catalog.h"
#include "projections/engine/projection_engine.h"

namespace switchboard::infra {

DirRemoval& DirRemoval::operator=(DirRemoval&& other) noexcept {
  if (this != &other) {
    DirRemoval gone(std::move(*this));
    path_ = std::exchange(other.path_, {});
  }
  return *this;
}

DirRemoval::~DirRemoval() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

namespace {

constexpr std::string_view kSecondaryPrefix = "log-secondary-";

// Removes the secondary dirs that replay/audit runs killed before their clean-up left behind
// (their pid no longer runs).
void RemoveStaleSecondaryDirs(const std::string& data_dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(data_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kSecondaryPrefix, 0) != 0) continue;
    const std::string digits = name.substr(kSecondaryPrefix.size());
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(digits));
    if (pid == ::getpid() || (::kill(pid, 0) != 0 && errno == ESRCH)) {
      std::error_code ignored;
      std::filesystem::remove_all(entry.path(), ignored);
    }
  }
}


Result<std::unique_ptr<adapters::KafkaEventLog>, std::string> OpenKafkaLog(const Config& config, StorageMode mode) {
  if (config.kafka_brokers.empty()) {
    return MakeErr(std::string("SWITCHBOARD_EVENT_LOG=kafka needs SWITCHBOARD_KAFKA_BROKERS (host:port,...)"));
  }
  adapters::KafkaLogOptions options;
  options.brokers = config.kafka_brokers;
  options.partitions = config.partitions;
  options.replication = config.kafka_replication;
  options.node_id = EffectiveNodeId(config);
  options.writer = mode == StorageMode::kReadWrite;
  if (options.writer) options.state_dir = config.data_dir + "/kafka-writer";
  auto log = adapters::KafkaEventLog::Open(options);
  if (!log) return MakeErr("event log (Kafka " + config.kafka_brokers + "): " + log.error().message);
  return std::move(log.value());
}

}  // namespace

Result<Storage, std::string> OpenStorage(const Config& config, int pool_size, StorageMode mode) {
  Storage storage;
  if (config.event_log == "kafka") {
    std::error_code ec;
    std::filesystem::create_directories(config.data_dir, ec);
    if (ec) return MakeErr("cannot create data dir " + config.data_dir + ": " + ec.message());
    auto log = OpenKafkaLog(config, mode);
    if (!log) return MakeErr(log.error());
    storage.kafka = log.value().get();
    storage.log = std::move(log.value());
    if (mode == StorageMode::kReadWrite) {
      auto state = adapters::RocksDbStateStore::Open(config.data_dir + "/state");
      if (!state) return MakeErr("state store: " + state.error().message);
      storage.state = std::move(state.value());
    }
  } else if (mode == StorageMode::kReadOnlyLog) {
    RemoveStaleSecondaryDirs(config.data_dir);
    const std::string secondary = config.data_dir + "/" + std::string(kSecondaryPrefix) + std::to_string(::getpid());
    storage.log_secondary_dir = DirRemoval(secondary);
    auto log = adapters::RocksDbEventLog::OpenReadOnly(config.data_dir + "/log", secondary, config.partitions);
    if (!log) return MakeErr("event log (read-only): " + log.error().message);
    storage.log = std::move(log.value());
  } else {
    std::error_code ec;
    std::filesystem::create_directories(config.data_dir, ec);
    if (ec) return MakeErr("cannot create data dir " + config.data_dir + ": " + ec.message());
    auto log = adapters::RocksDbEventLog::Open(config.data_dir + "/log", config.partitions);
    if (!log) return MakeErr("event log: " + log.error().message);
    storage.log = std::move(log.value());
    auto state = adapters::RocksDbStateStore::Open(config.data_dir + "/state");
    if (!state) return MakeErr("state store: " + state.error().message);
    storage.state = std::move(state.value());
  }
  auto pool = adapters::PgPool::Open(EffectivePgUrl(config), pool_size);
  if (!pool) return MakeErr("PostgreSQL (" + EffectivePgUrl(config) + "): " + pool.error().message);
  storage.pool = std::move(pool.value());
  auto lease = storage.pool->Acquire();
  if (!lease) return MakeErr("PostgreSQL: " + lease.error().message);
  auto applied = adapters::ApplyMigrations(***lease, adapters::CoreMigrations());
  if (!applied) return MakeErr("migrations: " + applied.error().message);
  if (storage.kafka != nullptr) {
    storage.pg_state = std::make_unique<adapters::PgStateStore>(*storage.pool);
    storage.shared_state = storage.pg_state.get();
  } else {
    storage.shared_state = storage.state.get();
  }
  return storage;
}

struct Server::Parts {
  Config config;
  Storage storage;
  api::Metrics metrics;
  std::unique_ptr<MeteredEventLog> log;
  ProjectionSet read_models;
  std::unique_ptr<ProjectionWorkers> projection_workers;
  std::unique_ptr<adapters::KafkaPartitionGroup> projection_group;  // Kafka only
  commands::SystemClock clock;
  std::unique_ptr<commands::CommandPipeline> pipeline;
  std::unique_ptr<commands::TenantService> tenants;
  std::unique_ptr<commands::CustomerService> customers;
  std::unique_ptr<commands::AppointmentService> appointments;
  std::unique_ptr<commands::webhooks::WebhookService> webhooks;
  adapters::CurlWebhookSender webhook_sender;
  std::unique_ptr<commands::webhooks::WebhookDispatcher> dispatcher;
  commands::webhooks::DispatcherOptions dispatcher_options;
  std::vector<int> dispatched_partitions;  // what `dispatcher` runs (Kafka: the owned partitions)

  // On Kafka the dispatcher delivers the partitions this node writes (it records each outcome as
  // an event, which only the owner can append); restarted when the ownership changes.
  Result<void, std::string> StartDispatcher(std::vector<int> partitions) {
    if (dispatcher) dispatcher->Stop();
    dispatcher.reset();
    dispatched_partitions = partitions;
    if (storage.kafka != nullptr && partitions.empty()) return {};  // owns nothing right now
    auto options = dispatcher_options;
    options.partitions = std::move(partitions);
    dispatcher = std::make_unique<commands::webhooks::WebhookDispatcher>(*log, *storage.shared_state, *webhooks,
                                                                        webhook_sender, clock, std::move(options));
    return dispatcher->Start();
  }
  std::unique_ptr<api::ApiContext> api;
  std::unique_ptr<api::Authenticator> auth;
  api::Router router;
  std::unique_ptr<api::HttpServer> http;

  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::thread lag_refresher;
  std::thread ownership_follower;  // Kafka: restarts the dispatcher as soon as the owned partitions change

  ~Parts() {
    {
      std::lock_guard lock(mu);
      stopping = true;
    }
    cv.notify_all();
    if (lag_refresher.joinable()) lag_refresher.join();
    if (ownership_follower.joinable()) ownership_follower.join();
    if (http) http->Stop();
    if (dispatcher) dispatcher->Stop();
    projection_group.reset();  // hands the partitions over before the workers go
    if (projection_workers) projection_workers->Stop(projection_workers->Running());
  }
};

Server::Server(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
Server::~Server() = default;
int Server::port() const { return parts_->http->port(); }

Result<std::unique_ptr<Server>, std::string> Server::Start(const Config& config) {
  if (!config.dev && config.admin_key.empty()) {
    return MakeErr(std::string("SWITCHBOARD_ADMIN_KEY is required (or run with --dev)"));
  }
  auto parts = std::make_unique<Parts>();
  Parts& p = *parts;
  p.config = config;
  // Request workers, one projection worker per partition, and the readiness probe.
  auto storage = OpenStorage(config, config.worker_threads + config.partitions + 2);
  if (!storage) return MakeErr(storage.error());
  p.storage = std::move(storage.value());
  p.log = std::make_unique<MeteredEventLog>(*p.storage.log, p.metrics);

  projections::EngineOptions engine_options;
  engine_options.on_error = [](int partition, std::string_view message) {
    std::cerr << "projection worker (partition " << partition << "): " << message << "\n";
  };
  api::Metrics* metrics = &p.metrics;
  engine_options.on_dead_letter = [metrics](const projections::ParkedEvent& parked) {
    metrics->CountDeadLetter(parked.projection);
    std::cerr << "projection " << parked.projection << " parked event " << parked.event_id << " (partition "
              << parked.partition << " offset " << parked.offset << "): " << parked.error << "\n";
  };
  p.projection_workers = std::make_unique<ProjectionWorkers>(
      *p.log, *p.storage.pool, p.read_models.All(), engine_options);
  auto group = ShareProjectionWork(config, *p.projection_workers);
  if (!group) return MakeErr(group.error());
  p.projection_group = std::move(group.value());

  p.pipeline = std::make_unique<commands::CommandPipeline>(*p.log, p.storage.state.get(), p.clock);
  p.tenants = std::make_unique<commands::TenantService>(*p.pipeline);
  p.customers = std::make_unique<commands::CustomerService>(*p.pipeline, *p.tenants);
  p.appointments = std::make_unique<commands::AppointmentService>(*p.pipeline, *p.tenants, *p.customers);
  p.webhooks = std::make_unique<commands::webhooks::WebhookService>(*p.pipeline, *p.tenants);
  auto webhook_options = WebhookSettingsFromEnvironment();
  if (!webhook_options) return MakeErr(webhook_options.error());
  webhook_options->on_error = [](int partition, std::string_view message) {
    std::cerr << "webhook dispatcher (partition " << partition << "): " << message << "\n";
  };
  p.dispatcher_options = std::move(webhook_options.value());
  if (auto started = p.StartDispatcher(p.storage.kafka ? p.storage.kafka->OwnedPartitions() : std::vector<int>{});
      !started) {
    return MakeErr(started.error());
  }

  const int partitions = config.partitions;
  ProjectionWorkers* workers = p.projection_workers.get();
  p.api = std::make_unique<api::ApiContext>(api::ApiServices{
      *p.tenants,
      *p.customers,
      *p.appointments,
      *p.storage.shared_state,
      *p.storage.pool,
      [workers, partitions](int partition, std::int64_t offset, std::chrono::milliseconds timeout) {
        return partition >= 0 && partition < partitions && workers->WaitFor(partition, offset, timeout);
      },
      [](projections::SqlConnection& sql) { return projections::LiveSchema(sql, "crm"); },
      config.admin_key,
      {}});
  p.auth = std::make_unique<api::Authenticator>(p.api->services(), config.admin_key);
  api::Authenticator* auth = p.auth.get();
  p.api->services().on_tenant_changed = [auth] { auth->Invalidate(); };
  p.router.SetAuthenticator([auth](api::Auth kind, const api::HttpRequest& request) { return (*auth)(kind, request); });

  api::AddAdminRoutes(p.router, *p.api);
  api::AddCustomerRoutes(p.router, *p.api);
  api::AddAppointmentRoutes(p.router, *p.api);
  api::AddIntegrationRoutes(p.router, *p.api, *p.webhooks);
  api::AddDeadLetterRoutes(p.router, *p.api, p.read_models.All());
  adapters::PgPool* pool = p.storage.pool.get();
  commands::EventLog* log = p.log.get();
  api::AddSystemRoutes(
      p.router, p.metrics,
      {{"event_log",
        [log]() -> std::optional<std::string> {
          auto end = log->EndOffset(0);
          if (!end) return end.error().message;
          return std::nullopt;
        }},
       {"postgres",
        [pool]() -> std::optional<std::string> {
          auto lease = pool->Acquire(std::chrono::seconds(1));
          if (!lease) return lease.error().message;
          auto r = (**lease)->Exec("SELECT 1");
          if (!r) return r.error().message;
          return std::nullopt;
        }},
       {"projections", [workers]() -> std::optional<std::string> {
          std::int64_t worst = 0;
          for (const auto& sample : workers->Lag()) worst = std::max(worst, sample.lag);
          if (worst > 10'000) return "read models are " + std::to_string(worst) + " events behind";
          return std::nullopt;
        }}});

  // Once a second: the lag gauges.
  p.lag_refresher = std::thread([&p] {
    std::unique_lock lock(p.mu);
    while (!p.stopping) {
      lock.unlock();
      for (const auto& sample : p.projection_workers->Lag()) {
        p.metrics.SetProjectionLag(sample.projection, sample.partition, static_cast<double>(sample.lag));
      }
      lock.lock();
      p.cv.wait_for(lock, std::chrono::seconds(1), [&p] { return p.stopping; });
    }
  });
  // The dispatcher of a partition this node just lost stops at once (it records each delivery as an
  // event, which only the owner can append), and a new owner's starts once it caught up.
  if (p.storage.kafka != nullptr) {
    p.ownership_follower = std::thread([&p] {
      for (;;) {
        {
          std::lock_guard lock(p.mu);
          if (p.stopping) return;
        }
        auto owned = p.storage.kafka->WaitForOwnershipChange(p.dispatched_partitions, std::chrono::milliseconds(200));
        if (owned == p.dispatched_partitions) continue;
        if (auto started = p.StartDispatcher(std::move(owned)); !started) {
          std::cerr << "webhook dispatcher: " << started.error() << "\n";
        }
      }
    });
  }

  p.http = std::make_unique<api::HttpServer>(
      p.router, p.metrics,
      api::HttpServerOptions{config.http_port, config.http_threads, config.worker_threads, 4096});
  if (auto started = p.http->Start(); !started) return MakeErr(started.error());
  return std::unique_ptr<Server>(new Server(std::move(parts)));
}

}  // namespace switchboard::infra
