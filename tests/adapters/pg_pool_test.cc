// PgPool against a real PostgreSQL (ctest fixture `pg`): parameters, NULLs, sqlstates, COPY,
// transaction hygiene of returned leases, reconnects, and bounded concurrent acquisition.
#include "adapters/postgres/pg_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "support/test_database.h"

namespace switchboard::adapters {
namespace {

using projections::SqlConnection;
using projections::SqlParam;

std::unique_ptr<PgPool> OpenPool(const testing::TestDatabase& db, int size) {
  auto pool = PgPool::Open(db.conninfo(), size);
  if (!pool.ok()) throw std::runtime_error("PgPool::Open: " + pool.error().message);
  return std::move(pool).value();
}

std::unique_ptr<projections::SqlLease> Lease(PgPool& pool) {
  auto lease = pool.Acquire();
  if (!lease.ok()) throw std::runtime_error("Acquire: " + lease.error().message);
  return std::move(lease).value();
}

std::string Scalar(SqlConnection& sql, const std::string& query) {
  auto r = sql.Exec(query);
  if (!r.ok()) throw std::runtime_error(query + ": " + r.error().message);
  return r->rows.at(0).at(0).value_or("<null>");
}

TEST(PgPool, ExecBindsTextParametersAndNulls) {
  testing::TestDatabase db;
  auto pool = OpenPool(db, 1);
  auto lease = Lease(*pool);
  auto r = (*lease)->Exec("SELECT $1::int + 1 AS n, $2::text AS t, $3::text AS quoted", {"41", std::nullopt, "it's \"x\""});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->columns, (std::vector<std::string>{"n", "t", "quoted"}));
  ASSERT_EQ(r->rows.size(), 1u);
  EXPECT_EQ(r->rows[0][0], SqlParam("42"));
  EXPECT_EQ(r->rows[0][1], std::nullopt);
  EXPECT_EQ(r->rows[0][2], SqlParam("it's \"x\""));
  EXPECT_EQ(r->Column("t"), 1);
}

TEST(PgPool, ReportsAffectedRows) {
  testing::TestDatabase db;
  auto pool = OpenPool(db, 1);
  auto lease = Lease(*pool);
  ASSERT_TRUE((*lease)->ExecScript("CREATE TABLE t (id int primary key, v text); CREATE INDEX ON t (v)").ok());
  auto ins = (*lease)->Exec("INSERT INTO t SELECT g, 'v' FROM generate_series(1, 3) g");
  ASSERT_TRUE(ins.ok()) << ins.error().message;
  EXPECT_EQ(ins->affected, 3);
  auto upd = (*lease)->Exec("UPDATE t SET v = $1 WHERE id > $2", {"w", "1"});
  ASSERT_TRUE(upd.ok());
  EXPECT_EQ(upd->affected, 2);
}

TEST(PgPool, ErrorsCarryTheSqlstate) {
  testing::TestDatabase db;
  auto pool = OpenPool(db, 1);
  auto lease = Lease(*pool);
  ASSERT_TRUE((*lease)->ExecScript("CREATE TABLE t (id int primary key)").ok());
  ASSERT_TRUE((*lease)->Exec("INSERT INTO t VALUES (1)").ok());

  auto dup = (*lease)->Exec("INSERT INTO t VALUES ($1)", {"1"});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().sqlstate, "23505");
  EXPECT_NE(dup.error().message.find("duplicate key"), std::string::npos) << dup.error().message;

  auto syntax = (*lease)->Exec("SELEC 1");
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.error().sqlstate, "42601");

  auto missing = (*lease)->ExecScript("SELECT 1; SELECT * FROM nowhere");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().sqlstate, "42P01");

  EXPECT_EQ(Scalar(**lease, "SELECT count(*) FROM t"), "1");  // the connection is still usable
}

TEST(PgPool, CopyInRoundTripsEscapedValues) {
  testing::TestDatabase db;
  auto pool = OpenPool(db, 1);
  auto lease = Lease(*pool);
  ASSERT_TRUE((*lease)->ExecScript("CREATE TABLE t (id int, v text, j jsonb)").ok());
  const std::vector<SqlParam> values = {"plain", "tab\there", "line\nbreak", "back\\slash", "cr\rlf",
                                        std::nullopt, "\\N", "ünïcødé ☎", ""};
  std::string data;
  for (std::size_t i = 0; i < values.size(); ++i) {
    projections::AppendCopyField(data, std::to_string(i));
    data += '\t';
    projections::AppendCopyField(data, values[i]);
    data += '\t';
    projections::AppendCopyField(data, std::string(R"({"s": "a\tb\\c"})"));
    data += '\n';
  }
  auto copied = (*lease)->CopyIn("COPY t (id, v, j) FROM STDIN", data);
  ASSERT_TRUE(copied.ok()) << copied.error().message;
  EXPECT_EQ(*copied, static_cast<std::int64_t>(values.size()));

  auto rows = (*lease)->Exec("SELECT v, j->>'s' FROM t ORDER BY id");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->rows.size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(rows->rows[i][0], values[i]) << "row " << i;
    EXPECT_EQ(rows->rows[i][1], SqlParam("a\tb\\c"));
  }
}

