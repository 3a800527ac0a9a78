// Blue/green rebuild. Correctness at the switch: inside one transaction holding the catalog row
// FOR UPDATE (which excludes every live engine batch, they hold it FOR SHARE), the new schema is
// brought up to at least the live checkpoint, and the live checkpoint is set to the new schema's
// position; so no event is lost or applied twice whichever of the two was ahead. Poison events are
// parked under the shadow name and replace the live dead letters at the switch.
#include "projections/engine/rebuild.h"

#include <algorithm>
#include <thread>
#include <vector>

#include "projections/engine/catalog.h"
#include "projections/engine/checkpoints.h"
#include "projections/engine/dead_letters.h"
#include "projections/engine/transaction.h"

namespace switchboard::projections {

using commands::EventLog;
using commands::RecordedEvent;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kAttempts = 5;

SqlError FromLog(const commands::LogError& e) { return SqlError{"event log: " + e.message, ""}; }

// Runs fn(connection) until it succeeds or kAttempts fail; a failed attempt's transaction is rolled
// back and the next one gets a fresh lease (the pool reconnects a broken connection).
template <class Fn>
auto WithRetry(SqlPool& pool, Fn&& fn) -> decltype(fn(std::declval<SqlConnection&>())) {
  auto delay = std::chrono::milliseconds(50);
  for (int attempt = 1;; ++attempt) {
    auto lease = pool.Acquire();
    if (lease.ok()) {
      auto r = fn(***lease);
      if (r.ok() || attempt == kAttempts) return r;
    } else if (attempt == kAttempts) {
      return MakeErr(std::move(lease).error());
    }
    std::this_thread::sleep_for(delay);
    delay *= 2;
  }
}

class Reporter {
 public:
  Reporter(const ProgressCallback& callback, std::chrono::milliseconds interval, std::string schema)
      : callback_(callback), interval_(interval) {
    progress_.schema = std::move(schema);
  }
  void Add(std::int64_t events) { progress_.events_done += events; }
  void SetTotal(std::int64_t total) { progress_.events_total = std::max(total, progress_.events_done); }
  void Report(RebuildProgress::Phase phase, bool force) {
    const auto now = Clock::now();
    if (!callback_ || (!force && now - last_ < interval_)) return;
    last_ = now;
    const double seconds = std::chrono::duration<double>(now - started_).count();
    progress_.phase = phase;
    progress_.events_total = std::max(progress_.events_total, progress_.events_done);
    progress_.events_per_s = seconds > 0 ? static_cast<double>(progress_.events_done) / seconds : 0;
    const auto left = progress_.events_total - progress_.events_done;
    progress_.eta = std::chrono::seconds(
        progress_.events_per_s > 0 ? static_cast<std::int64_t>(static_cast<double>(left) / progress_.events_per_s) : 0);
    callback_(progress_);
  }

