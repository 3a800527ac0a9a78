// PgPool: the libpq implementation of the projections::SqlPool port (a fixed set of connections).
// Thread-safety: the pool is thread-safe; a lease (and its connection) is used by one thread at a
// time. Leases may outlive the pool object: the connections they hold are closed on their return.
//
//   auto pool = PgPool::Open("host=/tmp/pg port=5432 dbname=sb", 4);
//   auto lease = (*pool)->Acquire();            // waits up to 5 s for a free connection
//   auto rows = (**lease)->Exec("SELECT $1::int + 1", {"41"});
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "domain/result.h"
#include "projections/sql.h"

namespace switchboard::adapters {

class PgPool final : public projections::SqlPool {
 public:
  // Connects `size` (>= 1) connections now, so a wrong conninfo fails here and not at first use.
  static Result<std::unique_ptr<PgPool>, projections::SqlError> Open(const std::string& conninfo, int size);
  ~PgPool() override;

  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  // Waits up to `wait` for a free connection. A connection found broken is reconnected here, so a
  // database restart costs each connection one failed statement; a reconnect failure is returned
  // as an SqlError with an empty sqlstate (the connection is retried on the next Acquire).
  Result<std::unique_ptr<projections::SqlLease>, projections::SqlError> Acquire(
      std::chrono::milliseconds wait = std::chrono::seconds(5)) override;

  int Size() const;

  struct State;  // shared with the leases; defined in pg_pool.cc

 private:
  explicit PgPool(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

// One connection outside any pool, e.g. for administrative statements (CREATE DATABASE) that must
// not run on a pooled connection. Not thread-safe (like every SqlConnection).
Result<std::unique_ptr<projections::SqlConnection>, projections::SqlError> PgConnect(const std::string& conninfo);

}  // namespace switchboard::adapters
