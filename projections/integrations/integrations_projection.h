// IntegrationsProjection ("integrations"): folds the WebhookEndpoint events (domain/EVENTS.md) into
// the tables webhooks (one row per endpoint) and webhook_deliveries (one row per delivery attempt:
// failed, succeeded, or dead_lettered — the last failed attempt of a dead letter) in the engine's
// schema. Stateless and thread-safe; each batch costs at most three set-based statements.
//
// Idempotence: rows store the stream_version of the last event folded into them and an upsert only
// replaces an older image, so re-applying a batch leaves the tables unchanged.
#pragma once

#include <span>
#include <string_view>

#include "commands/recorded_event.h"
#include "projections/projection.h"
#include "projections/sql.h"

namespace switchboard::projections::integrations {

class IntegrationsProjection final : public Projection {
 public:
  std::string_view Name() const override { return "integrations"; }
  Result<void, SqlError> CreateTables(SqlConnection& sql, std::string_view schema) override;
  // Handles the Webhook* events; every other type is skipped. Fails (sqlstate 22000) on malformed data.
  Result<void, SqlError> Apply(SqlConnection& sql, std::string_view schema,
                               std::span<const commands::RecordedEvent> batch) override;
};

}  // namespace switchboard::projections::integrations