 private:
  const ProgressCallback& callback_;
  std::chrono::milliseconds interval_;
  RebuildProgress progress_;
  Clock::time_point started_ = Clock::now();
  Clock::time_point last_{};
};

// Applies `events` to the new schema as the engine would, but parks poison under the shadow name:
// the switch adopts those dead letters, since they, not the old schema's, describe the new model.
Result<void, SqlError> ApplyParkingAsShadow(SqlConnection& sql, Projection& projection, const std::string& schema,
                                            const std::string& shadow, int partition,
                                            std::span<const RecordedEvent> events) {
  auto blocked = LoadBlockedStreams(sql, partition, "{\"" + shadow + "\"}");
  if (!blocked.ok()) return MakeErr(std::move(blocked).error());
  std::vector<ParkedEvent> parked;
  return ApplyOrPark(sql, projection, schema, events, (*blocked)[shadow], parked, shadow);
}

// Applies `events` (contiguous, one partition) to `schema` past the shadow checkpoint and moves it,
// in one transaction; re-reading the checkpoint makes a retry after an unacknowledged COMMIT safe.
Result<std::int64_t, SqlError> ApplyShadow(SqlConnection& sql, Projection& projection, const std::string& schema,
                                           const std::string& shadow, int partition,
                                           const std::vector<RecordedEvent>& events) {
  auto tx = Transaction::Begin(sql);
  if (!tx.ok()) return MakeErr(std::move(tx).error());
  auto from = LoadCheckpoint(sql, shadow, partition);
  if (!from.ok()) return MakeErr(std::move(from).error());
  const std::int64_t end = events.back().offset + 1;
  if (*from >= end) return end;
  auto first = std::lower_bound(events.begin(), events.end(), *from,
                                [](const RecordedEvent& e, std::int64_t off) { return e.offset < off; });
  std::span<const RecordedEvent> unseen(&*first, static_cast<std::size_t>(events.end() - first));
  if (auto r = ApplyParkingAsShadow(sql, projection, schema, shadow, partition, unseen); !r.ok()) {
    return MakeErr(std::move(r).error());
  }
  if (auto r = SaveCheckpoint(sql, shadow, partition, end); !r.ok()) return MakeErr(std::move(r).error());
  if (auto r = tx->Commit(); !r.ok()) return MakeErr(std::move(r).error());
  return end;
}

// Releases the session advisory lock that keeps two rebuilds of one projection apart.
class RebuildLock {
 public:
  static Result<RebuildLock, SqlError> Take(SqlPool& pool, const std::string& name) {
    auto lease = pool.Acquire();
    if (!lease.ok()) return MakeErr(std::move(lease).error());
    auto got = (**lease)->Exec("SELECT pg_try_advisory_lock(hashtext('switchboard.rebuild'), hashtext($1))", {name});
    if (!got.ok()) return MakeErr(std::move(got).error());
    if (got->rows.empty() || got->rows[0][0] != "t") {
      return MakeErr(SqlError{"a rebuild of " + name + " is already running", "55P03"});
    }
    return RebuildLock(std::move(lease).value(), name);
  }
  RebuildLock(RebuildLock&&) = default;
  ~RebuildLock() {
    if (lease_) {
      (void)(*lease_)->Exec("SELECT pg_advisory_unlock(hashtext('switchboard.rebuild'), hashtext($1))", {name_});
    }
  }

 private:
  RebuildLock(std::unique_ptr<SqlLease> lease, std::string name) : lease_(std::move(lease)), name_(std::move(name)) {}
  std::unique_ptr<SqlLease> lease_;
  std::string name_;
};

}  // namespace

