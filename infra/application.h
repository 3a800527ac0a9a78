// The composition root: the one place that wires adapters into ports and starts the process's
// parts. Storage opens the event log, state store and PostgreSQL; Server adds the projection
// engine, command services, router and HTTP server on top.
#pragma once

#include <memory>
#include <string>

#include "adapters/postgres/pg_pool.h"
#include "adapters/rocksdb/rocksdb_event_log.h"
#include "adapters/rocksdb/rocksdb_state_store.h"
#include "infra/config.h"

namespace switchboard::infra {

struct Storage {
  std::unique_ptr<adapters::RocksDbEventLog> log;
  std::unique_ptr<adapters::RocksDbStateStore> state;
  std::unique_ptr<adapters::PgPool> pool;
};

// Opens everything and applies pending migrations.
Result<Storage, std::string> OpenStorage(const Config& config, int pool_size);

class Server {
 public:
  static Result<std::unique_ptr<Server>, std::string> Start(const Config& config);
  ~Server();
  int port() const;

  struct Parts;

 private:
  explicit Server(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace switchboard::infra
