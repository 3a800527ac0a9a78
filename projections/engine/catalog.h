// Blue/green catalog: which schema holds a projection's live tables (projection_schemas).
// Schemas are named "<projection>_v<N>"; a rebuild builds N+1 and switches the catalog row.
// Stateless functions; the connection is used by the calling thread only.
#pragma once

#include <string>
#include <string_view>

#include "domain/result.h"
#include "projections/projection.h"
#include "projections/sql.h"

namespace switchboard::projections {

// SQLSTATE of the error LiveSchema returns when the projection has no live schema yet.
inline constexpr std::string_view kNoLiveSchema = "P0002";

// A projection name must be a plain lower-case SQL identifier ([a-z][a-z0-9_]*, at most 40
// characters) because it is spliced into schema names unquoted.
bool IsValidProjectionName(std::string_view name);

// "<projection>_v<version>".
std::string SchemaName(std::string_view projection, int version);
// The N of "<projection>_v<N>"; 0 when `schema` is not of that form.
int SchemaVersion(std::string_view projection, std::string_view schema);

// The schema queries should read; an error with sqlstate kNoLiveSchema when there is none.
// Read it per query (or per request): it changes when a rebuild switches.
Result<std::string, SqlError> LiveSchema(SqlConnection& sql, std::string_view projection);

// LiveSchema, creating "<projection>_v1" (schema, tables, catalog row) in one transaction when the
// projection has none. Safe against concurrent callers. Must not be called inside a transaction.
Result<std::string, SqlError> EnsureLiveSchema(SqlConnection& sql, Projection& projection);

}  // namespace switchboard::projections
