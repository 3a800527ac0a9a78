// Poison events: the engine parks an event a projection cannot apply (with its error) and goes on
// with the partition; later events of the same stream wait behind it; transient errors are
// retried, never parked; an operator retry re-applies a parked event once its cause is fixed.
#include <gtest/gtest.h>

#include <thread>

#include "engine_test_support.h"
#include "projections/engine/dead_letters.h"
#include "projections/engine/projection_engine.h"
#include "projections/engine/rebuild.h"

namespace switchboard::enginetest {
namespace {

using namespace std::chrono_literals;
using projections::ParkedEvent;
using projections::ProjectionEngine;
using projections::RetryOutcome;

// Inserts one row per event. Fails with a decoder-style 22000 on {"poison": true} while
// reject_poison is set; {"amount": "x"} fails inside PostgreSQL (22P02 on the int cast); the first
// `transient` applications fail with 40001.
class PickyProjection final : public projections::Projection {
 public:
  std::string_view Name() const override { return "picky"; }
  Result<void, SqlError> CreateTables(SqlConnection& sql, std::string_view schema) override {
    return sql.ExecScript("CREATE TABLE IF NOT EXISTS " + std::string(schema) +
                          ".applied (event_id text PRIMARY KEY, stream text NOT NULL, off bigint NOT NULL,"
                          " amount int NOT NULL)");
  }
  Result<void, SqlError> Apply(SqlConnection& sql, std::string_view schema,
                               std::span<const RecordedEvent> batch) override {
    if (transient > 0) {
      --transient;
      return MakeErr(SqlError{"could not serialize access", "40001"});
    }
    for (const auto& e : batch) {
      if (reject_poison && e.data.value("poison", false)) {
        return MakeErr(SqlError{"picky: cannot decode " + e.event_id, std::string(projections::kUndecodableEvent)});
      }
      auto r = sql.Exec("INSERT INTO " + std::string(schema) + ".applied VALUES ($1, $2, $3, $4::int)",
                        {e.event_id, e.stream, std::to_string(e.offset), e.data.value("amount", std::string("1"))});
      if (!r.ok()) return MakeErr(std::move(r).error());
    }
    return {};
  }
  std::atomic<bool> reject_poison{true};
  std::atomic<int> transient{0};
};

void Append(commands::EventLog& log, const std::string& stream, const std::string& id, nlohmann::json data) {
  commands::AppendRequest req;
  req.tenant_id = "t_1";
  commands::StreamAppend s;
  s.stream = stream;
  s.expected = commands::ExpectedVersion::Any();
  commands::NewEvent e;
  e.event_id = id;
  e.type = "Picked";
  e.data = data.is_null() ? nlohmann::json::object() : std::move(data);  // `{}` arrives as null
  e.occurred_at = "2026-11-24T15:04:05.123Z";
  e.actor = {"system", "test"};
  s.events.push_back(std::move(e));
  req.streams.push_back(std::move(s));
  if (auto r = log.Append(req); !r.ok()) throw std::runtime_error("Append: " + r.error().message);
}

std::set<std::string> AppliedIds(SqlConnection& sql, const std::string& schema = "picky_v1") {
  std::set<std::string> out;
  for (auto& row : Query(sql, "SELECT event_id FROM " + schema + ".applied").rows) out.insert(*row[0]);
  return out;
}

// event_id -> (sqlstate, error) of every dead letter of `projection`.
std::map<std::string, std::pair<std::string, std::string>> Parked(SqlConnection& sql, const std::string& projection) {
  std::map<std::string, std::pair<std::string, std::string>> out;
  for (auto& row : Query(sql, "SELECT event_id, sqlstate, error FROM projection_dead_letters WHERE projection = $1",
                         {projection})
                       .rows) {
    out[*row[0]] = {*row[1], *row[2]};
  }
  return out;
}

std::string LetterId(SqlConnection& sql, const std::string& event_id) {
  return Scalar(sql, "SELECT id::text FROM projection_dead_letters WHERE event_id = $1", {event_id});
}

struct Harness {
  MigratedDatabase db;
  TempDir dir;
  std::unique_ptr<adapters::RocksDbEventLog> log = OpenLog(dir.path(), 1);
  std::unique_ptr<adapters::PgPool> pool = OpenPool(db.conninfo(), 2);
  std::unique_ptr<SqlConnection> sql = Connect(db.conninfo());
  PickyProjection picky;
  CountingProjection seen;
  std::mutex mu;
  std::vector<ParkedEvent> reported;
  std::atomic<int> errors{0};

