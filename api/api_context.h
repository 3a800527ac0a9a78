// ApiContext: what every route handler shares — the command services, the read-model pool,
// and the two request shapes: Write (idempotent command, then the response rendered from the
// read model once it has applied the command's events) and Read (a query that honours
// X-Consistency-Token). Thread-safe.
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <mutex>
#include <string>

#include "api/http_types.h"
#include "api/problem.h"
#include "api/router.h"
#include "commands/appointment_service.h"
#include "projections/sql.h"

namespace switchboard::api {

struct ApiServices {
  commands::TenantService& tenants;
  commands::CustomerService& customers;
  commands::AppointmentService& appointments;
  commands::StateStore& idempotency;
  projections::SqlPool& sql;
  // Blocks until every read model has applied `offset` of `partition`, or the timeout passes.
  std::function<bool(int partition, std::int64_t offset, std::chrono::milliseconds timeout)> wait_for_position;
  // The live schema of the "crm" read model (blue/green rebuilds switch it).
  std::function<Result<std::string, projections::SqlError>(projections::SqlConnection&)> live_crm_schema;
  std::string admin_key;
  std::function<void()> on_tenant_changed;  // drops cached credentials
};

using Command = std::function<Result<commands::CommandOutcome, commands::CommandError>(const commands::CommandContext&)>;
using Render = std::function<HttpResponse(projections::SqlConnection&, const std::string& schema,
                                          const commands::CommandOutcome&)>;
using Query = std::function<HttpResponse(projections::SqlConnection&, const std::string& schema)>;

class ApiContext {
 public:
  static constexpr std::chrono::milliseconds kConsistencyWait{5000};

  explicit ApiContext(ApiServices services) : services_(std::move(services)) {}
  ApiServices& services() { return services_; }

  // `issued_once`: secrets the command generated (API keys, webhook secrets); they are added to a
  // 202 too, because a client that got a 202 has no other way to learn them.
  HttpResponse Write(const HttpRequest& request, const Caller& caller, int success_status, const Command& command,
                     const Render& render, const nlohmann::json& issued_once = nlohmann::json::object());
  HttpResponse Read(const HttpRequest& request, const Query& query);

  // A new aggregate id: derived from the Idempotency-Key when the request has one, so a retry
  // after a crash addresses the same aggregate; random (UUIDv7) otherwise.
  std::string NewId(const HttpRequest& request, const Caller& caller, std::string_view kind) const;

 private:
  HttpResponse RunCommand(const HttpRequest& request, const Caller& caller, int success_status,
                          const Command& command, const Render& render, const nlohmann::json& issued_once);
  std::string ScopedIdempotencyKey(const HttpRequest& request, const Caller& caller) const;

  ApiServices services_;
  std::array<std::mutex, 64> key_locks_;
};

std::string ConsistencyToken(int partition, std::int64_t offset);

}  // namespace switchboard::api
