// The projection engine's workers. Exactly-once rests on one rule: a batch's rows and checkpoints
// commit together, and each projection applies only events at or past the checkpoint it reads
// inside that same transaction (never its in-memory copy), so a retried, duplicated or
// rebuild-overtaken batch is harmless.
#include "projections/engine/projection_engine.h"

#include <algorithm>
#include <set>
#include <span>
#include <unordered_map>

#include "projections/engine/catalog.h"
#include "projections/engine/checkpoints.h"
#include "projections/engine/transaction.h"

namespace switchboard::projections {

using commands::LogError;
using commands::RecordedEvent;

ProjectionEngine::ProjectionEngine(commands::EventLog& log, SqlPool& pool, std::vector<Projection*> projections,
                                   EngineOptions options)
    : log_(log), pool_(pool), projections_(std::move(projections)), options_(std::move(options)) {
  // push_back rather than `= "{"`: GCC 12 -O3 reports a false -Wrestrict on the latter.
  names_array_.push_back('{');
  for (auto* p : projections_) {
    names_.emplace_back(p->Name());
    if (names_array_.size() > 1) names_array_.push_back(',');
    names_array_.append(names_.back());
  }
  names_array_.push_back('}');
  if (options_.partitions.empty()) {
    for (int p = 0; p < log_.Partitions(); ++p) partitions_.push_back(p);
  } else {
    std::set<int> unique(options_.partitions.begin(), options_.partitions.end());
    partitions_.assign(unique.begin(), unique.end());
  }
}

ProjectionEngine::~ProjectionEngine() { Stop(); }

Result<void, SqlError> ProjectionEngine::Start() {
  std::set<std::string> seen;
  for (const auto& name : names_) {
    if (!IsValidProjectionName(name) || !seen.insert(name).second) {
      return MakeErr(SqlError{"projection engine: invalid or duplicate projection name \"" + name + "\"", ""});
    }
  }
  for (int p : partitions_) {
    if (p < 0 || p >= log_.Partitions()) {
      return MakeErr(SqlError{"projection engine: no partition " + std::to_string(p), ""});
    }
  }
  if (options_.max_batch_events == 0) return MakeErr(SqlError{"projection engine: max_batch_events is 0", ""});
  if (!workers_.empty()) return MakeErr(SqlError{"projection engine: already started", ""});

  std::vector<std::vector<std::int64_t>> applied(partitions_.size(), std::vector<std::int64_t>(names_.size(), 0));
  {
    auto lease = pool_.Acquire();
    if (!lease.ok()) return MakeErr(std::move(lease).error());
    SqlConnection& sql = ***lease;
    for (std::size_t i = 0; i < projections_.size(); ++i) {
      if (auto r = EnsureLiveSchema(sql, *projections_[i]); !r.ok()) return MakeErr(std::move(r).error());
      auto saved = LoadCheckpoints(sql, names_[i]);
      if (!saved.ok()) return MakeErr(std::move(saved).error());
      for (std::size_t s = 0; s < partitions_.size(); ++s) {
        if (auto it = saved->find(partitions_[s]); it != saved->end()) applied[s][i] = it->second;
      }
    }
  }
  {
    std::lock_guard lock(mu_);
    applied_ = std::move(applied);
    scanned_.assign(partitions_.size(), 0);
    stopping_ = false;
  }
  stop_ = false;
  for (int p : partitions_) workers_.emplace_back([this, p] { RunPartition(p); });
  return {};
}

void ProjectionEngine::Stop() {
  stop_ = true;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  progress_.notify_all();
  for (auto& w : workers_) w.join();
  workers_.clear();
}

int ProjectionEngine::Slot(int partition) const {
  auto it = std::lower_bound(partitions_.begin(), partitions_.end(), partition);
  return (it != partitions_.end() && *it == partition) ? static_cast<int>(it - partitions_.begin()) : -1;
}

std::int64_t ProjectionEngine::AppliedPosition(std::string_view projection, int partition) const {
  const int slot = Slot(partition);
  auto it = std::find(names_.begin(), names_.end(), projection);
  if (slot < 0 || it == names_.end()) return -1;
  std::lock_guard lock(mu_);
  if (applied_.empty()) return -1;  // not started
  return applied_[slot][it - names_.begin()];
}

bool ProjectionEngine::WaitFor(int partition, std::int64_t offset, std::chrono::milliseconds timeout) const {
  const int slot = Slot(partition);
  if (slot < 0) return false;
  std::unique_lock lock(mu_);
  auto reached = [&] {
    return !applied_.empty() &&
           std::all_of(applied_[slot].begin(), applied_[slot].end(), [&](std::int64_t next) { return next > offset; });
  };
  progress_.wait_for(lock, timeout, [&] { return reached() || stopping_; });
  return reached();
}

std::vector<LagSample> ProjectionEngine::Lag() const {
  std::vector<std::vector<std::int64_t>> applied;
  {
    std::lock_guard lock(mu_);
    applied = applied_;
    for (std::size_t s = 0; s < applied.size(); ++s) {
      for (auto& next : applied[s]) next = std::max(next, scanned_[s]);
    }
  }
  std::vector<LagSample> out;
  if (applied.empty()) return out;
  for (std::size_t s = 0; s < partitions_.size(); ++s) {
    auto end = log_.EndOffset(partitions_[s]);
    if (!end.ok()) continue;  // no sample beats a wrong one
    for (std::size_t i = 0; i < names_.size(); ++i) {
      out.push_back({names_[i], partitions_[s], *end, applied[s][i], *end - applied[s][i]});
    }
  }
  return out;
}

void ProjectionEngine::ReportError(int partition, std::string_view message) const {
  if (options_.on_error) options_.on_error(partition, message);
}

void ProjectionEngine::Backoff(std::chrono::milliseconds& delay) {
  std::unique_lock lock(mu_);
  progress_.wait_for(lock, delay, [&] { return stopping_; });
  delay = std::min(delay * 2, options_.retry_max);
}

Result<std::vector<RecordedEvent>, LogError> ProjectionEngine::NextBatch(commands::Subscription& sub) {
  const std::size_t max = options_.max_batch_events;
  auto first = sub.Next(max, options_.idle_poll);
  if (!first.ok() || first->empty()) return first;
  std::vector<RecordedEvent> batch = std::move(first).value();
  const auto deadline = std::chrono::steady_clock::now() + options_.max_batch_delay;
  while (batch.size() < max && !stop_) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    auto more = sub.Next(max - batch.size(), left);
    if (!more.ok()) break;  // commit what we have; the next Next reports the error again
    std::move(more->begin(), more->end(), std::back_inserter(batch));
  }
  return batch;
}

