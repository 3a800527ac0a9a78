// Projection: an idempotent fold of events into PostgreSQL tables that it alone owns.
// The engine (projections/engine/) calls Apply inside an open transaction that also moves the
// checkpoint (projection, partition) -> offset, so each event takes effect exactly once.
// Tables live in a schema chosen by the engine, which makes blue/green rebuilds possible.
// Implementations are stateless between calls and may be called from several threads.
#pragma once

#include <span>
#include <string_view>

#include "commands/recorded_event.h"
#include "projections/sql.h"

namespace switchboard::projections {

class Projection {
 public:
  virtual ~Projection() = default;
  // Stable name, e.g. "crm"; used for checkpoints and schema names.
  virtual std::string_view Name() const = 0;
  // Creates the projection's tables and indexes in `schema` (which exists); idempotent.
  virtual Result<void, SqlError> CreateTables(SqlConnection& sql, std::string_view schema) = 0;
  // Applies a batch of events of one partition, in offset order, inside the caller's transaction.
  // Events of types it does not handle are skipped. Uses set-based SQL (COPY/multi-row upserts),
  // not one statement per event.
  virtual Result<void, SqlError> Apply(SqlConnection& sql, std::string_view schema,
                                       std::span<const commands::RecordedEvent> batch) = 0;
};

}  // namespace switchboard::projections
