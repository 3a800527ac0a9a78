// Two engines on the same partitions (a consumer-group rebalance overlap, or two `switchboard
// project` processes): the checkpoint rows are locked per batch, so an effect that is NOT
// idempotent still happens exactly once per event.
#include <gtest/gtest.h>

#include <thread>

#include "engine_test_support.h"
#include "projections/engine/projection_engine.h"

namespace switchboard::enginetest {
namespace {

using namespace std::chrono_literals;
using projections::ProjectionEngine;

// Adds the batch size to one counter: applying an event twice shows up as a larger total. The sleep
// holds the transaction open so the two engines' batches overlap.
class AddingProjection final : public projections::Projection {
 public:
  std::string_view Name() const override { return "adding"; }
  Result<void, SqlError> CreateTables(SqlConnection& sql, std::string_view schema) override {
    const std::string s(schema);
    return sql.ExecScript("CREATE TABLE IF NOT EXISTS " + s + ".counter (id int PRIMARY KEY, n bigint NOT NULL);" +
                          "INSERT INTO " + s + ".counter VALUES (1, 0) ON CONFLICT DO NOTHING");
  }
  Result<void, SqlError> Apply(SqlConnection& sql, std::string_view schema,
                               std::span<const RecordedEvent> batch) override {
    auto r = sql.Exec("UPDATE " + std::string(schema) + ".counter SET n = n + $1 WHERE id = 1",
                      {std::to_string(batch.size())});
    if (!r.ok()) return MakeErr(std::move(r).error());
    if (auto slept = sql.Exec("SELECT pg_sleep(0.005)"); !slept.ok()) return MakeErr(std::move(slept).error());
    return {};
  }
};

TEST(ProjectionEngineConcurrency, TwoEnginesOnOnePartitionApplyEachEventOnce) {
  MigratedDatabase db;
  TempDir dir;
  auto log = OpenLog(dir.path(), 2);
  constexpr int kEvents = 3000;
  auto pool_a = OpenPool(db.conninfo(), 3);
  auto pool_b = OpenPool(db.conninfo(), 3);
  AddingProjection adding;
  // Different batch sizes so the two engines' batches overlap without lining up.
  ProjectionEngine a(*log, *pool_a, {&adding}, {.max_batch_events = 70, .max_batch_delay = 1ms});
  ProjectionEngine b(*log, *pool_b, {&adding}, {.max_batch_events = 110, .max_batch_delay = 1ms});
  ASSERT_TRUE(a.Start().ok());
  ASSERT_TRUE(b.Start().ok());
  // Appended while both run, so both keep picking up the same fresh events.
  std::thread appender([&] { AppendEvents(*log, 0, kEvents, /*tenants=*/8, /*per_append=*/10); });
  appender.join();
  for (auto [p, end] : EndOffsets(*log)) {
    ASSERT_TRUE(a.WaitFor(p, end - 1, 60s)) << "partition " << p;
    ASSERT_TRUE(b.WaitFor(p, end - 1, 60s)) << "partition " << p;
  }
  a.Stop();
  b.Stop();
  auto sql = Connect(db.conninfo());
  EXPECT_EQ(Scalar(*sql, "SELECT n FROM adding_v1.counter WHERE id = 1"), std::to_string(kEvents));
  for (auto [p, end] : EndOffsets(*log)) EXPECT_EQ(Checkpoints(*sql, "adding")[p], end);
}

}  // namespace
}  // namespace switchboard::enginetest
