// Transaction: BEGIN on construction via Begin(), ROLLBACK on destruction unless committed.
// Internal to the engine; used by one thread with the connection it wraps.
#pragma once

#include <utility>

#include "domain/result.h"
#include "projections/sql.h"

namespace switchboard::projections {

class Transaction {
 public:
  static Result<Transaction, SqlError> Begin(SqlConnection& sql) {
    if (auto r = sql.ExecScript("BEGIN"); !r.ok()) return MakeErr(std::move(r).error());
    return Transaction(sql);
  }
  Transaction(Transaction&& other) noexcept : sql_(std::exchange(other.sql_, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction() {
    // Best effort: on a broken connection there is nothing left to roll back.
    if (sql_ != nullptr) (void)sql_->ExecScript("ROLLBACK");
  }

  Result<void, SqlError> Commit() {
    SqlConnection* sql = std::exchange(sql_, nullptr);
    return sql->ExecScript("COMMIT");
  }

 private:
  explicit Transaction(SqlConnection& sql) : sql_(&sql) {}
  SqlConnection* sql_;
};

}  // namespace switchboard::projections