TEST(PgPool, CopyInFailureReportsAndKeepsTheConnection) {
  testing::TestDatabase db;
  auto pool = OpenPool(db, 1);
  auto lease = Lease(*pool);
  ASSERT_TRUE((*lease)->ExecScript("CREATE TABLE t (id int)").ok());
  auto bad = (*lease)->CopyIn("COPY t (id) FROM STDIN", "1\nnot-a-number\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().sqlstate, "22P02");
  auto not_copy = (*lease)->CopyIn("SELECT 1", "");
  ASSERT_FALSE(not_copy.ok());
  EXPECT_EQ(Scalar(**lease, "SELECT count(*) FROM t"), "0");
}

TEST(PgPool, LeaseReturnedInsideATransactionIsRolledBack) {
  testing::TestDatabase db;
  auto pool = OpenPool(db, 1);
  {
    auto lease = Lease(*pool);
    ASSERT_TRUE((*lease)->ExecScript("CREATE TABLE t (id int)").ok());
    ASSERT_TRUE((*lease)->ExecScript("BEGIN; INSERT INTO t VALUES (1)").ok());
  }
  {
    auto lease = Lease(*pool);  // the same single connection
    EXPECT_EQ(Scalar(**lease, "SELECT count(*) FROM t"), "0");
    ASSERT_TRUE((*lease)->ExecScript("BEGIN").ok());
    ASSERT_FALSE((*lease)->Exec("SELECT 1/0").ok());  // the transaction is now aborted
  }
  auto lease = Lease(*pool);
  EXPECT_EQ(Scalar(**lease, "SELECT 1"), "1");
  EXPECT_EQ(Scalar(**lease, "SELECT count(*) FROM t"), "0");
}

TEST(PgPool, BrokenConnectionIsReconnectedOnNextAcquire) {
  testing::TestDatabase db;
  auto pool = OpenPool(db, 1);
  std::string pid;
  {
    auto lease = Lease(*pool);
    pid = Scalar(**lease, "SELECT pg_backend_pid()");
  }
  auto admin = PgConnect(db.conninfo());
  ASSERT_TRUE(admin.ok()) << admin.error().message;
  ASSERT_TRUE((*admin)->Exec("SELECT pg_terminate_backend($1::int)", {pid}).ok());
  {
    auto lease = Lease(*pool);
    // The pool cannot know before using it; the first statement fails without a sqlstate...
    auto r = (*lease)->Exec("SELECT 1");
    if (r.ok()) GTEST_SKIP() << "backend not yet terminated";
    EXPECT_FALSE(r.error().message.empty());
  }
  auto lease = Lease(*pool);  // ...and the next acquire reconnects.
  EXPECT_NE(Scalar(**lease, "SELECT pg_backend_pid()"), pid);
}

TEST(PgPool, ConcurrentAcquireNeverExceedsThePoolAndWaitsAreBounded) {
  testing::TestDatabase db;
  auto pool = OpenPool(db, 2);
  std::atomic<int> inside{0}, most{0}, failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        auto lease = pool->Acquire(std::chrono::seconds(10));
        if (!lease.ok()) {
          ++failures;
          continue;
        }
        const int now = ++inside;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        if (!(**lease)->Exec("SELECT pg_sleep(0.001)").ok()) ++failures;
        --inside;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_LE(most.load(), 2);

  auto a = Lease(*pool);
  auto b = Lease(*pool);
  const auto started = std::chrono::steady_clock::now();
  auto c = pool->Acquire(std::chrono::milliseconds(100));
  const auto waited = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(c.ok());
  EXPECT_GE(waited, std::chrono::milliseconds(90));
  EXPECT_LT(waited, std::chrono::seconds(2));
}

TEST(PgPool, OpenFailsClearlyOnAnUnreachableServer) {
  auto pool = PgPool::Open("host=/nonexistent-socket-dir port=1 dbname=x connect_timeout=2", 1);
  ASSERT_FALSE(pool.ok());
  EXPECT_NE(pool.error().message.find("cannot connect"), std::string::npos) << pool.error().message;
}

}  // namespace
}  // namespace switchboard::adapters
