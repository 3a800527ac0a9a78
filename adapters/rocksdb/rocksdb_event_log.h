// RocksDbEventLog: the embedded EventLog of DESIGN.md §3 on one RocksDB database. One writer thread
// gathers concurrent appends into one WriteBatch and one synced WAL write (group commit).
// Thread-safety: every method may be called concurrently; subscriptions may outlive the log
// (their Next then fails with kUnavailable).
//
//   auto log = RocksDbEventLog::Open(data_dir + "/log", 8);
//   if (!log) return log.error();               // kInvalid: other partition count; kIo: storage
//   commands::EventLog& port = **log;
//
// A read-only log (OpenReadOnly) is a RocksDB secondary instance: it opens beside a primary that
// another process holds open (`switchboard serve`) and follows it by tailing its MANIFEST and WAL,
// for `replay` and `audit`:
//
//   auto log = RocksDbEventLog::OpenReadOnly(data_dir + "/log", data_dir + "/log-secondary-123", 8);
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "commands/event_log.h"
#include "domain/result.h"

namespace switchboard::adapters {

namespace detail {
struct RocksDbLogCore;  // the database and the state shared by the log, its writer and its subscriptions
}  // namespace detail

class RocksDbEventLog final : public commands::EventLog {
 public:
  // Opens the log in dir, creating it when missing. Fails with kInvalid when partitions < 1 or
  // the directory holds a log created with another partition count (re-partitioning would move
  // tenants and break their order), with kIo on storage errors.
  static Result<std::unique_ptr<RocksDbEventLog>, commands::LogError> Open(const std::string& dir, int partitions);

  // Opens the existing log in dir read-only, as a secondary instance that may run while another
  // process (or this one) has the log open with Open(). secondary_dir (created when missing) holds
  // the secondary's own files (its info log); the caller removes it after the log is destroyed.
  // `partitions` > 0 must match the stored count (kInvalid otherwise, as in Open); 0 takes the
  // stored count. kIo when dir holds no log or on storage errors.
  //
  // Append fails with kUnavailable ("read-only log"); SyncedBatches() stays 0. Reads see the
  // primary's appends once the secondary has caught up with it (TryCatchUpWithPrimary); whole
  // WriteBatches become visible at once, and end offsets are derived from the event keys present,
  // up to the first missing offset, so offset N+1 is never seen before N. When it catches up:
  // - ReadPartition asked for offsets past the known end, ReadStream and StreamVersion: always
  //   (concurrent callers share one catch-up), so they see every append that the primary had
  //   returned before the call;
  // - EndOffset and subscriptions waiting for events: at most every kCatchUpInterval, so the
  //   end offset may lag the primary by that much, and a subscription sees new events within it.
  // Note: the secondary reads the primary's WAL as written, so it may see a batch a moment before
  // the primary's fsync returns (the primary's Append has not returned yet); only a power loss at
  // that moment could take back such a batch.
  static Result<std::unique_ptr<RocksDbEventLog>, commands::LogError> OpenReadOnly(const std::string& dir,
                                                                                   const std::string& secondary_dir,
                                                                                   int partitions = 0);
  static constexpr std::chrono::milliseconds kCatchUpInterval{50};

  // Stops the writer (appends still queued fail with kUnavailable), wakes subscriptions, closes the DB.
  ~RocksDbEventLog() override;
  RocksDbEventLog(const RocksDbEventLog&) = delete;
  RocksDbEventLog& operator=(const RocksDbEventLog&) = delete;

  // Validation (kInvalid): non-empty tenant_id, at least one stream, non-empty and distinct stream
  // names, exact versions >= 0, events encodable as JSON. A repeated idempotency key (per tenant)
  // returns the first append's result with duplicate=true and writes nothing, even when the
  // repeated request differs from the first: the key, not the content, identifies the operation.
  // Returns once the events are durable (fsynced) and visible to readers.
  Result<commands::AppendResult, commands::LogError> Append(const commands::AppendRequest& request) override;
  Result<std::vector<commands::RecordedEvent>, commands::LogError> ReadStream(const std::string& tenant_id,
                                                                              const std::string& stream,
                                                                              std::int64_t from_version,
                                                                              std::size_t max) override;
  Result<std::int64_t, commands::LogError> StreamVersion(const std::string& tenant_id,
                                                         const std::string& stream) override;
  Result<std::vector<commands::RecordedEvent>, commands::LogError> ReadPartition(int partition,
                                                                                 std::int64_t from_offset,
                                                                                 std::size_t max) override;
  Result<std::int64_t, commands::LogError> EndOffset(int partition) override;
  // An invalid partition or negative offset yields a subscription whose Next fails with kInvalid.
  std::unique_ptr<commands::Subscription> Subscribe(int partition, std::int64_t from_offset) override;
  int Partitions() const override;

  // Metric: synced WriteBatches written so far. Under concurrent appenders it grows much slower
  // than the number of appends; that gap is the group commit at work.
  std::uint64_t SyncedBatches() const;

  bool IsReadOnly() const;

 private:
  explicit RocksDbEventLog(std::shared_ptr<detail::RocksDbLogCore> core);
  Result<std::int64_t, commands::LogError> ReadOnlyStreamVersion(const std::string& tenant_id,
                                                                 const std::string& stream_key);

  std::shared_ptr<detail::RocksDbLogCore> core_;  // shared with subscriptions, which may outlive the log
};

}  // namespace switchboard::adapters
