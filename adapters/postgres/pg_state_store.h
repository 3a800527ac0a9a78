// PgStateStore: the StateStore port on PostgreSQL (table state_kv, CoreMigrations()). On the Kafka
// log, state that must follow a partition from one node to the next lives here rather than in a
// node's RocksDB: HTTP idempotency records (a retry on another node replays the first response)
// and the webhook dispatcher's delivery schedules (a new owner resumes where the old one stopped).
// Values are text (every caller stores JSON). Thread-safe: each call borrows a pooled connection.
#pragma once

#include <optional>
#include <string>

#include "adapters/postgres/pg_pool.h"
#include "commands/state_store.h"

namespace switchboard::adapters {

class PgStateStore final : public commands::StateStore {
 public:
  explicit PgStateStore(PgPool& pool) : pool_(pool) {}  // the pool must outlive the store

  // kUnavailable when no connection can be had or a statement fails.
  Result<std::optional<std::string>, commands::LogError> Get(const std::string& key) override;
  Result<void, commands::LogError> Put(const std::string& key, const std::string& value) override;
  Result<std::string, commands::LogError> PutIfAbsent(const std::string& key, const std::string& value) override;

 private:
  PgPool& pool_;
};

}  // namespace switchboard::adapters
