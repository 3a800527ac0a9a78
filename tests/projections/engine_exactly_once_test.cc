// Exactly once across crashes: the engine runs in a forked child (its own RocksDB handle and
// connections) that is SIGKILLed mid-batch again and again; after a clean final run every event
// must have been applied exactly once and every checkpoint must equal the log's end offset.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <thread>

#include "engine_test_support.h"
#include "projections/engine/projection_engine.h"

namespace switchboard::enginetest {
namespace {

using namespace std::chrono_literals;

constexpr int kPartitions = 2;
constexpr int kEvents = 8000;

// Child side. Nothing here returns into GoogleTest: the child leaves with _exit, and RocksDB is
// only ever opened in children, so no parent thread state is inherited.
[[noreturn]] void AppendInChild(const std::string& dir) {
  try {
    auto log = OpenLog(dir, kPartitions);
    AppendEvents(*log, 0, kEvents, /*tenants=*/8, /*per_append=*/40);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "append child: %s\n", e.what());
    ::_exit(2);
  }
  ::_exit(0);
}

[[noreturn]] void ProjectInChild(const std::string& dir, const std::string& conninfo, bool until_caught_up) {
  try {
    auto log = OpenLog(dir, kPartitions);
    auto pool = OpenPool(conninfo, kPartitions + 1);  // fresh connections: none crossed the fork
    CountingProjection seen("seen"), other("other");
    projections::ProjectionEngine engine(*log, *pool, {&seen, &other},
                                         {.max_batch_events = 150, .max_batch_delay = 5ms, .retry_min = 10ms});
    if (auto r = engine.Start(); !r.ok()) {
      std::fprintf(stderr, "engine child: %s\n", r.error().message.c_str());
      ::_exit(3);
    }
    if (!until_caught_up) {
      for (;;) std::this_thread::sleep_for(1s);  // until SIGKILL
    }
    for (int p = 0; p < kPartitions; ++p) {
      const auto end = *log->EndOffset(p);
      if (end > 0 && !engine.WaitFor(p, end - 1, 120s)) ::_exit(4);
    }
    engine.Stop();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "engine child: %s\n", e.what());
    ::_exit(5);
  }
  ::_exit(0);
}

int WaitExit(pid_t pid, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(20ms);
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::int64_t Applied(SqlConnection& sql) {
  // Before the child has created the schema there is nothing to count yet.
  if (Scalar(sql, "SELECT to_regclass('seen_v1.applied') IS NULL") == "t") return 0;
  return std::stoll(Scalar(sql, "SELECT count(*) FROM seen_v1.applied"));
}

TEST(ProjectionEngineCrash, SigkillMidBatchNeverLosesOrRepeatsAnEvent) {
  MigratedDatabase db;
  TempDir dir;
  std::fflush(nullptr);
  pid_t appender = ::fork();
  ASSERT_GE(appender, 0);
  if (appender == 0) AppendInChild(dir.path());
  ASSERT_EQ(WaitExit(appender, 120s), 0) << "appending child failed";

  auto sql = Connect(db.conninfo());
  std::mt19937 rng(std::random_device{}());
  int partial_kills = 0;
  // Many short lives: a kill lands at a uniformly random statement of the batch cycle, so the
  // short window between two statements that must be atomic is hit with high probability.
  constexpr int kKills = 16;
  for (int round = 1; round <= kKills; ++round) {
    std::fflush(nullptr);
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) ProjectInChild(dir.path(), db.conninfo(), /*until_caught_up=*/false);

    // Let this incarnation make progress up to round/(kKills+1) of the log, then kill it at a
    // random moment, most likely inside a batch's transaction.
    const std::int64_t target = kEvents * round / (kKills + 1);
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    bool reached = false, alive = true;
    while (alive && !(reached = Applied(*sql) >= target) && std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      alive = ::waitpid(child, &status, WNOHANG) == 0;
      std::this_thread::sleep_for(5ms);
    }
    if (reached) std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 15)(rng)));
    ::kill(child, SIGKILL);
    const int status = WaitExit(child, 30s);
    ASSERT_TRUE(alive) << "engine child died on its own in round " << round << ", status " << status;
    ASSERT_TRUE(reached) << "engine made no progress to " << target << " in round " << round
                         << " (an event applied twice would block it on the primary key)";
    const auto applied = Applied(*sql);
    if (applied > 0 && applied < kEvents) ++partial_kills;
  }
  EXPECT_GE(partial_kills, kKills / 2) << "most kills should land before the end of the log";

  std::fflush(nullptr);
  pid_t last = ::fork();
  ASSERT_GE(last, 0);
  if (last == 0) ProjectInChild(dir.path(), db.conninfo(), /*until_caught_up=*/true);
  ASSERT_EQ(WaitExit(last, 180s), 0) << "final engine run did not catch up";

  // The log is only read here, after every child is gone.
  auto log = OpenLog(dir.path(), kPartitions);
  const Fold expected = Expected(AllEvents(*log));
  ASSERT_EQ(expected.event_ids.size(), static_cast<std::size_t>(kEvents));
  for (const std::string name : {"seen", "other"}) {
    EXPECT_TRUE(Actual(*sql, name + "_v1") == expected) << name;
    EXPECT_EQ(Scalar(*sql, "SELECT sum(n) FROM " + name + "_v1.stream_counts"), std::to_string(kEvents));
    auto saved = Checkpoints(*sql, name);
    for (auto [p, end] : EndOffsets(*log)) EXPECT_EQ(saved[p], end) << name << " partition " << p;
  }
}

}  // namespace
}  // namespace switchboard::enginetest
