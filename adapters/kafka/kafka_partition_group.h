// KafkaPartitionGroup: membership in a Kafka consumer group over the events topic, so that several
// processes share its partitions (the projection workers of `switchboard project` and `serve`).
// It consumes nothing itself: assigned partitions are paused, and whoever gets them reads through
// the EventLog. Kafka's committed offsets are not used; progress lives in PostgreSQL checkpoints.
// Thread-safety: the callbacks run on the group's poll thread, one at a time; `revoked` runs before
// the group hands the partitions to another member, so stopping work there gives a clean handover.
//
//   auto group = KafkaPartitionGroup::Join(options, "switchboard-projections",
//                                          {.assigned = start_workers, .revoked = stop_workers});
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "adapters/kafka/kafka_event_log.h"
#include "commands/event_log.h"
#include "domain/result.h"

namespace switchboard::adapters {

struct PartitionGroupCallbacks {
  std::function<void(const std::vector<int>&)> assigned;
  std::function<void(const std::vector<int>&)> revoked;  // also on leaving and on a lost assignment
};

class KafkaPartitionGroup {
 public:
  // Uses options.brokers, topic, node_id and client_config. The callbacks must outlive the group.
  static Result<std::unique_ptr<KafkaPartitionGroup>, commands::LogError> Join(const KafkaLogOptions& options,
                                                                              const std::string& group_id,
                                                                              PartitionGroupCallbacks callbacks);
  // Leaves the group: `revoked` runs for what is still assigned.
  ~KafkaPartitionGroup();
  KafkaPartitionGroup(const KafkaPartitionGroup&) = delete;
  KafkaPartitionGroup& operator=(const KafkaPartitionGroup&) = delete;

  std::vector<int> Assigned() const;  // ascending

  struct Impl;

 private:
  explicit KafkaPartitionGroup(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace switchboard::adapters
