// The composition root: the one place that wires adapters into ports and starts the process's
// parts. Storage opens the event log, state store and PostgreSQL; Server adds the projection
// engine, command services, router and HTTP server on top.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "adapters/postgres/pg_pool.h"
#include "adapters/postgres/pg_state_store.h"
#include "adapters/kafka/kafka_event_log.h"
#include "commands/event_log.h"
#include "adapters/rocksdb/rocksdb_state_store.h"
#include "infra/config.h"

namespace switchboard::infra {

// Removes a directory tree when destroyed (nothing once moved from).
class DirRemoval {
 public:
  DirRemoval() = default;
  explicit DirRemoval(std::string path) : path_(std::move(path)) {}
  DirRemoval(DirRemoval&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  DirRemoval& operator=(DirRemoval&& other) noexcept;
  ~DirRemoval();

 private:
  std::string path_;
};

struct Storage {
  DirRemoval log_secondary_dir;  // first member, so it goes after the log has closed
  std::unique_ptr<commands::EventLog> log;  // RocksDbEventLog, or KafkaEventLog with event_log=kafka
  adapters::KafkaEventLog* kafka = nullptr;  // = log when it is the Kafka log
  std::unique_ptr<adapters::RocksDbStateStore> state;  // null with StorageMode::kReadOnlyLog
  std::unique_ptr<adapters::PgPool> pool;
  // Where state that must outlive a partition's move between nodes goes (HTTP idempotency
  // records, webhook delivery schedules): `state` on the embedded log, PostgreSQL on Kafka.
  std::unique_ptr<adapters::PgStateStore> pg_state;
  commands::StateStore* shared_state = nullptr;
};

enum class StorageMode {
  kReadWrite,    // serve, migrate: the process owns the log and the state store
  // replay, audit, project: the log is opened read-only (a RocksDB secondary in
  // <data_dir>/log-secondary-<pid>, removed on close; on Kafka a reader that joins no writer group)
  // so these run beside a `serve` that holds it; no state store is opened.
  kReadOnlyLog,
};

// Opens everything and applies pending migrations.
Result<Storage, std::string> OpenStorage(const Config& config, int pool_size,
                                         StorageMode mode = StorageMode::kReadWrite);

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
