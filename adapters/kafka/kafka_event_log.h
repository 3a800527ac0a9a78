// KafkaEventLog: the EventLog of DESIGN.md §3 on a Kafka topic (librdkafka), for deployments that
// outgrow one machine. Thread-safety: every method may be called concurrently; subscriptions may
// outlive the log (their Next then fails with kUnavailable).
//
//   KafkaLogOptions o{.brokers = "k1:9092,k2:9092", .partitions = 8, .node_id = "serve-1",
//                     .state_dir = data_dir + "/kafka-writer"};
//   auto log = KafkaEventLog::Open(o);   // joins the writer group, waits for its first assignment
//   if (!log) return log.error();        // kInvalid: options / topic with another partition count
//
// Ownership: every node is a member of the consumer group `group` over the topic; the partitions the
// group assigns to a node are the ones it writes. Each owned partition has its own transactional
// producer with transactional.id "switchboard-events-<topic>-p<N>", so a new owner's
// init_transactions fences the previous one (its commit fails; its transaction is aborted). An
// append for a partition this node does not own fails fast with kUnavailable, naming the owner when
// known ("partition 3 is owned by node serve-2"); the HTTP layer answers 503 + Retry-After.
//
// Offsets are Kafka offsets: strictly increasing per partition but not contiguous on a real broker
// (each transaction's commit marker takes an offset). EndOffset is the next offset the partition
// will use (read_committed: the last stable offset), greater than every event's offset.
//
// The stored value is the DESIGN envelope (EncodeEnvelope) with the offset its writer expects the
// broker to assign; a record elsewhere (a stale writer's) counts for no reader, and each ownership
// begins with a fence record (kafka_record.h). Every read fills partition and offset in from the
// Kafka message's metadata. Headers: "type", "schema_version".
//
// Local state (state_dir, RocksDB): per owned partition the stream-version index, the events of
// each stream (so ReadStream needs no broker round trip), the idempotency keys, and the applied
// offset, written in one WriteBatch per committed transaction. On assignment the writer restores it
// and reads the partition from the applied offset to the end (read_committed) before it accepts
// appends, so expected-version checks are exact. The local state is a cache of the topic: deleting
// state_dir costs a full replay of the owned partitions, nothing else.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "commands/event_log.h"
#include "domain/result.h"

namespace switchboard::adapters {

namespace detail {
struct KafkaLogCore;
}  // namespace detail

struct KafkaLogOptions {
  std::string brokers;                    // bootstrap.servers
  int partitions = 8;                     // the topic's partition count (fixed forever)
  int replication = 3;                    // replication factor when the topic is created
  std::string topic = "switchboard.events";
  std::string node_id;                    // unique per process; client.id and owner name
  std::string state_dir;                  // RocksDB directory of this node's writer state
  std::string group = "switchboard-writers";
  // Open waits this long for the first assignment (and its catch-up) before it fails kUnavailable.
  std::chrono::milliseconds open_timeout{30000};
  // Open waits until this node owns every partition (a single-node deployment, tests).
  bool wait_for_all_partitions = false;
  // false: a reader (replay, audit, `project`): joins no writer group and opens no state_dir (may be
  // empty); ReadPartition/EndOffset/Subscribe work, Append/ReadStream/StreamVersion fail kUnavailable.
  bool writer = true;
  // Extra librdkafka properties for every client (e.g. security.protocol, sasl.*).
  std::map<std::string, std::string> client_config;
};

class KafkaEventLog final : public commands::EventLog {
 public:
  // Validates the options (kInvalid), opens the state directory (kIo), creates the topic when
  // missing (Admin API; kInvalid when it exists with another partition count, kUnavailable when the
  // cluster cannot be reached or cannot create it), joins the writer group and waits for the first
  // assignment to be ready (kUnavailable after open_timeout).
  static Result<std::unique_ptr<KafkaEventLog>, commands::LogError> Open(const KafkaLogOptions& options);

  // Leaves the group (the partitions move to the other nodes), fails queued appends with kUnavailable.
  ~KafkaEventLog() override;
  KafkaEventLog(const KafkaEventLog&) = delete;
  KafkaEventLog& operator=(const KafkaEventLog&) = delete;

  // Validation as RocksDbEventLog (kInvalid). kUnavailable when this node does not own the tenant's
  // partition, was fenced, or the transaction failed (then nothing of it is visible to read_committed
  // readers). Concurrent appends to one partition share one Kafka transaction (group commit); an
  // append returns once commit_transaction succeeded.
  Result<commands::AppendResult, commands::LogError> Append(const commands::AppendRequest& request) override;
  // Owned partitions only (from the local index); kUnavailable for the others.
  Result<std::vector<commands::RecordedEvent>, commands::LogError> ReadStream(const std::string& tenant_id,
                                                                              const std::string& stream,
                                                                              std::int64_t from_version,
                                                                              std::size_t max) override;
  Result<std::int64_t, commands::LogError> StreamVersion(const std::string& tenant_id,
                                                         const std::string& stream) override;
  // Any partition, read_committed, from the broker.
  Result<std::vector<commands::RecordedEvent>, commands::LogError> ReadPartition(int partition,
                                                                                 std::int64_t from_offset,
                                                                                 std::size_t max) override;
  Result<std::int64_t, commands::LogError> EndOffset(int partition) override;
  std::unique_ptr<commands::Subscription> Subscribe(int partition, std::int64_t from_offset) override;
  int Partitions() const override;

  // The partitions this node currently owns and has caught up (ready for appends), ascending.
  std::vector<int> OwnedPartitions() const;
  // Waits until OwnedPartitions() == partitions (sorted) or the timeout passes; true on success.
  bool WaitForOwnership(const std::vector<int>& partitions, std::chrono::milliseconds timeout) const;
  // Waits until OwnedPartitions() differs from `known` (sorted) or the timeout passes; returns
  // OwnedPartitions(). Wakes on every assignment, revocation, catch-up and fencing.
  std::vector<int> WaitForOwnershipChange(const std::vector<int>& known, std::chrono::milliseconds timeout) const;
  // Metric: Kafka transactions committed so far (appends per transaction = the group commit at work).
  std::uint64_t CommittedTransactions() const;
  const std::string& NodeId() const;

 private:
  explicit KafkaEventLog(std::shared_ptr<detail::KafkaLogCore> core);
  std::shared_ptr<detail::KafkaLogCore> core_;
};

}  // namespace switchboard::adapters
