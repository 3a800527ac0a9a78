// SQL-text helpers of the CRM read model (see sql_text.h).
#include "projections/crm/sql_text.h"

#include <charconv>

namespace switchboard::projections::crm {

bool IsValidSchemaName(std::string_view schema) {
  // 63 bytes is PostgreSQL's identifier limit (NAMEDATALEN - 1); longer names would be truncated.
  if (schema.empty() || schema.size() > 63) return false;
  for (char c : schema) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

Result<std::string, SqlError> QuotedSchema(std::string_view schema) {
  if (!IsValidSchemaName(schema)) {
    return MakeErr(SqlError{"crm: invalid schema name '" + std::string(schema) + "' (want [a-z0-9_]{1,63})", "42602"});
  }
  return "\"" + std::string(schema) + "\"";
}

std::string RfcTimeSql(std::string_view column) {
  return "to_char(" + std::string(column) + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
}

std::string CellText(const SqlParam& cell) { return cell ? *cell : std::string(); }

std::optional<std::int64_t> CellOptInt(const SqlParam& cell) {
  if (!cell) return std::nullopt;
  std::int64_t v = 0;
  const auto* begin = cell->data();
  const auto* end = begin + cell->size();
  // PostgreSQL renders bigint/int as plain decimal, so a parse failure means a wrong column.
  if (std::from_chars(begin, end, v).ec != std::errc()) return std::nullopt;
  return v;
}

std::int64_t CellInt(const SqlParam& cell) { return CellOptInt(cell).value_or(0); }

bool CellBool(const SqlParam& cell) { return cell && (*cell == "t" || *cell == "true"); }

}  // namespace switchboard::projections::crm
