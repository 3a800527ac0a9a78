// EventLog: the write side's port to the partitioned, append-only event log (DESIGN.md §3).
// Implemented by adapters/rocksdb (embedded) and adapters/kafka; both pass tests/contract.
// Thread-safety: every method may be called concurrently from any thread.
//
//   AppendRequest req{.tenant_id = t, .streams = {{"customer-" + id, ExpectedVersion::NoStream(), {ev}}}};
//   auto r = log.Append(req);   // r->last_offset is the consistency position
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "commands/recorded_event.h"
#include "domain/result.h"

namespace switchboard::commands {

// The expected version of a stream before an append: any, "must not exist yet", or exact.
struct ExpectedVersion {
  enum class Kind { kAny, kNoStream, kExact };
  Kind kind = Kind::kAny;
  std::int64_t version = 0;  // for kExact: the stream's current last version (>= 1)

  static ExpectedVersion Any() { return {Kind::kAny, 0}; }
  static ExpectedVersion NoStream() { return {Kind::kNoStream, 0}; }
  // Exact(0) is the same as NoStream(): a stream's version is 0 before its first event.
  static ExpectedVersion Exact(std::int64_t v) { return v == 0 ? NoStream() : ExpectedVersion{Kind::kExact, v}; }

  bool Matches(std::int64_t actual) const {
    return kind == Kind::kAny || (kind == Kind::kNoStream && actual == 0) || (kind == Kind::kExact && actual == version);
  }
};

struct StreamAppend {
  std::string stream;  // e.g. "appointment-<uuid>"; scoped by tenant
  ExpectedVersion expected;
  std::vector<NewEvent> events;  // may be empty: then it only checks the expected version
};

// One atomic append: all events of all streams (one tenant, hence one partition) land in order
// at increasing offsets (consecutive on the embedded log; on Kafka transaction markers take
// offsets in between), or none does.
struct AppendRequest {
  std::string tenant_id;
  std::vector<StreamAppend> streams;
  std::string idempotency_key;  // optional; a repeat returns the first result with duplicate=true
};

struct AppendResult {
  int partition = 0;
  std::int64_t first_offset = 0;  // offsets of the first and last appended event
  std::int64_t last_offset = -1;  // first_offset - 1 when nothing was appended
  std::vector<std::int64_t> stream_versions;  // each stream's version after the append, as requested
  bool duplicate = false;
};

struct LogError {
  enum class Code { kConflict, kInvalid, kUnavailable, kIo };
  Code code = Code::kIo;
  std::string message;
  std::string stream;                 // for kConflict: the stream whose version differed
  std::int64_t actual_version = 0;    // for kConflict: its current version
};

// kInvalid when the request is malformed (no tenant, no stream, an empty or repeated stream name,
// a negative expected version), checked before anything is written.
std::optional<LogError> ValidateAppend(const AppendRequest& request);

// An AppendResult as stored with an idempotency key (JSON), and back; Decode throws
// nlohmann::json::exception on a corrupt record.
std::string EncodeAppendResult(const AppendResult& result);
AppendResult DecodeAppendResult(std::string_view bytes);

// The current UTC time as RFC 3339 with milliseconds (an envelope's recorded_at).
std::string NowRfc3339Millis();

// The kConflict error of an append whose expected version of `stream` did not match `actual`.
LogError ConflictError(const std::string& stream, std::int64_t actual);

// Reads a partition from a position: first everything already written (catch-up), then new
// events as they are appended (live). Never skips or repeats an offset. One thread per subscription.
class Subscription {
 public:
  virtual ~Subscription() = default;
  // Up to max events starting at the next offset; waits up to `wait` when none is available
  // yet and then returns an empty batch.
  virtual Result<std::vector<RecordedEvent>, LogError> Next(std::size_t max, std::chrono::milliseconds wait) = 0;
  virtual std::int64_t Position() const = 0;  // the next offset this subscription will return
};

class EventLog {
 public:
  virtual ~EventLog() = default;

  virtual Result<AppendResult, LogError> Append(const AppendRequest& request) = 0;

  // Events of a tenant's stream with stream_version >= from_version, at most max of them.
  virtual Result<std::vector<RecordedEvent>, LogError> ReadStream(const std::string& tenant_id,
                                                                  const std::string& stream,
                                                                  std::int64_t from_version,
                                                                  std::size_t max) = 0;
  // The stream's last version, 0 when it does not exist.
  virtual Result<std::int64_t, LogError> StreamVersion(const std::string& tenant_id, const std::string& stream) = 0;

  // Events of a partition with offset >= from_offset, at most max of them.
  virtual Result<std::vector<RecordedEvent>, LogError> ReadPartition(int partition, std::int64_t from_offset,
                                                                     std::size_t max) = 0;
  // The offset the next append to the partition will get at the earliest: greater than every
  // event's offset (equal to the number of events on the embedded log).
  virtual Result<std::int64_t, LogError> EndOffset(int partition) = 0;

  virtual std::unique_ptr<Subscription> Subscribe(int partition, std::int64_t from_offset) = 0;

  virtual int Partitions() const = 0;
};

// Visits every event of `partition` from `from_offset` up to the partition's end at the call, in
// offset order. Through a Subscription rather than ReadPartition pages: on Kafka, records that are
// not events (fences, transaction markers) take offsets, so a short page does not mean the end.
// Fails when the log does, or when the read makes no progress for `stall_limit`.
Result<void, LogError> ForEachEvent(EventLog& log, int partition, std::int64_t from_offset,
                                    const std::function<void(const RecordedEvent&)>& visit,
                                    std::chrono::milliseconds stall_limit = std::chrono::seconds(30));

// The partition of a tenant: FNV-1a of the id modulo the partition count. Stable forever.
int PartitionOf(std::string_view tenant_id, int partitions);

}  // namespace switchboard::commands
