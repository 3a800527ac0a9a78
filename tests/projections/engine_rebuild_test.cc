// Blue/green rebuild against a live engine: the new schema replays the whole log while appends
// and the live engine continue, the catalog switches in one transaction, the old schema is
// dropped, and the result equals the fold of the whole log, each event exactly once.
#include "projections/engine/rebuild.h"

#include <gtest/gtest.h>

#include <thread>

#include "engine_test_support.h"
#include "projections/engine/catalog.h"
#include "projections/engine/projection_engine.h"

namespace switchboard::enginetest {
namespace {

using namespace std::chrono_literals;
using projections::RebuildProgress;

bool WaitForAll(projections::ProjectionEngine& engine, commands::EventLog& log) {
  for (auto [p, end] : EndOffsets(log)) {
    if (end > 0 && !engine.WaitFor(p, end - 1, 60s)) return false;
  }
  return true;
}

bool SchemaExists(SqlConnection& sql, const std::string& schema) {
  return Scalar(sql, "SELECT count(*) FROM pg_namespace WHERE nspname = $1", {schema}) == "1";
}

TEST(Rebuild, SwitchesToAnEqualNewSchemaWhileTheLiveEngineRuns) {
  MigratedDatabase db;
  TempDir dir;
  auto log = OpenLog(dir.path(), 3);
  AppendEvents(*log, 0, 3000);
  auto pool = OpenPool(db.conninfo(), 8);
  CountingProjection live_seen, rebuild_seen;  // same name "seen": two instances, as in two processes
  projections::ProjectionEngine engine(*log, *pool, {&live_seen}, {.max_batch_events = 200, .max_batch_delay = 5ms});
  ASSERT_TRUE(engine.Start().ok());
  ASSERT_TRUE(WaitForAll(engine, *log));
  auto sql = Connect(db.conninfo());
  EXPECT_TRUE(Actual(*sql, "seen_v1") == Expected(AllEvents(*log)));

  // Appends keep coming during the whole rebuild.
  std::atomic<bool> appending{true};
  std::thread appender([&] {
    for (int n = 3000; n < 6000 && appending; n += 20) {
      AppendEvents(*log, n, 20, 8, 10);
      std::this_thread::sleep_for(1ms);
    }
  });
  std::vector<RebuildProgress> reports;
  auto rebuilt = projections::Rebuild(*log, *pool, rebuild_seen,
                                      [&](const RebuildProgress& p) { reports.push_back(p); },
                                      {.batch_events = 400, .switch_lag = 100, .progress_interval = 0ms});
  appending = false;
  appender.join();
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.error().message;
  ASSERT_TRUE(WaitForAll(engine, *log));  // the live engine now writes into v2
  engine.Stop();

  auto live = projections::LiveSchema(*sql, "seen");
  ASSERT_TRUE(live.ok());
  EXPECT_EQ(*live, "seen_v2");
  EXPECT_FALSE(SchemaExists(*sql, "seen_v1")) << "the old schema is dropped after the switch";
  EXPECT_EQ(Scalar(*sql, "SELECT count(*) FROM projection_checkpoints WHERE projection LIKE 'seen@%'"), "0");
  const auto all = AllEvents(*log);
  EXPECT_GT(all.size(), 3000u);
  EXPECT_TRUE(Actual(*sql, "seen_v2") == Expected(all)) << "v2 must hold every event exactly once";
  auto saved = Checkpoints(*sql, "seen");
  for (auto [p, end] : EndOffsets(*log)) EXPECT_EQ(saved[p], end) << "partition " << p;

  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports.front().schema, "seen_v2");
  EXPECT_EQ(reports.back().phase, RebuildProgress::Phase::kDone);
  EXPECT_GE(reports.back().events_done, 3000);
  EXPECT_GE(reports.back().events_total, reports.back().events_done);
  bool saw_switching = false;
  for (const auto& r : reports) saw_switching |= r.phase == RebuildProgress::Phase::kSwitching;
  EXPECT_TRUE(saw_switching);
}

TEST(Rebuild, EachRebuildTakesTheNextVersionAndNeedsNoLiveEngine) {
  MigratedDatabase db;
  TempDir dir;
  auto log = OpenLog(dir.path(), 2);
  AppendEvents(*log, 0, 1200);
  auto pool = OpenPool(db.conninfo(), 3);
  CountingProjection seen;
  // Never projected before: the first rebuild creates v1 and replaces it by v2.
  ASSERT_TRUE(projections::Rebuild(*log, *pool, seen).ok());
  ASSERT_TRUE(projections::Rebuild(*log, *pool, seen).ok());
  auto sql = Connect(db.conninfo());
  EXPECT_EQ(*projections::LiveSchema(*sql, "seen"), "seen_v3");
  EXPECT_FALSE(SchemaExists(*sql, "seen_v2"));
  EXPECT_TRUE(Actual(*sql, "seen_v3") == Expected(AllEvents(*log)));

  // A live engine started afterwards continues from the switched checkpoints: nothing re-applied.
  AppendEvents(*log, 1200, 300);
  projections::ProjectionEngine engine(*log, *pool, {&seen});
  ASSERT_TRUE(engine.Start().ok());
  ASSERT_TRUE(WaitForAll(engine, *log));
  engine.Stop();
  EXPECT_TRUE(Actual(*sql, "seen_v3") == Expected(AllEvents(*log)));
}

TEST(Rebuild, ASecondConcurrentRebuildIsRefused) {
  MigratedDatabase db;
  TempDir dir;
  auto log = OpenLog(dir.path(), 1);
  AppendEvents(*log, 0, 100);
  auto pool = OpenPool(db.conninfo(), 4);
  auto holder = Connect(db.conninfo());
  Query(*holder, "SELECT pg_advisory_lock(hashtext('switchboard.rebuild'), hashtext('seen'))");
  CountingProjection seen;
  auto r = projections::Rebuild(*log, *pool, seen);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().sqlstate, "55P03");
}

}  // namespace
}  // namespace switchboard::enginetest
