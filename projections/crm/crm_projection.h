// CrmProjection: folds tenant, customer and appointment events (domain/EVENTS.md) into the CRM read
// model — tables tenants, customers, appointments, timeline in the engine's schema. Stateless and
// thread-safe; every write is set-based (COPY into session temp tables + one upsert per table).
//
// Idempotence: each row stores the stream_version of the last event folded into it; an event whose
// stream_version is not above it is skipped, and upserts never replace a row with an older image, so
// re-applying any batch (or an older one after a newer one) leaves the tables unchanged.
#pragma once

#include <span>
#include <string_view>

#include "commands/recorded_event.h"
#include "projections/projection.h"
#include "projections/sql.h"

namespace switchboard::projections::crm {

class CrmProjection final : public Projection {
 public:
  std::string_view Name() const override { return "crm"; }

  // Creates the four tables and their indexes in `schema` (must exist, match [a-z0-9_]+).
  // Needs the pg_trgm extension in schema public (created by the core migrations). Idempotent.
  Result<void, SqlError> CreateTables(SqlConnection& sql, std::string_view schema) override;

  // Folds `batch` (one partition, offset order) inside the caller's transaction. Handles every
  // event type of EVENTS.md; TechnicianSlot* and CustomerPhone* have no CRM effect and, like the
  // types of other read-model families, are skipped. Fails (nothing written by this call counts,
  // the caller rolls back) on a malformed event `data` or on an update to a tenant/customer/
  // appointment that was never created; the message names the event's partition and offset.
  Result<void, SqlError> Apply(SqlConnection& sql, std::string_view schema,
                               std::span<const commands::RecordedEvent> batch) override;
};

}  // namespace switchboard::projections::crm
