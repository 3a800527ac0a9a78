// Dead letters (DESIGN.md §4): an event a projection cannot apply because of the event itself (a
// "poison" event) is parked in projection_dead_letters with its error, so the partition goes on.
// Later events of the same stream are parked behind it (per-key sequencing) until an operator
// retries or discards it. Transient failures are never parked: the engine retries the batch.
// Stateless functions; the connection is used by the calling thread only. The table is created by
// adapters/postgres CoreMigrations().
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "commands/recorded_event.h"
#include "domain/result.h"
#include "projections/projection.h"
#include "projections/sql.h"

namespace switchboard::projections {

// SQLSTATE a projection returns for an event it cannot decode (22000 data_exception): poison.
inline constexpr std::string_view kUndecodableEvent = "22000";

// True when retrying cannot help because the event is at fault: SQLSTATE class 22 (data exception)
// or 23 (integrity constraint violation). Everything else (connection loss, 40001, 40P01, 08xxx,
// 53xxx, 57P0x, a missing table...) is left to the engine's retry.
bool IsPoison(const SqlError& error);

// One parked event as the engine reports it (EngineOptions::on_dead_letter), after its commit.
struct ParkedEvent {
  std::string projection;
  int partition = 0;
  std::int64_t offset = 0;
  std::string event_id;
  std::string type;
  std::string error;
  std::string sqlstate;  // "" when parked behind an earlier event of its stream
};

// (tenant_id, stream) -> offset of the earliest parked event of that stream.
using BlockedStreams = std::map<std::pair<std::string, std::string>, std::int64_t>;

// The blocked streams of each projection in `names` ('{a,b}' text[] literal) on `partition`.
Result<std::map<std::string, BlockedStreams>, SqlError> LoadBlockedStreams(SqlConnection& sql, int partition,
                                                                           const std::string& names);

// Applies `events` (one partition, offset order) to `projection` in `schema` inside the caller's
// open transaction. A poison failure of the batch is redone event by event under savepoints: each
// failing event, and each later event of its stream, is parked and added to `parked`; the others
// apply. A non-poison error is returned as is (the caller rolls the whole transaction back).
// Rows are parked under `park_as` (a rebuild's shadow name), or the projection's name when empty.
Result<void, SqlError> ApplyOrPark(SqlConnection& sql, Projection& projection, std::string_view schema,
                                   std::span<const commands::RecordedEvent> events, BlockedStreams& blocked,
                                   std::vector<ParkedEvent>& parked, std::string_view park_as = {});

// A rebuild's switch: the dead letters of `projection` become those its new schema parked under
// `shadow` (the old schema's verdicts no longer describe the live model). Inside the switch.
Result<void, SqlError> AdoptDeadLetters(SqlConnection& sql, std::string_view projection, std::string_view shadow);
// Removes every dead letter parked under `name` (a crashed rebuild's shadow).
Result<void, SqlError> DeleteDeadLetters(SqlConnection& sql, std::string_view name);

struct DeadLetter {
  std::string id;  // uuid
  std::string projection;
  int partition = 0;
  std::int64_t event_offset = 0;
  std::string event_id;
  std::string tenant_id;
  std::string stream;
  std::string type;
  std::string envelope;  // commands::EncodeEnvelope of the event; "" when it could not be encoded
  std::string error;
  std::string sqlstate;
  int attempts = 0;
  std::string parked_at;        // RFC 3339 UTC
  std::string last_attempt_at;  // RFC 3339 UTC
};

struct DeadLetterFilter {
  std::string projection{};  // "" for any
  std::string tenant_id{};   // "" for any
  int limit = 50;
  int offset = 0;
};

struct DeadLetterPage {
  std::vector<DeadLetter> rows;
  std::int64_t total = 0;
};

// Oldest first.
Result<DeadLetterPage, SqlError> ListDeadLetters(SqlConnection& sql, const DeadLetterFilter& filter);
Result<std::optional<DeadLetter>, SqlError> GetDeadLetter(SqlConnection& sql, const std::string& id);
// False when there is no such dead letter.
Result<bool, SqlError> DiscardDeadLetter(SqlConnection& sql, const std::string& id);

struct RetryOutcome {
  enum class Status {
    kApplied,             // applied in the live schema; the dead letter is gone
    kFailed,              // the projection failed again; attempts and error updated
    kBlocked,             // an earlier event of the same stream is still parked (blocked_by)
    kUnknownProjection,   // no projection of that name was given
    kNotFound,
  };
  Status status = Status::kNotFound;
  DeadLetter letter;     // as it was (kApplied) or as updated (kFailed)
  std::string error;     // kFailed: the new error
  std::string blocked_by;  // kBlocked: id of the earlier dead letter
};

// Re-applies the parked event to its projection's live schema and deletes the dead letter, or
// records the failure, in one transaction. Holds the catalog row FOR SHARE like an engine batch, so
// it lands in whichever schema is live at its commit. Must not be called inside a transaction.
Result<RetryOutcome, SqlError> RetryDeadLetter(SqlConnection& sql, const std::vector<Projection*>& projections,
                                               const std::string& id);

}  // namespace switchboard::projections
