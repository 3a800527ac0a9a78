// RocksDbStateStore: the StateStore port on its own RocksDB database (usable with either event log).
// Writes go to the WAL without fsync: the store holds only state rebuildable from the log, so a
// power loss may cost its last writes but never a fact. Thread-safety: every method may be called
// concurrently; PutIfAbsent is atomic with respect to Put and PutIfAbsent on the same key.
//
//   auto store = RocksDbStateStore::Open(data_dir + "/state");
//   auto stored = (*store)->PutIfAbsent("idem/t_1/abc", response);   // first writer wins
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "commands/state_store.h"
#include "domain/result.h"

namespace rocksdb {
class DB;
}  // namespace rocksdb

namespace switchboard::adapters {

class RocksDbStateStore final : public commands::StateStore {
 public:
  // Opens the store in dir, creating it when missing; kIo on storage errors (e.g. dir in use).
  static Result<std::unique_ptr<RocksDbStateStore>, commands::LogError> Open(const std::string& dir);
  ~RocksDbStateStore() override;
  RocksDbStateStore(const RocksDbStateStore&) = delete;
  RocksDbStateStore& operator=(const RocksDbStateStore&) = delete;

  Result<std::optional<std::string>, commands::LogError> Get(const std::string& key) override;
  Result<void, commands::LogError> Put(const std::string& key, const std::string& value) override;
  Result<std::string, commands::LogError> PutIfAbsent(const std::string& key, const std::string& value) override;

 private:
  explicit RocksDbStateStore(std::unique_ptr<rocksdb::DB> db);
  std::mutex& StripeOf(const std::string& key);

  std::unique_ptr<rocksdb::DB> db_;
  // Writers of one key serialize on its stripe, which makes PutIfAbsent's read-then-write atomic.
  std::array<std::mutex, 64> stripes_;
};

}  // namespace switchboard::adapters
