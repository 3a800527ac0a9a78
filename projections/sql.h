// Sql: the read side's port to a SQL database (PostgreSQL in practice; adapters/postgres implements
// it with libpq). Projections own their schema and SQL text; this port only carries them.
// A SqlConnection is used by one thread at a time; a SqlPool is thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/result.h"

namespace switchboard::projections {

struct SqlError {
  std::string message;
  std::string sqlstate;  // e.g. "23505" unique_violation; empty for connection failures
};

using SqlParam = std::optional<std::string>;  // text format; nullopt is SQL NULL
using SqlParams = std::vector<SqlParam>;

struct SqlRows {
  std::vector<std::string> columns;
  std::vector<std::vector<SqlParam>> rows;  // text values; nullopt for NULL
  std::int64_t affected = 0;                // rows affected by INSERT/UPDATE/DELETE

  // Column index by name; -1 when absent.
  int Column(std::string_view name) const;
};

class SqlConnection {
 public:
  virtual ~SqlConnection() = default;
  // One statement with $1..$n text parameters (extended protocol).
  virtual Result<SqlRows, SqlError> Exec(std::string_view sql, const SqlParams& params = {}) = 0;
  // Several statements without parameters (simple protocol), e.g. a migration script.
  virtual Result<void, SqlError> ExecScript(std::string_view sql) = 0;
  // COPY ... FROM STDIN with data already in the COPY text format.
  virtual Result<std::int64_t, SqlError> CopyIn(std::string_view copy_statement, std::string_view data) = 0;
};

// A connection borrowed from a pool; returned on destruction.
class SqlLease {
 public:
  virtual ~SqlLease() = default;
  virtual SqlConnection& operator*() = 0;
  SqlConnection* operator->() { return &**this; }
};

class SqlPool {
 public:
  virtual ~SqlPool() = default;
  // Waits up to `wait` for a free connection.
  virtual Result<std::unique_ptr<SqlLease>, SqlError> Acquire(std::chrono::milliseconds wait = std::chrono::seconds(5)) = 0;
};

// Escapes one value for the COPY text format (backslash, tab, newline, carriage return).
void AppendCopyField(std::string& out, const SqlParam& value);

}  // namespace switchboard::projections
