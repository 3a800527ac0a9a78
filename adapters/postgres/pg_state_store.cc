#include "adapters/postgres/pg_state_store.h"

namespace switchboard::adapters {
namespace {

commands::LogError Unavailable(const std::string& what, const projections::SqlError& e) {
  commands::LogError error;
  error.code = commands::LogError::Code::kUnavailable;
  error.message = "state store (PostgreSQL) " + what + ": " + e.message;
  return error;
}

}  // namespace

Result<std::optional<std::string>, commands::LogError> PgStateStore::Get(const std::string& key) {
  auto lease = pool_.Acquire();
  if (!lease.ok()) return MakeErr(Unavailable("get", lease.error()));
  auto rows = (***lease).Exec("SELECT value FROM state_kv WHERE key = $1", {key});
  if (!rows.ok()) return MakeErr(Unavailable("get", rows.error()));
  if (rows->rows.empty()) return std::optional<std::string>();
  return std::optional<std::string>(rows->rows[0][0].value_or(""));
}

Result<void, commands::LogError> PgStateStore::Put(const std::string& key, const std::string& value) {
  auto lease = pool_.Acquire();
  if (!lease.ok()) return MakeErr(Unavailable("put", lease.error()));
  auto r = (***lease).Exec(
      "INSERT INTO state_kv (key, value) VALUES ($1, $2)"
      " ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()",
      {key, value});
  if (!r.ok()) return MakeErr(Unavailable("put", r.error()));
  return {};
}

Result<std::string, commands::LogError> PgStateStore::PutIfAbsent(const std::string& key, const std::string& value) {
  auto lease = pool_.Acquire();
  if (!lease.ok()) return MakeErr(Unavailable("put-if-absent", lease.error()));
  // One statement: the insert wins or the row that won is returned (a concurrent winner's row is
  // visible to the fallback SELECT only after it commits, hence the retry).
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto r = (***lease).Exec(
        "WITH inserted AS (INSERT INTO state_kv (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING"
        " RETURNING value)"
        " SELECT value FROM inserted UNION ALL SELECT value FROM state_kv WHERE key = $1 LIMIT 1",
        {key, value});
    if (!r.ok()) return MakeErr(Unavailable("put-if-absent", r.error()));
    if (!r->rows.empty() && r->rows[0][0]) return *r->rows[0][0];
  }
  return MakeErr(Unavailable("put-if-absent", projections::SqlError{"no row for " + key + " after the insert", ""}));
}

}  // namespace switchboard::adapters
