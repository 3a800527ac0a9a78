// Schema migrations: numbered SQL scripts applied once each, in order, recorded in
// schema_migrations. Safe to run from several processes at once (an advisory lock serialises them).
// Thread-safety: ApplyMigrations uses the one connection it is given; CoreMigrations is pure.
#pragma once

#include <string>
#include <vector>

#include "domain/result.h"
#include "projections/sql.h"

namespace switchboard::adapters {

struct Migration {
  int version = 0;   // unique, strictly increasing in the list; never renumber a released one
  std::string name;  // for humans and the schema_migrations table
  std::string sql;   // one or more statements; no transaction control, no CREATE INDEX CONCURRENTLY
};

// Applies, in version order, each migration not yet recorded, each in its own transaction together
// with its schema_migrations row. Returns how many were applied (0 when up to date). A failing
// migration is rolled back and reported with its version and name; earlier ones stay applied.
Result<int, projections::SqlError> ApplyMigrations(projections::SqlConnection& sql,
                                                   const std::vector<Migration>& migrations);

// The engine's own tables: pg_trgm, projection_checkpoints, the blue/green catalog
// projection_schemas, projection_dead_letters, and state_kv (PgStateStore). Projections' tables
// are not migrations: they live in per-version schemas.
std::vector<Migration> CoreMigrations();

}  // namespace switchboard::adapters