Result<void, SqlError> Rebuild(EventLog& log, SqlPool& pool, Projection& projection, const ProgressCallback& progress,
                               const RebuildOptions& options) {
  const std::string name(projection.Name());
  if (!IsValidProjectionName(name)) return MakeErr(SqlError{"invalid projection name \"" + name + "\"", ""});
  auto lock = RebuildLock::Take(pool, name);
  if (!lock.ok()) return MakeErr(std::move(lock).error());

  auto old_schema = WithRetry(pool, [&](SqlConnection& sql) { return EnsureLiveSchema(sql, projection); });
  if (!old_schema.ok()) return MakeErr(std::move(old_schema).error());
  const int version = SchemaVersion(name, *old_schema);
  if (version == 0) {
    return MakeErr(SqlError{"live schema " + *old_schema + " of " + name + " is not named " + name + "_v<N>", ""});
  }
  const std::string schema = SchemaName(name, version + 1);
  const std::string shadow = name + "@v" + std::to_string(version + 1);

  // A leftover of a crashed rebuild is discarded: the projection's code may have changed since.
  auto created = WithRetry(pool, [&](SqlConnection& sql) -> Result<void, SqlError> {
    auto tx = Transaction::Begin(sql);
    if (!tx.ok()) return MakeErr(std::move(tx).error());
    if (auto r = sql.ExecScript("DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema); !r.ok()) {
      return r;
    }
    if (auto r = DeleteCheckpoints(sql, shadow); !r.ok()) return r;
    if (auto r = DeleteDeadLetters(sql, shadow); !r.ok()) return r;
    if (auto r = projection.CreateTables(sql, schema); !r.ok()) return r;
    return tx->Commit();
  });
  if (!created.ok()) return created;

  const int partitions = log.Partitions();
  std::vector<std::int64_t> position(partitions, 0);
  Reporter reporter(progress, options.progress_interval, schema);
  const std::size_t batch_events = std::max<std::size_t>(options.batch_events, 1);

  // Catch-up passes: each replays every partition up to its end offset as read at the pass start.
  for (int pass = 0;; ++pass) {
    std::vector<std::int64_t> end(partitions, 0);
    std::int64_t total = 0, behind = 0;
    for (int p = 0; p < partitions; ++p) {
      auto e = log.EndOffset(p);
      if (!e.ok()) return MakeErr(FromLog(e.error()));
      end[p] = *e;
      total += *e;
      behind += *e - position[p];
    }
    reporter.SetTotal(total);
    if (pass > 0 && (behind <= options.switch_lag || pass >= options.max_catch_up_passes)) break;
    for (int p = 0; p < partitions; ++p) {
      while (position[p] < end[p]) {
        auto events = log.ReadPartition(p, position[p], std::min<std::size_t>(batch_events, end[p] - position[p]));
        if (!events.ok()) return MakeErr(FromLog(events.error()));
        if (events->empty()) {
          // Only records that are not events are left below the end (Kafka: fences, markers).
          reporter.Add(end[p] - position[p]);
          position[p] = end[p];
          break;
        }
        auto next = WithRetry(pool, [&](SqlConnection& sql) {
          return ApplyShadow(sql, projection, schema, shadow, p, *events);
        });
        if (!next.ok()) return MakeErr(std::move(next).error());
        reporter.Add(*next - position[p]);
        position[p] = *next;
        reporter.Report(RebuildProgress::Phase::kReplaying, false);
      }
    }
  }

  reporter.Report(RebuildProgress::Phase::kSwitching, true);
  auto switched = WithRetry(pool, [&](SqlConnection& sql) -> Result<void, SqlError> {
    auto tx = Transaction::Begin(sql);
    if (!tx.ok()) return MakeErr(std::move(tx).error());
    // Same lock order as an engine batch (catalog row, then checkpoints): no deadlock between them.
    auto live = sql.Exec("SELECT schema_name FROM projection_schemas WHERE projection = $1 FOR UPDATE", {name});
    if (!live.ok()) return MakeErr(std::move(live).error());
    const std::string current = live->rows.empty() ? std::string() : live->rows[0][0].value_or("");
    if (current == schema) return {};  // an earlier attempt committed but its acknowledgement was lost
    if (current != *old_schema) {
      return MakeErr(SqlError{"live schema of " + name + " changed to " + current + " during the rebuild", "40001"});
    }
    for (int p = 0; p < partitions; ++p) {
      auto live_next = LoadCheckpoint(sql, name, p);
      if (!live_next.ok()) return MakeErr(std::move(live_next).error());
      auto shadow_next = LoadCheckpoint(sql, shadow, p);
      if (!shadow_next.ok()) return MakeErr(std::move(shadow_next).error());
      // Bring the new schema up to the live checkpoint (never beyond what the engine committed,
      // so the engine, not this lock holder, does the bulk of live work).
      std::int64_t at = *shadow_next;
      while (at < *live_next) {
        auto events = log.ReadPartition(p, at, std::min<std::size_t>(batch_events, *live_next - at));
        if (!events.ok()) return MakeErr(FromLog(events.error()));
        // Offsets are not contiguous on Kafka: a page may reach past the live checkpoint.
        std::erase_if(*events, [&](const RecordedEvent& e) { return e.offset >= *live_next; });
        if (events->empty()) {
          at = *live_next;  // the rest hold no event (Kafka: fences, markers)
          break;
        }
        if (auto r = ApplyParkingAsShadow(sql, projection, schema, shadow, p, *events); !r.ok()) return r;
        reporter.Add(events->back().offset + 1 - at);
        at = events->back().offset + 1;
      }
      if (auto r = SaveCheckpoint(sql, name, p, at); !r.ok()) return r;
    }
    if (auto r = DeleteCheckpoints(sql, shadow); !r.ok()) return r;
    if (auto r = AdoptDeadLetters(sql, name, shadow); !r.ok()) return r;
    auto moved = sql.Exec("UPDATE projection_schemas SET schema_name = $2, switched_at = now() WHERE projection = $1",
                          {name, schema});
    if (!moved.ok()) return MakeErr(std::move(moved).error());
    return tx->Commit();
  });
  if (!switched.ok()) return switched;

  // The old model served until the switch; now nothing reads it (readers resolve LiveSchema per query).
  auto dropped = WithRetry(pool, [&](SqlConnection& sql) { return sql.ExecScript("DROP SCHEMA IF EXISTS " + *old_schema + " CASCADE"); });
  if (!dropped.ok()) {
    auto e = std::move(dropped).error();
    e.message = "switched " + name + " to " + schema + " but could not drop " + *old_schema + ": " + e.message;
    return MakeErr(std::move(e));
  }
  reporter.Report(RebuildProgress::Phase::kDone, true);
  return {};
}

}  // namespace switchboard::projections
