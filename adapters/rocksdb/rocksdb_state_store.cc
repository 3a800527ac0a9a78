// RocksDbStateStore: one default column family; striped locks make PutIfAbsent a critical section
// per key, so concurrent claimants of one key all see the same winner.
#include "adapters/rocksdb/rocksdb_state_store.h"

#include <cstdio>
#include <functional>

#include <rocksdb/db.h>

#include "adapters/rocksdb/rocksdb_status.h"

namespace switchboard::adapters {

using commands::LogError;

Result<std::unique_ptr<RocksDbStateStore>, LogError> RocksDbStateStore::Open(const std::string& dir) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.max_background_jobs = 2;
  options.keep_log_file_num = 4;
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status s = rocksdb::DB::Open(options, dir, &raw);
  if (!s.ok()) return MakeErr(IoError("open state store in " + dir, s));
  return std::unique_ptr<RocksDbStateStore>(new RocksDbStateStore(std::unique_ptr<rocksdb::DB>(raw)));
}

RocksDbStateStore::RocksDbStateStore(std::unique_ptr<rocksdb::DB> db) : db_(std::move(db)) {}

RocksDbStateStore::~RocksDbStateStore() {
  const rocksdb::Status s = db_->Close();
  if (!s.ok()) std::fprintf(stderr, "RocksDbStateStore: close failed: %s\n", s.ToString().c_str());
}

std::mutex& RocksDbStateStore::StripeOf(const std::string& key) {
  return stripes_[std::hash<std::string>{}(key) % stripes_.size()];
}

Result<std::optional<std::string>, LogError> RocksDbStateStore::Get(const std::string& key) {
  std::string value;
  const rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), key, &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return MakeErr(IoError("state store get", s));
  return std::optional<std::string>(std::move(value));
}

Result<void, LogError> RocksDbStateStore::Put(const std::string& key, const std::string& value) {
  std::lock_guard lock(StripeOf(key));
  const rocksdb::Status s = db_->Put(rocksdb::WriteOptions(), key, value);
  if (!s.ok()) return MakeErr(IoError("state store put", s));
  return {};
}

Result<std::string, LogError> RocksDbStateStore::PutIfAbsent(const std::string& key, const std::string& value) {
  std::lock_guard lock(StripeOf(key));
  std::string existing;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), key, &existing);
  if (s.ok()) return existing;
  if (!s.IsNotFound()) return MakeErr(IoError("state store get", s));
  s = db_->Put(rocksdb::WriteOptions(), key, value);
  if (!s.ok()) return MakeErr(IoError("state store put", s));
  return value;
}

}  // namespace switchboard::adapters
