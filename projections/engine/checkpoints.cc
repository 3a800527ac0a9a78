// projection_checkpoints access; the table is created by adapters/postgres CoreMigrations().
#include "projections/engine/checkpoints.h"

#include <string>

namespace switchboard::projections {

Result<std::int64_t, SqlError> LoadCheckpoint(SqlConnection& sql, std::string_view projection, int partition) {
  auto rows = sql.Exec("SELECT next_offset FROM projection_checkpoints WHERE projection = $1 AND partition = $2",
                       {std::string(projection), std::to_string(partition)});
  if (!rows.ok()) return MakeErr(std::move(rows).error());
  if (rows->rows.empty() || !rows->rows[0][0]) return std::int64_t{0};
  return std::int64_t{std::stoll(*rows->rows[0][0])};
}

Result<std::map<int, std::int64_t>, SqlError> LoadCheckpoints(SqlConnection& sql, std::string_view projection) {
  auto rows = sql.Exec("SELECT partition, next_offset FROM projection_checkpoints WHERE projection = $1",
                       {std::string(projection)});
  if (!rows.ok()) return MakeErr(std::move(rows).error());
  std::map<int, std::int64_t> out;
  for (const auto& row : rows->rows) out[std::stoi(*row[0])] = std::stoll(*row[1]);
  return out;
}

Result<void, SqlError> SaveCheckpoint(SqlConnection& sql, std::string_view projection, int partition,
                                      std::int64_t next_offset) {
  auto r = sql.Exec(
      "INSERT INTO projection_checkpoints (projection, partition, next_offset, updated_at)"
      " VALUES ($1, $2, $3, now())"
      " ON CONFLICT (projection, partition) DO UPDATE"
      " SET next_offset = GREATEST(projection_checkpoints.next_offset, excluded.next_offset), updated_at = now()",
      {std::string(projection), std::to_string(partition), std::to_string(next_offset)});
  if (!r.ok()) return MakeErr(std::move(r).error());
  return {};
}

Result<void, SqlError> DeleteCheckpoints(SqlConnection& sql, std::string_view projection) {
  auto r = sql.Exec("DELETE FROM projection_checkpoints WHERE projection = $1", {std::string(projection)});
  if (!r.ok()) return MakeErr(std::move(r).error());
  return {};
}

}  // namespace switchboard::projections
