// projection_dead_letters access and the parking fold. Lock order, shared with the engine and
// Rebuild so none of them deadlock: projection_schemas, then projection_checkpoints, then
// projection_dead_letters.
#include "projections/engine/dead_letters.h"

#include <algorithm>

#include "projections/engine/catalog.h"
#include "projections/engine/transaction.h"

namespace switchboard::projections {

using commands::RecordedEvent;

namespace {

constexpr const char* kColumns =
    "id::text, projection, partition, event_offset, event_id, tenant_id, stream, type, coalesce(envelope, ''),"
    " error, sqlstate, attempts,"
    " to_char(parked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"
    " to_char(last_attempt_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";

DeadLetter FromRow(const std::vector<SqlParam>& r) {
  auto text = [&](std::size_t i) { return r[i].value_or(""); };
  return DeadLetter{text(0),  text(1),  std::stoi(text(2)), std::stoll(text(3)), text(4),
                    text(5),  text(6),  text(7),            text(8),             text(9),
                    text(10), std::stoi(text(11)), text(12), text(13)};
}

std::string Envelope(const RecordedEvent& e) {
  try {
    return commands::EncodeEnvelope(e);
  } catch (const nlohmann::json::exception&) {
    return {};  // e.g. invalid UTF-8 in the payload: the row still names the event by offset
  }
}

Result<void, SqlError> Park(SqlConnection& sql, std::string_view projection, const RecordedEvent& e,
                            const std::string& error, const std::string& sqlstate) {
  const std::string envelope = Envelope(e);
  auto r = sql.Exec(
      "INSERT INTO projection_dead_letters (projection, partition, event_offset, event_id, tenant_id, stream, type,"
      " envelope, error, sqlstate)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
      " ON CONFLICT (projection, partition, event_offset) DO UPDATE SET error = excluded.error,"
      " sqlstate = excluded.sqlstate, attempts = projection_dead_letters.attempts + 1, last_attempt_at = now()",
      {std::string(projection), std::to_string(e.partition), std::to_string(e.offset), e.event_id, e.tenant_id,
       e.stream, e.type, envelope.empty() ? SqlParam() : SqlParam(envelope), error, sqlstate});
  if (!r.ok()) return MakeErr(std::move(r).error());
  return {};
}

Result<void, SqlError> Script(SqlConnection& sql, const char* statement) { return sql.ExecScript(statement); }

}  // namespace

bool IsPoison(const SqlError& error) {
  const auto& s = error.sqlstate;
  return s.size() == 5 && (s.starts_with("22") || s.starts_with("23"));
}

Result<std::map<std::string, BlockedStreams>, SqlError> LoadBlockedStreams(SqlConnection& sql, int partition,
                                                                           const std::string& names) {
  auto rows = sql.Exec(
      "SELECT projection, tenant_id, stream, min(event_offset) FROM projection_dead_letters"
      " WHERE partition = $1 AND projection = ANY($2::text[]) GROUP BY 1, 2, 3",
      {std::to_string(partition), names});
  if (!rows.ok()) return MakeErr(std::move(rows).error());
  std::map<std::string, BlockedStreams> out;
  for (auto& r : rows->rows) out[*r[0]][{*r[1], *r[2]}] = std::stoll(*r[3]);
  return out;
}

Result<void, SqlError> ApplyOrPark(SqlConnection& sql, Projection& projection, std::string_view schema,
                                   std::span<const RecordedEvent> events, BlockedStreams& blocked,
                                   std::vector<ParkedEvent>& parked, std::string_view park_as) {
  const std::string name(park_as.empty() ? projection.Name() : park_as);
  auto is_blocked = [&](const RecordedEvent& e) { return blocked.count({e.tenant_id, e.stream}) > 0; };
  auto named = [&](SqlError e) {
    e.message = "projection " + name + ": " + e.message;
    return e;
  };

  // Fast path: the whole batch in one Apply; the savepoint keeps a poison failure from aborting the
  // transaction the other projections share.
  if (std::none_of(events.begin(), events.end(), is_blocked)) {
    if (auto r = Script(sql, "SAVEPOINT sb_batch"); !r.ok()) return r;
    auto applied = projection.Apply(sql, schema, events);
    if (applied.ok()) return Script(sql, "RELEASE SAVEPOINT sb_batch");
    if (!IsPoison(applied.error())) return MakeErr(named(std::move(applied).error()));
    if (auto r = Script(sql, "ROLLBACK TO SAVEPOINT sb_batch; RELEASE SAVEPOINT sb_batch"); !r.ok()) return r;
  }

  for (const auto& e : events) {
    const std::pair<std::string, std::string> key{e.tenant_id, e.stream};
    if (auto it = blocked.find(key); it != blocked.end()) {
      // Per-key sequencing: applying it now would fold the stream out of order.
      const std::string why = "waits behind the parked event at offset " + std::to_string(it->second) +
                              " of stream " + e.stream;
      if (auto r = Park(sql, name, e, why, ""); !r.ok()) return r;
      parked.push_back({name, e.partition, e.offset, e.event_id, e.type, why, ""});
      continue;
    }
    if (auto r = Script(sql, "SAVEPOINT sb_event"); !r.ok()) return r;
    auto applied = projection.Apply(sql, schema, std::span<const RecordedEvent>(&e, 1));
    if (applied.ok()) {
      if (auto r = Script(sql, "RELEASE SAVEPOINT sb_event"); !r.ok()) return r;
      continue;
    }
    SqlError error = named(std::move(applied).error());
    if (!IsPoison(error)) return MakeErr(std::move(error));
    if (auto r = Script(sql, "ROLLBACK TO SAVEPOINT sb_event; RELEASE SAVEPOINT sb_event"); !r.ok()) return r;
    if (auto r = Park(sql, name, e, error.message, error.sqlstate); !r.ok()) return r;
    blocked.emplace(key, e.offset);
    parked.push_back({name, e.partition, e.offset, e.event_id, e.type, error.message, error.sqlstate});
  }
  return {};
}

Result<void, SqlError> AdoptDeadLetters(SqlConnection& sql, std::string_view projection, std::string_view shadow) {
  if (auto r = DeleteDeadLetters(sql, projection); !r.ok()) return r;
  auto r = sql.Exec("UPDATE projection_dead_letters SET projection = $1 WHERE projection = $2",
                    {std::string(projection), std::string(shadow)});
  if (!r.ok()) return MakeErr(std::move(r).error());
  return {};
}

Result<void, SqlError> DeleteDeadLetters(SqlConnection& sql, std::string_view name) {
  auto r = sql.Exec("DELETE FROM projection_dead_letters WHERE projection = $1", {std::string(name)});
  if (!r.ok()) return MakeErr(std::move(r).error());
  return {};
}

Result<DeadLetterPage, SqlError> ListDeadLetters(SqlConnection& sql, const DeadLetterFilter& filter) {
  const SqlParams where = {filter.projection, filter.tenant_id};
  const std::string condition = " WHERE ($1 = '' OR projection = $1) AND ($2 = '' OR tenant_id = $2)";
  auto total = sql.Exec("SELECT count(*) FROM projection_dead_letters" + condition, where);
  if (!total.ok()) return MakeErr(std::move(total).error());
  auto rows = sql.Exec(std::string("SELECT ") + kColumns + " FROM projection_dead_letters" + condition +
                           " ORDER BY parked_at, partition, event_offset, projection LIMIT $3 OFFSET $4",
                       {filter.projection, filter.tenant_id, std::to_string(filter.limit), std::to_string(filter.offset)});
  if (!rows.ok()) return MakeErr(std::move(rows).error());
  DeadLetterPage page;
  page.total = std::stoll(total->rows.at(0).at(0).value_or("0"));
  for (const auto& r : rows->rows) page.rows.push_back(FromRow(r));
  return page;
}

Result<std::optional<DeadLetter>, SqlError> GetDeadLetter(SqlConnection& sql, const std::string& id) {
  auto rows = sql.Exec(std::string("SELECT ") + kColumns + " FROM projection_dead_letters WHERE id = $1::uuid", {id});
  if (!rows.ok()) return MakeErr(std::move(rows).error());
  if (rows->rows.empty()) return std::optional<DeadLetter>();
  return std::optional<DeadLetter>(FromRow(rows->rows[0]));
}

Result<bool, SqlError> DiscardDeadLetter(SqlConnection& sql, const std::string& id) {
  auto r = sql.Exec("DELETE FROM projection_dead_letters WHERE id = $1::uuid", {id});
  if (!r.ok()) return MakeErr(std::move(r).error());
  return r->affected > 0;
}

Result<RetryOutcome, SqlError> RetryDeadLetter(SqlConnection& sql, const std::vector<Projection*>& projections,
                                               const std::string& id) {
  using Status = RetryOutcome::Status;
  RetryOutcome out;
  auto peek = GetDeadLetter(sql, id);  // only to learn the projection: the catalog row is locked first
  if (!peek.ok()) return MakeErr(std::move(peek).error());
  if (!*peek) return out;
  const std::string name = (*peek)->projection;
  auto found = std::find_if(projections.begin(), projections.end(), [&](Projection* p) { return p->Name() == name; });
  if (found == projections.end()) {
    out.status = Status::kUnknownProjection;
    out.letter = **peek;
    return out;
  }

  auto tx = Transaction::Begin(sql);
  if (!tx.ok()) return MakeErr(std::move(tx).error());
  auto schema = sql.Exec("SELECT schema_name FROM projection_schemas WHERE projection = $1 FOR SHARE", {name});
  if (!schema.ok()) return MakeErr(std::move(schema).error());
  if (schema->rows.empty()) return MakeErr(SqlError{"projection " + name + " has no live schema", std::string(kNoLiveSchema)});
  auto locked = sql.Exec(std::string("SELECT ") + kColumns + " FROM projection_dead_letters WHERE id = $1::uuid FOR UPDATE",
                         {id});
  if (!locked.ok()) return MakeErr(std::move(locked).error());
  if (locked->rows.empty()) return out;  // discarded or retried meanwhile
  out.letter = FromRow(locked->rows[0]);
  const DeadLetter& letter = out.letter;

  auto earlier = sql.Exec(
      "SELECT id::text FROM projection_dead_letters WHERE projection = $1 AND partition = $2 AND tenant_id = $3"
      " AND stream = $4 AND event_offset < $5 ORDER BY event_offset LIMIT 1",
      {letter.projection, std::to_string(letter.partition), letter.tenant_id, letter.stream,
       std::to_string(letter.event_offset)});
  if (!earlier.ok()) return MakeErr(std::move(earlier).error());
  if (!earlier->rows.empty()) {
    out.status = Status::kBlocked;
    out.blocked_by = earlier->rows[0][0].value_or("");
    return out;
  }

  SqlError failure;
  bool failed = false;
  if (letter.envelope.empty()) {
    failure = SqlError{"the event's envelope could not be stored; discard it instead", std::string(kUndecodableEvent)};
    failed = true;
  } else {
    RecordedEvent event;
    try {
      event = commands::DecodeEnvelope(letter.envelope);
    } catch (const nlohmann::json::exception& ex) {
      failure = SqlError{std::string("stored envelope: ") + ex.what(), std::string(kUndecodableEvent)};
      failed = true;
    }
    if (!failed) {
      event.partition = letter.partition;  // positional in the log, so restored from the row
      event.offset = letter.event_offset;
      if (auto r = Script(sql, "SAVEPOINT sb_retry"); !r.ok()) return MakeErr(std::move(r).error());
      auto applied = (*found)->Apply(sql, *schema->rows[0][0], std::span<const RecordedEvent>(&event, 1));
      if (!applied.ok()) {
        failure = std::move(applied).error();
        failed = true;
        if (auto r = Script(sql, "ROLLBACK TO SAVEPOINT sb_retry"); !r.ok()) return MakeErr(std::move(r).error());
      }
    }
  }

  if (failed) {
    auto updated = sql.Exec(std::string("UPDATE projection_dead_letters SET attempts = attempts + 1, error = $2,"
                                        " sqlstate = $3, last_attempt_at = now() WHERE id = $1::uuid RETURNING ") +
                                kColumns,
                            {id, failure.message, failure.sqlstate});
    if (!updated.ok()) return MakeErr(std::move(updated).error());
    if (auto r = tx->Commit(); !r.ok()) return MakeErr(std::move(r).error());
    out.status = Status::kFailed;
    out.letter = FromRow(updated->rows.at(0));
    out.error = failure.message;
    return out;
  }
  if (auto r = DiscardDeadLetter(sql, id); !r.ok()) return MakeErr(std::move(r).error());
  if (auto r = tx->Commit(); !r.ok()) return MakeErr(std::move(r).error());
  out.status = Status::kApplied;
  return out;
}

}  // namespace switchboard::projections