Result<std::vector<std::int64_t>, SqlError> ProjectionEngine::ApplyBatch(int partition, std::int64_t read_from,
                                                                        std::int64_t read_to,
                                                                        const std::vector<RecordedEvent>& batch,
                                                                        std::vector<ParkedEvent>& parked) {
  auto lease = pool_.Acquire();
  if (!lease.ok()) return MakeErr(std::move(lease).error());
  SqlConnection& sql = ***lease;
  auto tx = Transaction::Begin(sql);
  if (!tx.ok()) return MakeErr(std::move(tx).error());

  // Lock order (schemas, then checkpoints) is Rebuild's too, so the two cannot deadlock.
  // FOR SHARE: a rebuild's switch (FOR UPDATE on the same row) waits for this batch, and this batch
  // waits for the switch, so a batch writes into whichever schema is live at its commit.
  auto schemas = sql.Exec(
      "SELECT projection, schema_name FROM projection_schemas WHERE projection = ANY($1::text[])"
      " ORDER BY projection FOR SHARE",
      {names_array_});
  if (!schemas.ok()) return MakeErr(std::move(schemas).error());
  // FOR UPDATE: a second worker on this partition (a rebalance, or two `switchboard project`) waits
  // here until this batch commits, then reads the moved checkpoints and skips what was applied. The
  // rows must exist to be locked; both sides insert them in name order.
  auto created = sql.Exec(
      "INSERT INTO projection_checkpoints (projection, partition, next_offset, updated_at)"
      " SELECT name, $1, 0, now() FROM unnest($2::text[]) AS name ORDER BY name"
      " ON CONFLICT (projection, partition) DO NOTHING",
      {std::to_string(partition), names_array_});
  if (!created.ok()) return MakeErr(std::move(created).error());
  auto saved = sql.Exec(
      "SELECT projection, next_offset FROM projection_checkpoints"
      " WHERE partition = $1 AND projection = ANY($2::text[]) ORDER BY projection FOR UPDATE",
      {std::to_string(partition), names_array_});
  if (!saved.ok()) return MakeErr(std::move(saved).error());
  std::unordered_map<std::string, std::string> schema_of;
  for (auto& row : schemas->rows) schema_of[*row[0]] = *row[1];
  std::unordered_map<std::string, std::int64_t> checkpoint_of;
  for (auto& row : saved->rows) checkpoint_of[*row[0]] = std::stoll(*row[1]);
  auto blocked = LoadBlockedStreams(sql, partition, names_array_);
  if (!blocked.ok()) return MakeErr(std::move(blocked).error());

  const std::int64_t batch_end = std::max(read_to, batch.back().offset + 1);
  std::vector<std::int64_t> positions(names_.size());
  for (std::size_t i = 0; i < names_.size(); ++i) {
    const auto schema = schema_of.find(names_[i]);
    if (schema == schema_of.end()) {
      return MakeErr(SqlError{"projection " + names_[i] + " has no live schema", std::string(kNoLiveSchema)});
    }
    const std::int64_t from = checkpoint_of.count(names_[i]) ? checkpoint_of[names_[i]] : 0;
    if (from < std::min(read_from, batch.front().offset)) {
      // Someone moved the checkpoint back (manual reset): applying would skip events in between.
      return MakeErr(SqlError{"projection " + names_[i] + " checkpoint " + std::to_string(from) + " on partition " +
                                  std::to_string(partition) + " is behind the batch read from " +
                                  std::to_string(read_from) + "; re-reading from the checkpoint",
                              ""});
    }
    positions[i] = std::max(from, batch_end);
    if (from >= batch_end) continue;  // already applied (a retry, or a rebuild switched past it)
    auto first = std::lower_bound(batch.begin(), batch.end(), from,
                                  [](const RecordedEvent& e, std::int64_t off) { return e.offset < off; });
    std::span<const RecordedEvent> unseen(&*first, static_cast<std::size_t>(batch.end() - first));
    if (auto r = ApplyOrPark(sql, *projections_[i], schema->second, unseen, (*blocked)[names_[i]], parked); !r.ok()) {
      return MakeErr(std::move(r).error());
    }
    if (auto r = SaveCheckpoint(sql, names_[i], partition, batch_end); !r.ok()) return MakeErr(std::move(r).error());
  }
  if (auto r = tx->Commit(); !r.ok()) return MakeErr(std::move(r).error());
  return positions;
}

