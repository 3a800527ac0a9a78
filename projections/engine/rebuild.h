// Blue/green rebuild of one projection (DESIGN.md §4): replay the whole log into a new schema
// "<name>_v<N+1>" while "<name>_v<N>" keeps serving, then switch the catalog in one transaction
// and drop the old schema. Runs alongside a live ProjectionEngine (in this or another process).
// Thread-safety: call from one thread; the callback runs on that thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "commands/event_log.h"
#include "domain/result.h"
#include "projections/projection.h"
#include "projections/sql.h"

namespace switchboard::projections {

struct RebuildProgress {
  enum class Phase { kReplaying, kSwitching, kDone };
  Phase phase = Phase::kReplaying;
  std::string schema;             // the schema being built (live after kDone)
  std::int64_t events_done = 0;   // events replayed into it so far
  std::int64_t events_total = 0;  // sum of the partitions' end offsets, re-read as the log grows
  double events_per_s = 0;
  std::chrono::seconds eta{0};
};
using ProgressCallback = std::function<void(const RebuildProgress&)>;

struct RebuildOptions {
  std::size_t batch_events = 5000;  // events per replay transaction (big: PostgreSQL likes them)
  // Switch once the new schema is at most this many events behind the log in total; the rest are
  // applied inside the switch transaction, while the live engine waits.
  std::int64_t switch_lag = 2000;
  int max_catch_up_passes = 20;  // then switch anyway, however far behind a busy log keeps it
  std::chrono::milliseconds progress_interval{500};
};

// The shadow checkpoints of the schema being built live under "<name>@v<N+1>". A rebuild left
// unfinished by a crash is started over. Fails with sqlstate "55P03" when another rebuild of the
// same projection is running. Uses two pooled connections.
Result<void, SqlError> Rebuild(commands::EventLog& log, SqlPool& pool, Projection& projection,
                               const ProgressCallback& progress = {}, const RebuildOptions& options = {});

}  // namespace switchboard::projections
