// /v1/admin/dead-letters: operators list, inspect, retry and discard the events projections parked
// as poison (projections/engine/dead_letters.h). Not tenant data: read straight from the pool,
// never through a read model.
#include "api/json_input.h"
#include "api/routes.h"
#include "projections/engine/dead_letters.h"

namespace switchboard::api {
namespace {

using projections::DeadLetter;
using projections::SqlConnection;

HttpResponse DbError(const projections::SqlError& e) {
  return Problem(503, "Service unavailable", "database: " + e.message);
}

nlohmann::json ToJson(const DeadLetter& d) {
  nlohmann::json envelope = nullptr;
  if (!d.envelope.empty()) envelope = nlohmann::json::parse(d.envelope, nullptr, /*allow_exceptions=*/false);
  return {{"id", d.id},
          {"projection", d.projection},
          {"partition", d.partition},
          {"event_offset", d.event_offset},
          {"event_id", d.event_id},
          {"tenant_id", d.tenant_id},
          {"stream", d.stream},
          {"type", d.type},
          {"envelope", envelope.is_discarded() ? nlohmann::json(nullptr) : envelope},
          {"error", d.error},
          {"sqlstate", d.sqlstate},
          {"attempts", d.attempts},
          {"parked_at", d.parked_at},
          {"last_attempt_at", d.last_attempt_at}};
}

// Runs `body` on a pooled connection; 503 when none is available.
template <class Body>
HttpResponse WithSql(ApiContext& api, const Body& body) {
  auto lease = api.services().sql.Acquire();
  if (!lease) return DbError(lease.error());
  return body(***lease);
}

}  // namespace

void AddDeadLetterRoutes(Router& router, ApiContext& api, std::vector<projections::Projection*> projections) {
  router.Add({"GET", "/v1/admin/dead-letters", Auth::kAdmin,
              "List events parked by projections (filters: projection, tenant_id), oldest first", 200, "",
              "DeadLetterPage", [&api](const HttpRequest& req, const Caller&) {
                auto page = ParsePage(req);
                if (!page) return page.error();
                projections::DeadLetterFilter filter{.limit = page->limit, .offset = page->offset};
                if (auto it = req.query.find("projection"); it != req.query.end()) filter.projection = it->second;
                if (auto it = req.query.find("tenant_id"); it != req.query.end()) filter.tenant_id = it->second;
                return WithSql(api, [&](SqlConnection& sql) {
                  auto rows = projections::ListDeadLetters(sql, filter);
                  if (!rows) return DbError(rows.error());
                  nlohmann::json data = nlohmann::json::array();
                  for (const auto& d : rows->rows) data.push_back(ToJson(d));
                  return JsonResponse(200, {{"data", std::move(data)},
                                            {"total", rows->total},
                                            {"limit", page->limit},
                                            {"offset", page->offset}});
                });
              }});

  router.Add({"GET", "/v1/admin/dead-letters/:id", Auth::kAdmin, "Get a parked event with its error and envelope",
              200, "", "DeadLetter", [&api](const HttpRequest& req, const Caller&) {
                const auto& id = req.params.at("id");
                if (auto bad = CheckId(id)) return *bad;
                return WithSql(api, [&](SqlConnection& sql) {
                  auto row = projections::GetDeadLetter(sql, id);
                  if (!row) return DbError(row.error());
                  if (!*row) return NotFound("dead letter");
                  return JsonResponse(200, ToJson(**row));
                });
              }});

  router.Add({"POST", "/v1/admin/dead-letters/:id/retry", Auth::kAdmin,
              "Re-apply a parked event to its projection's live model; 409 with the error when it fails again "
              "or an earlier event of its stream is still parked",
              200, "", "DeadLetterRetry", [&api, projections](const HttpRequest& req, const Caller&) {
                const auto& id = req.params.at("id");
                if (auto bad = CheckId(id)) return *bad;
                return WithSql(api, [&](SqlConnection& sql) {
                  auto outcome = projections::RetryDeadLetter(sql, projections, id);
                  if (!outcome) return DbError(outcome.error());
                  using Status = projections::RetryOutcome::Status;
                  const auto& letter = outcome->letter;
                  switch (outcome->status) {
                    case Status::kApplied: {
                      auto body = ToJson(letter);
                      body["outcome"] = "applied";
                      return JsonResponse(200, body);
                    }
                    case Status::kFailed:
                      return Problem(409, "Conflict", "projection " + letter.projection + " failed again: " + outcome->error,
                                     {{"error", outcome->error}});
                    case Status::kBlocked:
                      return Problem(409, "Conflict",
                                     "an earlier event of stream " + letter.stream + " is still parked (" +
                                         outcome->blocked_by + "); retry or discard it first",
                                     {{"blocked_by", outcome->blocked_by}});
                    case Status::kUnknownProjection:
                      return Problem(409, "Conflict", "projection " + letter.projection + " is not run by this server");
                    case Status::kNotFound: break;
                  }
                  return NotFound("dead letter");
                });
              }});

  router.Add({"DELETE", "/v1/admin/dead-letters/:id", Auth::kAdmin,
              "Discard a parked event; its projection never applies it", 204, "", "",
              [&api](const HttpRequest& req, const Caller&) {
                const auto& id = req.params.at("id");
                if (auto bad = CheckId(id)) return *bad;
                return WithSql(api, [&](SqlConnection& sql) {
                  auto gone = projections::DiscardDeadLetter(sql, id);
                  if (!gone) return DbError(gone.error());
                  if (!*gone) return NotFound("dead letter");
                  HttpResponse none;
                  none.status = 204;
                  return none;
                });
              }});
}

}  // namespace switchboard::api