void ProjectionEngine::RunPartition(int partition) {
  const int slot = Slot(partition);
  std::unique_ptr<commands::Subscription> sub;
  bool reload = false;  // re-read checkpoints from the database before resubscribing
  auto delay = options_.retry_min;
  auto note_scanned = [&] {
    std::lock_guard lock(mu_);
    scanned_[slot] = sub->Position();
  };
  while (!stop_) {
    if (reload) {
      auto lease = pool_.Acquire();
      std::vector<std::int64_t> fresh(names_.size(), 0);
      bool ok = lease.ok();
      for (std::size_t i = 0; ok && i < names_.size(); ++i) {
        auto c = LoadCheckpoint(***lease, names_[i], partition);
        ok = c.ok();
        if (ok) fresh[i] = *c;
      }
      if (!ok) {
        ReportError(partition, "cannot reload checkpoints");
        Backoff(delay);
        continue;
      }
      std::lock_guard lock(mu_);
      applied_[slot] = fresh;
      reload = false;
    }
    if (!sub) {
      std::int64_t from;
      {
        std::lock_guard lock(mu_);
        from = *std::min_element(applied_[slot].begin(), applied_[slot].end());
      }
      sub = log_.Subscribe(partition, from);
    }
    const std::int64_t read_from = sub->Position();
    auto batch = NextBatch(*sub);
    if (!batch.ok()) {
      ReportError(partition, "event log: " + batch.error().message);
      {
        std::lock_guard lock(mu_);
        scanned_[slot] = 0;
      }
      sub.reset();
      Backoff(delay);
      continue;
    }
    if (batch->empty()) {
      note_scanned();
      continue;
    }

    bool all_past;  // every projection already committed past this batch: nothing to do
    {
      std::lock_guard lock(mu_);
      all_past = std::all_of(applied_[slot].begin(), applied_[slot].end(),
                             [&](std::int64_t next) { return next > batch->back().offset; });
    }
    if (all_past) {
      note_scanned();
      continue;
    }

    const auto started = std::chrono::steady_clock::now();
    std::vector<ParkedEvent> parked;
    auto positions = ApplyBatch(partition, read_from, sub->Position(), *batch, parked);
    if (!positions.ok()) {
      ReportError(partition, positions.error().message);
      // Redo from the database's checkpoints: they, not our memory, say what was committed.
      {
        std::lock_guard lock(mu_);
        scanned_[slot] = 0;
      }
      sub.reset();
      reload = true;
      Backoff(delay);
      continue;
    }
    delay = options_.retry_min;
    {
      std::lock_guard lock(mu_);
      for (std::size_t i = 0; i < positions->size(); ++i) {
        applied_[slot][i] = std::max(applied_[slot][i], (*positions)[i]);
      }
      scanned_[slot] = sub->Position();
    }
    progress_.notify_all();
    if (options_.on_dead_letter) {
      for (const auto& p : parked) options_.on_dead_letter(p);
    }
    if (options_.on_batch) {
      options_.on_batch({partition, batch->size(), batch->back().offset + 1,
                         std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started)});
    }
  }
}

}  // namespace switchboard::projections
