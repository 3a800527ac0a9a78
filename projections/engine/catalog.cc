// projection_schemas access; the table is created by adapters/postgres CoreMigrations().
#include "projections/engine/catalog.h"

#include <charconv>

#include "projections/engine/transaction.h"

namespace switchboard::projections {

bool IsValidProjectionName(std::string_view name) {
  if (name.empty() || name.size() > 40 || name[0] < 'a' || name[0] > 'z') return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

std::string SchemaName(std::string_view projection, int version) {
  return std::string(projection) + "_v" + std::to_string(version);
}

int SchemaVersion(std::string_view projection, std::string_view schema) {
  const std::string prefix = std::string(projection) + "_v";
  if (schema.size() <= prefix.size() || schema.substr(0, prefix.size()) != prefix) return 0;
  int version = 0;
  const auto digits = schema.substr(prefix.size());
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), version);
  if (ec != std::errc() || end != digits.data() + digits.size()) return 0;
  return version;
}

Result<std::string, SqlError> LiveSchema(SqlConnection& sql, std::string_view projection) {
  auto rows = sql.Exec("SELECT schema_name FROM projection_schemas WHERE projection = $1", {std::string(projection)});
  if (!rows.ok()) return MakeErr(std::move(rows).error());
  if (rows->rows.empty() || !rows->rows[0][0]) {
    return MakeErr(SqlError{"projection " + std::string(projection) + " has no live schema", std::string(kNoLiveSchema)});
  }
  return std::move(*rows->rows[0][0]);
}

Result<std::string, SqlError> EnsureLiveSchema(SqlConnection& sql, Projection& projection) {
  const std::string name(projection.Name());
  if (!IsValidProjectionName(name)) {
    return MakeErr(SqlError{"invalid projection name \"" + name + "\" (want [a-z][a-z0-9_]*)", ""});
  }
  if (auto live = LiveSchema(sql, name); live.ok() || live.error().sqlstate != kNoLiveSchema) return live;

  auto tx = Transaction::Begin(sql);
  if (!tx.ok()) return MakeErr(std::move(tx).error());
  // A concurrent caller's insert makes ours wait for its commit and then do nothing, so exactly one
  // caller creates the tables and every caller returns only once they exist.
  const std::string schema = SchemaName(name, 1);
  auto inserted = sql.Exec(
      "INSERT INTO projection_schemas (projection, schema_name, switched_at) VALUES ($1, $2, now())"
      " ON CONFLICT (projection) DO NOTHING",
      {name, schema});
  if (!inserted.ok()) return MakeErr(std::move(inserted).error());
  if (inserted->affected == 1) {
    if (auto r = sql.ExecScript("CREATE SCHEMA IF NOT EXISTS " + schema); !r.ok()) return MakeErr(std::move(r).error());
    if (auto r = projection.CreateTables(sql, schema); !r.ok()) return MakeErr(std::move(r).error());
  }
  if (auto r = tx->Commit(); !r.ok()) return MakeErr(std::move(r).error());
  return LiveSchema(sql, name);
}

}  // namespace switchboard::projections
