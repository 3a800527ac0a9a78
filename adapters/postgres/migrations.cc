// Migration runner over the Sql port. Every transaction that reads or writes schema_migrations first
// takes one transaction-scoped advisory lock, so concurrent starters apply each migration once.
#include "adapters/postgres/migrations.h"

#include <algorithm>
#include <set>
#include <utility>

namespace switchboard::adapters {

using projections::SqlConnection;
using projections::SqlError;

namespace {

// Arbitrary but fixed: the key every migrator locks ("SBmigrat" in ASCII).
constexpr const char* kLock = "SELECT pg_advisory_xact_lock(6000979305411387764)";

SqlError Annotated(const Migration& m, SqlError e) {
  e.message = "migration " + std::to_string(m.version) + " (" + m.name + "): " + e.message;
  return e;
}

// Runs `body` inside BEGIN ... COMMIT holding the migration lock; rolls back on any failure.
template <class Body>
Result<bool, SqlError> InLockedTransaction(SqlConnection& sql, Body&& body) {
  if (auto r = sql.ExecScript("BEGIN"); !r.ok()) return MakeErr(std::move(r).error());
  auto fail = [&](SqlError e) -> Result<bool, SqlError> {
    (void)sql.ExecScript("ROLLBACK");  // best effort: a broken connection has no transaction left
    return MakeErr(std::move(e));
  };
  if (auto r = sql.Exec(kLock); !r.ok()) return fail(std::move(r).error());
  auto applied = body();
  if (!applied.ok()) return fail(std::move(applied).error());
  if (auto r = sql.ExecScript("COMMIT"); !r.ok()) return fail(std::move(r).error());
  return applied.value();
}

}  // namespace

Result<int, SqlError> ApplyMigrations(SqlConnection& sql, const std::vector<Migration>& migrations) {
  std::vector<const Migration*> ordered;
  std::set<int> versions;
  for (const auto& m : migrations) {
    if (m.version <= 0 || !versions.insert(m.version).second) {
      return MakeErr(SqlError{"migration list: version " + std::to_string(m.version) + " is duplicated or not positive", ""});
    }
    ordered.push_back(&m);
  }
  std::sort(ordered.begin(), ordered.end(), [](auto* a, auto* b) { return a->version < b->version; });

  auto created = InLockedTransaction(sql, [&]() -> Result<bool, SqlError> {
    auto r = sql.ExecScript(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
    if (!r.ok()) return MakeErr(std::move(r).error());
    return true;
  });
  if (!created.ok()) return MakeErr(std::move(created).error());

  int applied = 0;
  for (const Migration* m : ordered) {
    auto done = InLockedTransaction(sql, [&]() -> Result<bool, SqlError> {
      // Re-checked under the lock: another process may have applied it since we started.
      auto seen = sql.Exec("SELECT 1 FROM schema_migrations WHERE version = $1", {std::to_string(m->version)});
      if (!seen.ok()) return MakeErr(std::move(seen).error());
      if (!seen->rows.empty()) return false;
      if (auto r = sql.ExecScript(m->sql); !r.ok()) return MakeErr(Annotated(*m, std::move(r).error()));
      auto rec = sql.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())",
                          {std::to_string(m->version), m->name});
      if (!rec.ok()) return MakeErr(Annotated(*m, std::move(rec).error()));
      return true;
    });
    if (!done.ok()) return MakeErr(std::move(done).error());
    if (done.value()) ++applied;
  }
  return applied;
}

std::vector<Migration> CoreMigrations() {
  return {
      {1, "pg_trgm", "CREATE EXTENSION IF NOT EXISTS pg_trgm"},
      {2, "projection_checkpoints",
       "CREATE TABLE projection_checkpoints ("
       " projection text NOT NULL,"
       " partition int NOT NULL,"
       " next_offset bigint NOT NULL CHECK (next_offset >= 0),"
       " updated_at timestamptz NOT NULL DEFAULT now(),"
       " PRIMARY KEY (projection, partition))"},
      {3, "projection_schemas",
       "CREATE TABLE projection_schemas ("
       " projection text PRIMARY KEY,"
       " schema_name text NOT NULL,"
       " switched_at timestamptz NOT NULL DEFAULT now())"},
      // Poison events a projection parked (projections/engine/dead_letters.h). The envelope is the
      // log's stored form, so a retry can decode and re-apply the event without the log.
      {4, "projection_dead_letters",
       "CREATE TABLE projection_dead_letters ("
       " id uuid PRIMARY KEY DEFAULT gen_random_uuid(),"
       " projection text NOT NULL,"
       " partition int NOT NULL,"
       " event_offset bigint NOT NULL,"
       " event_id text NOT NULL,"
       " tenant_id text NOT NULL,"
       " stream text NOT NULL,"
       " type text NOT NULL,"
       " envelope text,"
       " error text NOT NULL,"
       " sqlstate text NOT NULL DEFAULT '',"
       " attempts int NOT NULL DEFAULT 1,"
       " parked_at timestamptz NOT NULL DEFAULT now(),"
       " last_attempt_at timestamptz NOT NULL DEFAULT now(),"
       " UNIQUE (projection, partition, event_offset));"
       "CREATE INDEX projection_dead_letters_stream"
       " ON projection_dead_letters (projection, partition, tenant_id, stream, event_offset)"},
      // PgStateStore: write-side state that every node must see on the Kafka log (HTTP idempotency
      // records, webhook delivery schedules), so it follows a partition from one owner to the next.
      {5, "state_kv",
       "CREATE TABLE state_kv ("
       " key text PRIMARY KEY,"
       " value text NOT NULL,"
       " updated_at timestamptz NOT NULL DEFAULT now())"},
  };
}

}  // namespace switchboard::adapters
