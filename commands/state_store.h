// StateStore: a durable key-value store for the write side's derived state (aggregate snapshots,
// HTTP idempotency records). Losing it loses no fact: everything in it can be rebuilt from the log.
// Implemented by adapters/rocksdb. Thread-safe.
#pragma once

#include <optional>
#include <string>

#include "commands/event_log.h"

namespace switchboard::commands {

class StateStore {
 public:
  virtual ~StateStore() = default;
  virtual Result<std::optional<std::string>, LogError> Get(const std::string& key) = 0;
  virtual Result<void, LogError> Put(const std::string& key, const std::string& value) = 0;
  // Stores value under key only if key is absent; returns the value now stored.
  virtual Result<std::string, LogError> PutIfAbsent(const std::string& key, const std::string& value) = 0;
};

}  // namespace switchboard::commands
