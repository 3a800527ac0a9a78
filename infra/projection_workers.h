// ProjectionWorkers: this process's share of the projection work, one ProjectionEngine per partition
// it runs. On the embedded log that is every partition; on Kafka it is what the consumer group
// `switchboard-projections` assigns, so `serve` and `project` processes share partitions and hand
// them over on a rebalance. Exactly-once holds across processes through the checkpoints that each
// batch moves in its own PostgreSQL transaction (locked rows), not through Kafka's offsets.
// Thread-safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "adapters/kafka/kafka_partition_group.h"
#include "commands/event_log.h"
#include "infra/config.h"
#include "projections/engine/projection_engine.h"
#include "projections/projection.h"
#include "projections/sql.h"

namespace switchboard::infra {

class ProjectionWorkers {
 public:
  // `options.partitions` is ignored (each engine runs one partition). All must outlive this.
  ProjectionWorkers(commands::EventLog& log, projections::SqlPool& pool,
                    std::vector<projections::Projection*> projections, projections::EngineOptions options);
  ~ProjectionWorkers();  // stops every engine
  ProjectionWorkers(const ProjectionWorkers&) = delete;
  ProjectionWorkers& operator=(const ProjectionWorkers&) = delete;

  // Starts engines for the partitions not yet run here; the first error (database unreachable)
  // is returned after trying all of them.
  Result<void, projections::SqlError> Run(const std::vector<int>& partitions);
  // Stops the engines of these partitions after their current transaction.
  void Stop(const std::vector<int>& partitions);
  std::vector<int> Running() const;

  // Read-your-writes: waits until every projection has applied `offset` of `partition`. Asks the
  // local engine when this process runs the partition, else polls the checkpoints in PostgreSQL.
  bool WaitFor(int partition, std::int64_t offset, std::chrono::milliseconds timeout) const;
  // Lag of the partitions run here.
  std::vector<projections::LagSample> Lag() const;

 private:
  bool CheckpointsReached(int partition, std::int64_t offset) const;

  commands::EventLog& log_;
  projections::SqlPool& pool_;
  std::vector<projections::Projection*> projections_;
  std::string names_array_;  // '{a,b}' text[] literal
  projections::EngineOptions options_;
  mutable std::mutex mu_;
  std::map<int, std::shared_ptr<projections::ProjectionEngine>> engines_;  // guarded by mu_
};

// Gives `workers` this process's partitions: all of them on the embedded log (the returned group
// is null), or on Kafka (config.event_log) the share the consumer group `switchboard-projections`
// assigns, following rebalances until the returned group is destroyed (destroy it before `workers`).
Result<std::unique_ptr<adapters::KafkaPartitionGroup>, std::string> ShareProjectionWork(const Config& config,
                                                                                       ProjectionWorkers& workers);

}  // namespace switchboard::infra