  std::unique_ptr<ProjectionEngine> Engine() {
    return std::make_unique<ProjectionEngine>(
        *log, *pool, std::vector<projections::Projection*>{&picky, &seen},
        projections::EngineOptions{.max_batch_delay = 5ms,
                                   .retry_min = 5ms,
                                   .retry_max = 20ms,
                                   .on_error = [this](int, std::string_view) { ++errors; },
                                   .on_dead_letter =
                                       [this](const ParkedEvent& p) {
                                         std::lock_guard lock(mu);
                                         reported.push_back(p);
                                       }});
  }
  bool CaughtUp(ProjectionEngine& engine) { return engine.WaitFor(0, *log->EndOffset(0) - 1, 20s); }
};

TEST(DeadLetters, PoisonIsParkedAndTheStreamWaitsBehindItWhileOthersGoOn) {
  Harness h;
  Append(*h.log, "a", "a1", {});
  Append(*h.log, "a", "a2", {{"poison", true}});
  Append(*h.log, "b", "b1", {});
  Append(*h.log, "a", "a3", {});
  Append(*h.log, "c", "c1", {{"amount", "x"}});  // rejected by PostgreSQL itself
  Append(*h.log, "b", "b2", {});
  auto engine = h.Engine();
  ASSERT_TRUE(engine->Start().ok());
  ASSERT_TRUE(h.CaughtUp(*engine));

  EXPECT_EQ(AppliedIds(*h.sql), (std::set<std::string>{"a1", "b1", "b2"}));
  auto parked = Parked(*h.sql, "picky");
  ASSERT_EQ(parked.size(), 3u);
  EXPECT_EQ(parked["a2"].first, "22000");
  EXPECT_NE(parked["a2"].second.find("cannot decode a2"), std::string::npos) << parked["a2"].second;
  EXPECT_EQ(parked["c1"].first, "22P02");
  EXPECT_EQ(parked["a3"].first, "");  // not at fault: parked behind a2
  EXPECT_NE(parked["a3"].second.find("offset 1"), std::string::npos) << parked["a3"].second;
  // The other projection applied every event, poison included.
  EXPECT_TRUE(Actual(*h.sql, "seen_v1") == Expected(AllEvents(*h.log)));
  EXPECT_TRUE(Parked(*h.sql, "seen").empty());
  EXPECT_EQ(Checkpoints(*h.sql, "picky")[0], 6);
  EXPECT_EQ(Scalar(*h.sql, "SELECT envelope::json->>'event_id' FROM projection_dead_letters WHERE event_id = 'a2'"), "a2");

  // A later batch: the blocked stream keeps waiting, the others apply.
  Append(*h.log, "a", "a4", {});
  Append(*h.log, "b", "b3", {});
  ASSERT_TRUE(h.CaughtUp(*engine));
  engine->Stop();
  EXPECT_EQ(AppliedIds(*h.sql), (std::set<std::string>{"a1", "b1", "b2", "b3"}));
  EXPECT_EQ(Parked(*h.sql, "picky").size(), 4u);
  EXPECT_EQ(Checkpoints(*h.sql, "picky")[0], 8);
  std::lock_guard lock(h.mu);
  EXPECT_EQ(h.reported.size(), 4u);
  EXPECT_EQ(h.errors.load(), 0) << "parking is not an error of the batch";
}

TEST(DeadLetters, TransientErrorsAreRetriedNotParked) {
  Harness h;
  h.picky.transient = 2;
  Append(*h.log, "a", "a1", {});
  Append(*h.log, "a", "a2", {});
  auto engine = h.Engine();
  ASSERT_TRUE(engine->Start().ok());
  ASSERT_TRUE(h.CaughtUp(*engine));
  engine->Stop();
  EXPECT_EQ(h.errors.load(), 2);
  EXPECT_EQ(AppliedIds(*h.sql), (std::set<std::string>{"a1", "a2"}));
  EXPECT_TRUE(Parked(*h.sql, "picky").empty());
  EXPECT_TRUE(Actual(*h.sql, "seen_v1") == Expected(AllEvents(*h.log)));  // rolled back, then once
}

TEST(DeadLetters, RetryAppliesInStreamOrderOnceFixedAndDiscardForgets) {
  Harness h;
  Append(*h.log, "a", "a1", {{"poison", true}});
  Append(*h.log, "a", "a2", {});
  Append(*h.log, "a", "a3", {});
  auto engine = h.Engine();
  ASSERT_TRUE(engine->Start().ok());
  ASSERT_TRUE(h.CaughtUp(*engine));
  engine->Stop();
  ASSERT_EQ(Parked(*h.sql, "picky").size(), 3u);
  const std::vector<projections::Projection*> projections{&h.picky, &h.seen};
  using Status = RetryOutcome::Status;

  // Still broken: the attempt is counted and the error kept.
  auto again = projections::RetryDeadLetter(*h.sql, projections, LetterId(*h.sql, "a1"));
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->status, Status::kFailed);
  EXPECT_EQ(again->letter.attempts, 2);
  EXPECT_NE(again->error.find("cannot decode a1"), std::string::npos);

