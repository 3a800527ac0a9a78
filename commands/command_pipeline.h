// CommandPipeline: the write side's one loop. Load aggregate state (snapshot + replay of the
// stream), let the caller decide, append every touched stream atomically with its expected
// version, and retry the whole attempt on a version conflict (bounded). Thread-safe.
#pragma once

#include <array>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "commands/clock.h"
#include "commands/event_log.h"
#include "commands/state_store.h"
#include "domain/rejection.h"

namespace switchboard::commands {

// Who is acting and how the request is to be deduplicated; filled by the API layer.
struct CommandContext {
  std::string tenant_id;
  Actor actor;
  std::string idempotency_key;  // already scoped by the caller; "" for none
  std::string correlation_id;
};

struct CommandError {
  enum class Kind { kRejected, kConcurrency, kUnavailable };
  Kind kind = Kind::kRejected;
  domain::Rejection rejection;  // for kRejected
  std::string message;          // for the other kinds
};

inline CommandError Rejected(domain::Rejection r) { return {CommandError::Kind::kRejected, std::move(r), {}}; }
inline CommandError Unavailable(std::string message) {
  return {CommandError::Kind::kUnavailable, {}, std::move(message)};
}

struct CommandOutcome {
  std::string id;              // id of the aggregate the command was about
  int partition = 0;
  std::int64_t position = -1;  // offset of the last appended event; -1 when nothing changed
  bool changed() const { return position >= 0; }
};

// Aggregate state as loaded: the fold of its stream up to `version`.
template <class State>
struct Loaded {
  State state{};
  std::int64_t version = 0;           // stream version folded into state (0: no stream)
  std::int64_t snapshot_version = 0;  // version of the snapshot it started from
};

// One stream's part of an attempt: what to append, and the state to snapshot after it.
struct PlannedStream {
  StreamAppend append;
  std::optional<nlohmann::json> snapshot;  // set when the stream has grown long since its last one
};

struct Plan {
  std::string id;
  std::vector<PlannedStream> streams;
};

class CommandPipeline {
 public:
  static constexpr std::int64_t kSnapshotInterval = 64;

  CommandPipeline(EventLog& log, StateStore* snapshots, const Clock& clock, int max_attempts = 16)
      : log_(log), snapshots_(snapshots), clock_(clock), max_attempts_(max_attempts) {}

  EventLog& log() { return log_; }
  TimePoint Now() const { return clock_.Now(); }

  // Loads an aggregate: latest snapshot (if any) plus the events after it. Decode turns a
  // stored event into the aggregate's event type; Evolve folds it (found by overload); Restore
  // turns a snapshot back into state (a Result).
  template <class State, class Decode, class Restore>
  Result<Loaded<State>, CommandError> Load(const std::string& tenant_id, const std::string& stream, Decode decode,
                                           Restore restore);

  // Wraps encoded domain events into envelopes for this request.
  template <class EncodedRange>
  std::vector<NewEvent> Envelopes(const CommandContext& context, const EncodedRange& encoded) const {
    std::vector<NewEvent> out;
    for (const auto& e : encoded) out.push_back(Envelope(context, e.type, e.schema_version, e.data));
    return out;
  }
  NewEvent Envelope(const CommandContext& context, std::string type, int schema_version, nlohmann::json data) const;

  // Whether a stream that will be at `new_version` should get a snapshot now.
  static bool SnapshotDue(std::int64_t snapshot_version, std::int64_t new_version) {
    return new_version - snapshot_version >= kSnapshotInterval;
  }

  // Runs attempt() and appends its plan; on a version conflict runs it again (with jittered
  // backoff), up to max_attempts times. A plan that appends nothing succeeds with position -1.
  // Commands on the same aggregate (tenant + stream) in this process run one at a time, so
  // optimistic conflicts arise only between processes or across aggregates.
  Result<CommandOutcome, CommandError> Run(const CommandContext& context, const std::string& aggregate_stream,
                                           const std::function<Result<Plan, CommandError>()>& attempt);

 private:
  Result<std::optional<std::pair<std::int64_t, nlohmann::json>>, CommandError> LoadSnapshot(
      const std::string& tenant_id, const std::string& stream);
  Result<std::vector<RecordedEvent>, CommandError> ReadAfter(const std::string& tenant_id, const std::string& stream,
                                                             std::int64_t from_version);

  std::mutex& AggregateLock(const std::string& tenant_id, const std::string& stream);

  EventLog& log_;
  StateStore* snapshots_;
  std::array<std::mutex, 256> aggregate_locks_;
  const Clock& clock_;
  int max_attempts_;
};

template <class State, class Decode, class Restore>
Result<Loaded<State>, CommandError> CommandPipeline::Load(const std::string& tenant_id, const std::string& stream,
                                                          Decode decode, Restore restore) {
  Loaded<State> loaded;
  auto snapshot = LoadSnapshot(tenant_id, stream);
  if (!snapshot) return MakeErr(snapshot.error());
  if (*snapshot) {
    // A snapshot the current code cannot read is ignored: the stream itself is the truth.
    auto restored = restore((*snapshot)->second);
    if (restored) {
      loaded.state = std::move(restored.value());
      loaded.version = loaded.snapshot_version = (*snapshot)->first;
    }
  }
  auto events = ReadAfter(tenant_id, stream, loaded.version + 1);
  if (!events) return MakeErr(events.error());
  for (const RecordedEvent& recorded : *events) {
    auto event = decode(recorded.type, recorded.schema_version, recorded.data);
    if (!event) {
      return MakeErr(Unavailable("stream " + stream + " holds an undecodable " + recorded.type + " event at version " +
                                 std::to_string(recorded.stream_version) + ": " + event.error().message));
    }
    loaded.state = Evolve(std::move(loaded.state), *event);
    loaded.version = recorded.stream_version;
  }
  return loaded;
}

}  // namespace switchboard::commands
