// ProjectionEngine: one worker thread per partition folds the event log into PostgreSQL read
// models, applying each batch and moving the checkpoints in ONE transaction (exactly once, §4).
// Thread-safety: Start/Stop from one owning thread; the query methods from any thread.
//
//   ProjectionEngine engine(log, pool, {&crm, &calls});
//   if (auto r = engine.Start(); !r.ok()) ...;          // creates <name>_v1 schemas when missing
//   engine.WaitFor(partition, offset, 200ms);          // read-your-writes (X-Consistency-Token)
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "commands/event_log.h"
#include "projections/engine/dead_letters.h"
#include "domain/result.h"
#include "projections/projection.h"
#include "projections/sql.h"

namespace switchboard::projections {

// What a worker committed; handed to EngineOptions::on_batch (e.g. to feed metrics).
struct BatchReport {
  int partition = 0;
  std::size_t events = 0;              // events in the batch (each projection applied its unseen part)
  std::int64_t next_offset = 0;        // the partition position after the batch
  std::chrono::microseconds duration{0};  // the transaction, BEGIN to COMMIT
};

struct EngineOptions {
  std::size_t max_batch_events = 1000;
  // After the first event of a batch arrives, how long to wait for more before committing.
  std::chrono::milliseconds max_batch_delay{20};
  std::vector<int> partitions{};  // the partitions this engine runs; empty means all
  std::chrono::milliseconds idle_poll{100};  // an idle worker re-checks Stop() this often
  std::chrono::milliseconds retry_min{50};   // backoff after a failed batch, doubling up to retry_max
  std::chrono::milliseconds retry_max{5000};
  // Called on worker threads; must be thread-safe and quick. Unset means not called.
  std::function<void(int partition, std::string_view message)> on_error{};
  std::function<void(const BatchReport&)> on_batch{};
  // Once per event a projection parked as poison (dead_letters.h), after the batch committed.
  std::function<void(const ParkedEvent&)> on_dead_letter{};
};

// One gauge value: how far a projection is behind the log on a partition.
struct LagSample {
  std::string projection{};
  int partition = 0;
  std::int64_t end_offset = 0;  // the log's next offset
  std::int64_t applied = 0;     // the projection's next offset to apply
  std::int64_t lag = 0;         // end_offset - applied
};

class ProjectionEngine {
 public:
  // The log, pool and projections must outlive the engine. Projection names must be distinct and
  // valid (IsValidProjectionName); Start() reports a violation.
  ProjectionEngine(commands::EventLog& log, SqlPool& pool, std::vector<Projection*> projections,
                   EngineOptions options = {});
  ~ProjectionEngine();  // Stop()s

  ProjectionEngine(const ProjectionEngine&) = delete;
  ProjectionEngine& operator=(const ProjectionEngine&) = delete;

  // Creates missing live schemas, loads the checkpoints and starts the workers. Fails (and starts
  // nothing) when the database is unreachable or a projection is invalid. Call once.
  Result<void, SqlError> Start();
  // Stops the workers after their current transaction; uncommitted work is simply redone next time.
  void Stop();

  // The next offset `projection` will apply on `partition` (as last committed by this engine);
  // -1 for an unknown projection or a partition this engine does not run.
  std::int64_t AppliedPosition(std::string_view projection, int partition) const;

  // Blocks until every projection has applied `offset` of `partition` (its next offset > offset),
  // or `timeout` passes. False on timeout, or when this engine does not run `partition`.
  bool WaitFor(int partition, std::int64_t offset, std::chrono::milliseconds timeout) const;

  // One sample per (projection, partition) this engine runs; reads the log's end offsets.
  std::vector<LagSample> Lag() const;

 private:
  void RunPartition(int partition);
  // Reads up to max_batch_events, waiting at most idle_poll for the first and max_batch_delay more.
  Result<std::vector<commands::RecordedEvent>, commands::LogError> NextBatch(commands::Subscription& sub);
  // One transaction: apply the batch to every projection past its checkpoint (parking poison
  // events), move checkpoints to read_to. The batch holds every event of [read_from, read_to): the
  // offsets between its events hold none (Kafka markers, fences). `parked` receives what was
  // parked, valid only when this succeeds.
  Result<std::vector<std::int64_t>, SqlError> ApplyBatch(int partition, std::int64_t read_from, std::int64_t read_to,
                                                         const std::vector<commands::RecordedEvent>& batch,
                                                         std::vector<ParkedEvent>& parked);
  void Backoff(std::chrono::milliseconds& delay);
  void ReportError(int partition, std::string_view message) const;
  int Slot(int partition) const;  // index into applied_ rows; -1 when not run here

  commands::EventLog& log_;
  SqlPool& pool_;
  std::vector<Projection*> projections_;
  std::vector<std::string> names_;
  std::string names_array_;  // '{a,b}' text[] literal of names_
  EngineOptions options_;
  std::vector<int> partitions_;

  mutable std::mutex mu_;
  mutable std::condition_variable progress_;  // signalled after each commit and on Stop
  std::vector<std::vector<std::int64_t>> applied_;  // [slot][projection] next offset; guarded by mu_
  // [slot] how far the partition's subscription has read with every event below applied; beyond the
  // last event when only records that are not events follow (Kafka markers, fences). For Lag.
  std::vector<std::int64_t> scanned_;  // guarded by mu_
  bool stopping_ = false;                           // guarded by mu_
  std::atomic<bool> stop_{false};
  std::vector<std::thread> workers_;
};

}  // namespace switchboard::projections
