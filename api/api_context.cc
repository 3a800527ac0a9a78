// Idempotent writes and consistent reads.
#include "api/api_context.h"

#include <charconv>

#include <nlohmann/json.hpp>

namespace switchboard::api {
namespace {

constexpr const char* kTokenHeader = "X-Consistency-Token";

struct Position {
  int partition = 0;
  std::int64_t offset = 0;
};

std::optional<Position> ParseToken(const std::string& token) {
  const auto colon = token.find(':');
  if (colon == std::string::npos) return std::nullopt;
  Position p;
  auto [a, ea] = std::from_chars(token.data(), token.data() + colon, p.partition);
  auto [b, eb] = std::from_chars(token.data() + colon + 1, token.data() + token.size(), p.offset);
  if (ea != std::errc() || eb != std::errc() || a != token.data() + colon || b != token.data() + token.size() ||
      p.partition < 0 || p.offset < 0) {
    return std::nullopt;
  }
  return p;
}

HttpResponse WithSchema(projections::SqlPool& pool, ApiServices& services, const Query& query) {
  auto lease = pool.Acquire();
  if (!lease) return Problem(503, "Service unavailable", "database: " + lease.error().message);
  auto schema = services.live_crm_schema(***lease);
  if (!schema) return Problem(503, "Service unavailable", "database: " + schema.error().message);
  return query(***lease, *schema);
}

}  // namespace

std::string ConsistencyToken(int partition, std::int64_t offset) {
  return std::to_string(partition) + ":" + std::to_string(offset);
}

std::string ApiContext::ScopedIdempotencyKey(const HttpRequest& request, const Caller& caller) const {
  const auto key = request.Header("idempotency-key");
  if (!key || key->empty()) return {};
  const std::string scope = caller.tenant_id.empty() ? "admin" : caller.tenant_id;
  return scope + "|" + request.method + " " + request.path + "|" + *key;
}

std::string ApiContext::NewId(const HttpRequest& request, const Caller& caller, std::string_view kind) const {
  const auto scoped = ScopedIdempotencyKey(request, caller);
  if (scoped.empty()) return commands::NewUuid();
  return commands::UuidFromSeed(std::string(kind) + "|" + scoped);
}

HttpResponse ApiContext::Write(const HttpRequest& request, const Caller& caller, int success_status,
                               const Command& command, const Render& render, const nlohmann::json& issued_once) {
  const auto scoped = ScopedIdempotencyKey(request, caller);
  if (scoped.empty()) return RunCommand(request, caller, success_status, command, render, issued_once);
  if (request.Header("idempotency-key")->size() > 255) {
    return BadRequest("Idempotency-Key must be at most 255 characters", {{"Idempotency-Key", "too long"}});
  }

  // Same-key requests run one at a time, so the second one finds the first one's record.
  std::lock_guard lock(key_locks_[std::hash<std::string>{}(scoped) % key_locks_.size()]);
  const std::string record_key = "idempotency/" + scoped;
  const std::string body_hash = commands::Sha256Hex(request.body);
  auto stored = services_.idempotency.Get(record_key);
  if (!stored) return Problem(503, "Service unavailable", "state store: " + stored.error().message);
  if (*stored) {
    const auto record = nlohmann::json::parse(**stored);
    if (record.at("request_hash").get<std::string>() != body_hash) {
      return Problem(422, "Idempotency key reused", "this Idempotency-Key was used with a different request body",
                     {{"Idempotency-Key", "was already used with a different body"}});
    }
    HttpResponse replay;
    replay.status = record.at("status").get<int>();
    replay.content_type = record.at("content_type").get<std::string>();
    replay.body = record.at("body").get<std::string>();
    for (const auto& [name, value] : record.at("headers").items()) replay.headers.emplace_back(name, value);
    replay.headers.emplace_back("Idempotent-Replayed", "true");
    return replay;
  }

  HttpResponse response = RunCommand(request, caller, success_status, command, render, issued_once);
  // Only settled outcomes are remembered: a 5xx or a 409 conflict may succeed when retried.
  if (response.status >= 500 || response.status == 409) return response;
  // Secrets are never stored in plaintext: a replay shows that they were issued, not their value.
  std::string stored_body = response.body;
  if (auto json = nlohmann::json::parse(stored_body, nullptr, false); json.is_object()) {
    bool redacted = false;
    for (const char* secret : {"api_key", "widget_token", "owner_token", "secret"}) {
      if (json.contains(secret)) {
        json[secret] = "(issued once; rotate to obtain a new one)";
        redacted = true;
      }
    }
    if (redacted) stored_body = json.dump();
  }
  nlohmann::json record = {{"request_hash", body_hash},
                           {"status", response.status},
                           {"content_type", response.content_type},
                           {"body", stored_body},
                           {"headers", nlohmann::json::object()}};
  for (const auto& [name, value] : response.headers) record["headers"][name] = value;
  (void)services_.idempotency.PutIfAbsent(record_key, record.dump());
  return response;
}

HttpResponse ApiContext::RunCommand(const HttpRequest& request, const Caller& caller, int success_status,
                                    const Command& command, const Render& render, const nlohmann::json& issued_once) {
  commands::CommandContext context;
  context.tenant_id = caller.tenant_id;
  context.actor = caller.actor;
  context.idempotency_key = ScopedIdempotencyKey(request, caller);
  context.correlation_id = request.Header("x-correlation-id").value_or(commands::NewUuid());

  auto outcome = command(context);
  if (!outcome) return FromCommandError(outcome.error());
  if (context.tenant_id.empty() || caller.actor.kind == "admin") {
    if (services_.on_tenant_changed) services_.on_tenant_changed();
  }

  std::vector<std::pair<std::string, std::string>> headers;
  if (outcome->changed()) {
    headers.emplace_back(kTokenHeader, ConsistencyToken(outcome->partition, outcome->position));
    if (!services_.wait_for_position(outcome->partition, outcome->position, kConsistencyWait)) {
      HttpResponse accepted;
      accepted.status = 202;
      nlohmann::json body = {{"id", outcome->id}, {"status", "accepted"}};
      for (const auto& [name, value] : issued_once.items()) body[name] = value;
      accepted.body = body.dump();
      accepted.headers = headers;
      return accepted;
    }
  }
  HttpResponse response = WithSchema(services_.sql, services_,
                                     [&](projections::SqlConnection& sql, const std::string& schema) {
                                       return render(sql, schema, *outcome);
                                     });
  if (response.status == 200) response.status = success_status;
  for (auto& h : headers) response.headers.push_back(std::move(h));
  return response;
}

HttpResponse ApiContext::Read(const HttpRequest& request, const Query& query) {
  if (const auto token = request.Header("x-consistency-token")) {
    const auto position = ParseToken(*token);
    if (!position) {
      return BadRequest("X-Consistency-Token must look like 3:1234 (partition:offset)",
                        {{kTokenHeader, "malformed"}});
    }
    if (!services_.wait_for_position(position->partition, position->offset, kConsistencyWait)) {
      auto r = Problem(503, "Not yet consistent",
                       "the read models have not reached this consistency token yet; retry shortly");
      r.headers.emplace_back("Retry-After", "1");
      return r;
    }
  }
  return WithSchema(services_.sql, services_, query);
}

}  // namespace switchboard::api
