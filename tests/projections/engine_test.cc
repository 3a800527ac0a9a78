// ProjectionEngine against a real RocksDB log and PostgreSQL: catch-up, read-your-writes (WaitFor),
// partition subsets, lag, and retries across dropped connections, always exactly once.
#include "projections/engine/projection_engine.h"

#include <gtest/gtest.h>

#include <thread>

#include "engine_test_support.h"
#include "projections/engine/catalog.h"

namespace switchboard::enginetest {
namespace {

using namespace std::chrono_literals;
using projections::EngineOptions;
using projections::ProjectionEngine;

void ExpectCheckpointsAtEnd(SqlConnection& sql, const std::string& projection, commands::EventLog& log) {
  auto saved = Checkpoints(sql, projection);
  for (auto [p, end] : EndOffsets(log)) {
    EXPECT_EQ(saved.count(p) ? saved[p] : 0, end) << projection << " partition " << p;
  }
}

bool WaitForAll(ProjectionEngine& engine, commands::EventLog& log, std::chrono::milliseconds timeout) {
  for (auto [p, end] : EndOffsets(log)) {
    if (end > 0 && !engine.WaitFor(p, end - 1, timeout)) return false;
  }
  return true;
}

TEST(ProjectionEngine, CatchesUpThenFollowsTheLogExactlyOnce) {
  MigratedDatabase db;
  TempDir dir;
  auto log = OpenLog(dir.path(), 2);
  AppendEvents(*log, 0, 1500);
  auto pool = OpenPool(db.conninfo(), 4);
  CountingProjection seen("seen"), other("other");
  ProjectionEngine engine(*log, *pool, {&seen, &other}, {.max_batch_events = 200});
  auto started = engine.Start();
  ASSERT_TRUE(started.ok()) << started.error().message;
  ASSERT_TRUE(WaitForAll(engine, *log, 30s));
  AppendEvents(*log, 1500, 700);  // live, after catch-up
  ASSERT_TRUE(WaitForAll(engine, *log, 30s));
  engine.Stop();

  auto sql = Connect(db.conninfo());
  const Fold expected = Expected(AllEvents(*log));
  EXPECT_EQ(expected.event_ids.size(), 2200u);
  for (const std::string name : {"seen", "other"}) {
    auto schema = projections::LiveSchema(*sql, name);
    ASSERT_TRUE(schema.ok()) << schema.error().message;
    EXPECT_EQ(*schema, name + "_v1");
    EXPECT_TRUE(Actual(*sql, *schema) == expected) << name;
    ExpectCheckpointsAtEnd(*sql, name, *log);
  }
}

TEST(ProjectionEngine, RestartsFromItsCheckpoints) {
  MigratedDatabase db;
  TempDir dir;
  auto log = OpenLog(dir.path(), 2);
  auto pool = OpenPool(db.conninfo(), 4);
  CountingProjection seen;
  AppendEvents(*log, 0, 600);
  {
    ProjectionEngine engine(*log, *pool, {&seen});
    ASSERT_TRUE(engine.Start().ok());
    ASSERT_TRUE(WaitForAll(engine, *log, 30s));
  }
  AppendEvents(*log, 600, 400);
  ProjectionEngine engine(*log, *pool, {&seen});
  ASSERT_TRUE(engine.Start().ok());
  for (auto [p, end] : EndOffsets(*log)) EXPECT_GE(engine.AppliedPosition("seen", p), 0);
  ASSERT_TRUE(WaitForAll(engine, *log, 30s));
  engine.Stop();
  auto sql = Connect(db.conninfo());
  EXPECT_TRUE(Actual(*sql, "seen_v1") == Expected(AllEvents(*log)));  // a replay would hit the primary key
  ExpectCheckpointsAtEnd(*sql, "seen", *log);
}

TEST(ProjectionEngine, WaitForGivesReadYourWrites) {
  MigratedDatabase db;
  TempDir dir;
  auto log = OpenLog(dir.path(), 4);
  auto pool = OpenPool(db.conninfo(), 6);
  CountingProjection seen;
  ProjectionEngine engine(*log, *pool, {&seen}, {.max_batch_delay = 5ms});
  ASSERT_TRUE(engine.Start().ok());
  auto sql = Connect(db.conninfo());
  for (int i = 0; i < 20; ++i) {
    commands::AppendRequest req{.tenant_id = "t_ryw_" + std::to_string(i % 5), .streams = {}, .idempotency_key = ""};
    commands::NewEvent e{.event_id = "ryw-" + std::to_string(i), .type = "Counted", .schema_version = 1,
                         .data = {{"i", i}}, .occurred_at = "2026-11-24T15:04:05.123Z", .actor = {"system", "t"},
                         .correlation_id = "", .causation_id = ""};
    req.streams.push_back({"s", commands::ExpectedVersion::Any(), {e}});
    auto appended = log->Append(req);
    ASSERT_TRUE(appended.ok());
    // The X-Consistency-Token round trip: wait for partition:offset, then the row must be there.
    ASSERT_TRUE(engine.WaitFor(appended->partition, appended->last_offset, 10s));
    EXPECT_GT(engine.AppliedPosition("seen", appended->partition), appended->last_offset);
    EXPECT_EQ(Scalar(*sql, "SELECT count(*) FROM seen_v1.applied WHERE event_id = $1", {e.event_id}), "1");
  }
  const auto before = std::chrono::steady_clock::now();
  EXPECT_FALSE(engine.WaitFor(0, 1'000'000, 150ms));
  EXPECT_GE(std::chrono::steady_clock::now() - before, 140ms);
  EXPECT_FALSE(engine.WaitFor(99, 0, 10ms));  // not a partition of this engine
  EXPECT_EQ(engine.AppliedPosition("nope", 0), -1);

  auto lag = engine.Lag();
  EXPECT_EQ(lag.size(), 4u);
  for (const auto& s : lag) {
    EXPECT_EQ(s.projection, "seen");
    EXPECT_EQ(s.lag, 0) << "partition " << s.partition;
    EXPECT_EQ(s.end_offset - s.applied, s.lag);
  }
}

TEST(ProjectionEngine, PartitionSubsetsSplitTheWorkBetweenEngines) {
  MigratedDatabase db;
  TempDir dir;
  auto log = OpenLog(dir.path(), 4);
  AppendEvents(*log, 0, 4000, /*tenants=*/16, /*per_append=*/25);
  for (auto [p, end] : EndOffsets(*log)) ASSERT_GT(end, 0) << "test data should cover partition " << p;
  auto pool = OpenPool(db.conninfo(), 6);
  CountingProjection seen, other("other");
  ProjectionEngine low(*log, *pool, {&seen, &other}, {.max_batch_events = 300, .partitions = {0, 1}});
  ProjectionEngine high(*log, *pool, {&seen, &other}, {.max_batch_events = 300, .partitions = {2, 3}});
  ASSERT_TRUE(low.Start().ok());
  ASSERT_TRUE(high.Start().ok());
  EXPECT_EQ(low.AppliedPosition("seen", 2), -1);
  EXPECT_FALSE(low.WaitFor(3, 0, 1ms));
  const auto ends = EndOffsets(*log);
  for (auto [p, end] : ends) ASSERT_TRUE((p < 2 ? low : high).WaitFor(p, end - 1, 30s)) << p;
  low.Stop();
  high.Stop();

  auto sql = Connect(db.conninfo());
  const Fold expected = Expected(AllEvents(*log));
  for (const std::string name : {"seen", "other"}) {
    EXPECT_TRUE(Actual(*sql, name + "_v1") == expected) << name;
    ExpectCheckpointsAtEnd(*sql, name, *log);
    // Each partition's rows are exactly offsets 0..end-1 of that partition, in their partition.
    for (auto [p, end] : ends) {
      auto r = Query(*sql, "SELECT count(*), min(off), max(off), count(DISTINCT off) FROM " + name +
                               "_v1.applied WHERE part = $1", {std::to_string(p)});
      EXPECT_EQ(r.rows[0][0], std::to_string(end));
      EXPECT_EQ(r.rows[0][1], "0");
      EXPECT_EQ(r.rows[0][2], std::to_string(end - 1));
      EXPECT_EQ(r.rows[0][3], std::to_string(end));
    }
  }
}

TEST(ProjectionEngine, RetriesThroughDroppedConnectionsWithoutDuplicates) {
  MigratedDatabase db;
  TempDir dir;
  auto log = OpenLog(dir.path(), 2);
  AppendEvents(*log, 0, 3000);
  auto pool = OpenPool(db.conninfo(), 3);
  CountingProjection seen;
  seen.delay_ms = 3;
  std::atomic<int> errors{0};
  ProjectionEngine engine(*log, *pool, {&seen},
                          {.max_batch_events = 100, .retry_min = 5ms, .retry_max = 50ms,
                           .on_error = [&](int, std::string_view) { ++errors; }});
  ASSERT_TRUE(engine.Start().ok());
  auto admin = Connect(db.conninfo());
  // Kill the engine's backends while it works, several times.
  for (int i = 0; i < 6; ++i) {
    std::this_thread::sleep_for(40ms);
    Query(*admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                  " WHERE datname = current_database() AND pid <> pg_backend_pid()");
  }
  ASSERT_TRUE(WaitForAll(engine, *log, 60s));
  engine.Stop();
  EXPECT_GT(errors.load(), 0) << "the test should have broken at least one batch";
  EXPECT_TRUE(Actual(*admin, "seen_v1") == Expected(AllEvents(*log)));
  ExpectCheckpointsAtEnd(*admin, "seen", *log);
}

TEST(ProjectionEngine, StartFailsOnAnInvalidProjectionName) {
  MigratedDatabase db;
  TempDir dir;
  auto log = OpenLog(dir.path(), 1);
  auto pool = OpenPool(db.conninfo(), 1);
  CountingProjection bad("Bad-Name");
  ProjectionEngine engine(*log, *pool, {&bad});
  auto r = engine.Start();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("Bad-Name"), std::string::npos);
}

}  // namespace
}  // namespace switchboard::enginetest
