// Translation of rocksdb::Status into the ports' LogError, shared by the RocksDB adapters.
// Internal to adapters/rocksdb (it exposes RocksDB types). Thread-safety: pure function.
#pragma once

#include <string>
#include <string_view>

#include <rocksdb/status.h>

#include "commands/event_log.h"

namespace switchboard::adapters {

inline commands::LogError IoError(std::string_view what, const rocksdb::Status& status) {
  commands::LogError e;
  e.code = commands::LogError::Code::kIo;
  e.message = std::string(what) + ": " + status.ToString();
  return e;
}

}  // namespace switchboard::adapters
