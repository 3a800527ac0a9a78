// SQL-text helpers shared by the CRM projection and its queries: schema-name validation and quoting,
// the one RFC 3339 timestamp format of the API, and parsing of text-format cells. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/result.h"
#include "projections/sql.h"

namespace switchboard::projections::crm {

// The engine picks schema names, but they are spliced into SQL text, so anything other than
// [a-z0-9_]{1,63} is refused rather than quoted-and-hoped.
bool IsValidSchemaName(std::string_view schema);

// `"schema"` ready to prefix a table name, or an error (sqlstate 42602 invalid_name).
Result<std::string, SqlError> QuotedSchema(std::string_view schema);

// SQL expression rendering a timestamptz column as `2026-11-24T15:04:05.123Z` (UTC, milliseconds).
std::string RfcTimeSql(std::string_view column);

// Text-format cell accessors: NULL becomes "" / 0 / false.
std::string CellText(const SqlParam& cell);
std::int64_t CellInt(const SqlParam& cell);
std::optional<std::int64_t> CellOptInt(const SqlParam& cell);
bool CellBool(const SqlParam& cell);

}  // namespace switchboard::projections::crm
