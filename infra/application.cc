// Wiring of storage, projections, services, API and HTTP server.
#include "infra/application.h"

#include <atomic>
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
#include "api/system_routes.h"
#include "infra/metered_event_log.h"
#include "projections/crm/crm_projection.h"
#include "projections/engine/catalog.h"
#include "projections/engine/projection_engine.h"

namespace switchboard::infra {

Result<Storage, std::string> OpenStorage(const Config& config, int pool_size) {
  if (config.event_log != "rocksdb") {
    return MakeErr(std::string("SWITCHBOARD_EVENT_LOG=") + config.event_log +
                   " is not available in this build; use rocksdb");
  }
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) return MakeErr("cannot create data dir " + config.data_dir + ": " + ec.message());
  Storage storage;
  auto log = adapters::RocksDbEventLog::Open(config.data_dir + "/log", config.partitions);
  if (!log) return MakeErr("event log: " + log.error().message);
  storage.log = std::move(log.value());
  auto state = adapters::RocksDbStateStore::Open(config.data_dir + "/state");
  if (!state) return MakeErr("state store: " + state.error().message);
  storage.state = std::move(state.value());
  auto pool = adapters::PgPool::Open(EffectivePgUrl(config), pool_size);
  if (!pool) return MakeErr("PostgreSQL (" + EffectivePgUrl(config) + "): " + pool.error().message);
  storage.pool = std::move(pool.value());
  auto lease = storage.pool->Acquire();
  if (!lease) return MakeErr("PostgreSQL: " + lease.error().message);
  auto applied = adapters::ApplyMigrations(***lease, adapters::CoreMigrations());
  if (!applied) return MakeErr("migrations: " + applied.error().message);
  return storage;
}

struct Server::Parts {
  Config config;
  Storage storage;
  api::Metrics metrics;
  std::unique_ptr<MeteredEventLog> log;
  projections::crm::CrmProjection crm;
  std::unique_ptr<projections::ProjectionEngine> engine;
  commands::SystemClock clock;
  std::unique_ptr<commands::CommandPipeline> pipeline;
  std::unique_ptr<commands::TenantService> tenants;
  std::unique_ptr<commands::CustomerService> customers;
  std::unique_ptr<commands::AppointmentService> appointments;
  std::unique_ptr<api::ApiContext> api;
  std::unique_ptr<api::Authenticator> auth;
  api::Router router;
  std::unique_ptr<api::HttpServer> http;

  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::thread lag_refresher;

  ~Parts() {
    {
      std::lock_guard lock(mu);
      stopping = true;
    }
    cv.notify_all();
    if (lag_refresher.joinable()) lag_refresher.join();
    if (http) http->Stop();
    if (engine) engine->Stop();
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
  auto storage = OpenStorage(config, config.worker_threads + 4);
  if (!storage) return MakeErr(storage.error());
  p.storage = std::move(storage.value());
  p.log = std::make_unique<MeteredEventLog>(*p.storage.log, p.metrics);

  projections::EngineOptions engine_options;
  engine_options.on_error = [](int partition, std::string_view message) {
    std::cerr << "projection worker (partition " << partition << "): " << message << "\n";
  };
  p.engine = std::make_unique<projections::ProjectionEngine>(*p.log, *p.storage.pool,
                                                             std::vector<projections::Projection*>{&p.crm},
                                                             engine_options);
  if (auto started = p.engine->Start(); !started) return MakeErr("projections: " + started.error().message);

  p.pipeline = std::make_unique<commands::CommandPipeline>(*p.log, p.storage.state.get(), p.clock);
  p.tenants = std::make_unique<commands::TenantService>(*p.pipeline);
  p.customers = std::make_unique<commands::CustomerService>(*p.pipeline, *p.tenants);
  p.appointments = std::make_unique<commands::AppointmentService>(*p.pipeline, *p.tenants, *p.customers);

  const int partitions = config.partitions;
  projections::ProjectionEngine* engine = p.engine.get();
  p.api = std::make_unique<api::ApiContext>(api::ApiServices{
      *p.tenants,
      *p.customers,
      *p.appointments,
      *p.storage.state,
      *p.storage.pool,
      [engine, partitions](int partition, std::int64_t offset, std::chrono::milliseconds timeout) {
        return partition >= 0 && partition < partitions && engine->WaitFor(partition, offset, timeout);
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
       {"projections", [engine]() -> std::optional<std::string> {
          std::int64_t worst = 0;
          for (const auto& sample : engine->Lag()) worst = std::max(worst, sample.lag);
          if (worst > 10'000) return "read models are " + std::to_string(worst) + " events behind";
          return std::nullopt;
        }}});

  p.lag_refresher = std::thread([&p] {
    std::unique_lock lock(p.mu);
    while (!p.stopping) {
      lock.unlock();
      for (const auto& sample : p.engine->Lag()) {
        p.metrics.SetProjectionLag(sample.projection, sample.partition, static_cast<double>(sample.lag));
      }
      lock.lock();
      p.cv.wait_for(lock, std::chrono::seconds(1), [&p] { return p.stopping; });
    }
  });

  p.http = std::make_unique<api::HttpServer>(
      p.router, p.metrics,
      api::HttpServerOptions{config.http_port, config.http_threads, config.worker_threads, 4096});
  if (auto started = p.http->Start(); !started) return MakeErr(started.error());
  return std::unique_ptr<Server>(new Server(std::move(parts)));
}

}  // namespace switchboard::infra