  // a2 must not overtake a1.
  auto early = projections::RetryDeadLetter(*h.sql, projections, LetterId(*h.sql, "a2"));
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(early->status, Status::kBlocked);
  EXPECT_EQ(early->blocked_by, LetterId(*h.sql, "a1"));

  h.picky.reject_poison = false;  // "deploy the fix"
  auto fixed = projections::RetryDeadLetter(*h.sql, projections, LetterId(*h.sql, "a1"));
  ASSERT_TRUE(fixed.ok());
  EXPECT_EQ(fixed->status, Status::kApplied);
  EXPECT_EQ(AppliedIds(*h.sql), (std::set<std::string>{"a1"}));
  EXPECT_EQ(Parked(*h.sql, "picky").count("a1"), 0u);

  auto next = projections::RetryDeadLetter(*h.sql, projections, LetterId(*h.sql, "a2"));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->status, Status::kApplied);
  EXPECT_EQ(Scalar(*h.sql, "SELECT off FROM picky_v1.applied WHERE event_id = 'a2'"), "1");  // offset restored

  auto discarded = projections::DiscardDeadLetter(*h.sql, LetterId(*h.sql, "a3"));
  ASSERT_TRUE(discarded.ok());
  EXPECT_TRUE(*discarded);
  EXPECT_TRUE(Parked(*h.sql, "picky").empty());
  EXPECT_EQ(AppliedIds(*h.sql), (std::set<std::string>{"a1", "a2"}));

  const std::string gone = "00000000-0000-0000-0000-000000000000";
  EXPECT_FALSE(*projections::DiscardDeadLetter(*h.sql, gone));
  EXPECT_EQ(projections::RetryDeadLetter(*h.sql, projections, gone)->status, Status::kNotFound);
}

TEST(DeadLetters, ARebuildReplacesTheDeadLettersWithItsOwnVerdicts) {
  Harness h;
  Append(*h.log, "a", "a1", {{"poison", true}});
  Append(*h.log, "a", "a2", {});
  Append(*h.log, "b", "b1", {});
  auto engine = h.Engine();
  ASSERT_TRUE(engine->Start().ok());
  ASSERT_TRUE(h.CaughtUp(*engine));
  engine->Stop();
  ASSERT_EQ(Parked(*h.sql, "picky").size(), 2u);
  Query(*h.sql, "UPDATE projection_dead_letters SET error = 'from v1'");

  // Still broken: the new schema parks the same events, and its verdicts replace v1's.
  auto still = projections::Rebuild(*h.log, *h.pool, h.picky);
  ASSERT_TRUE(still.ok()) << still.error().message;
  EXPECT_EQ(AppliedIds(*h.sql, "picky_v2"), (std::set<std::string>{"b1"}));
  auto parked = Parked(*h.sql, "picky");
  EXPECT_EQ(parked.size(), 2u);
  EXPECT_NE(parked["a1"].second.find("cannot decode a1"), std::string::npos) << parked["a1"].second;
  EXPECT_EQ(Scalar(*h.sql, "SELECT count(*) FROM projection_dead_letters WHERE projection <> 'picky'"), "0");

  // Fixed code: the rebuilt model applies them, so no dead letter is left.
  h.picky.reject_poison = false;
  auto fixed = projections::Rebuild(*h.log, *h.pool, h.picky);
  ASSERT_TRUE(fixed.ok()) << fixed.error().message;
  EXPECT_EQ(AppliedIds(*h.sql, "picky_v3"), (std::set<std::string>{"a1", "a2", "b1"}));
  EXPECT_TRUE(Parked(*h.sql, "picky").empty());
}

TEST(DeadLetters, ListFiltersAndPages) {
  Harness h;
  Append(*h.log, "a", "a1", {{"poison", true}});
  Append(*h.log, "b", "b1", {{"poison", true}});
  Append(*h.log, "c", "c1", {{"poison", true}});
  auto engine = h.Engine();
  ASSERT_TRUE(engine->Start().ok());
  ASSERT_TRUE(h.CaughtUp(*engine));
  engine->Stop();
  auto page = projections::ListDeadLetters(*h.sql, {.projection = "picky", .limit = 2, .offset = 1});
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(page->total, 3);
  ASSERT_EQ(page->rows.size(), 2u);
  EXPECT_EQ(page->rows[0].event_id, "b1");
  EXPECT_EQ(page->rows[1].event_id, "c1");
  EXPECT_EQ(projections::ListDeadLetters(*h.sql, {.projection = "seen"})->total, 0);
  EXPECT_EQ(projections::ListDeadLetters(*h.sql, {.tenant_id = "t_2"})->total, 0);
  EXPECT_EQ(projections::ListDeadLetters(*h.sql, {.tenant_id = "t_1"})->total, 3);
}

}  // namespace
}  // namespace switchboard::enginetest
