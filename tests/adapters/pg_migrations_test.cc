// The migration runner against a real PostgreSQL: idempotence, concurrent runners, failures.
#include "adapters/postgres/migrations.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "adapters/postgres/pg_pool.h"
#include "support/test_database.h"

namespace switchboard::adapters {
namespace {

std::unique_ptr<projections::SqlConnection> Connect(const testing::TestDatabase& db) {
  auto conn = PgConnect(db.conninfo());
  if (!conn.ok()) throw std::runtime_error(conn.error().message);
  return std::move(conn).value();
}

std::string Scalar(projections::SqlConnection& sql, const std::string& query) {
  auto r = sql.Exec(query);
  if (!r.ok()) throw std::runtime_error(query + ": " + r.error().message);
  return r->rows.at(0).at(0).value_or("<null>");
}

TEST(Migrations, CoreMigrationsApplyOnceThenAreUpToDate) {
  testing::TestDatabase db;
  auto sql = Connect(db);
  auto first = ApplyMigrations(*sql, CoreMigrations());
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(*first, static_cast<int>(CoreMigrations().size()));
  auto second = ApplyMigrations(*sql, CoreMigrations());
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(*second, 0);

  EXPECT_EQ(Scalar(*sql, "SELECT count(*) FROM schema_migrations"), std::to_string(CoreMigrations().size()));
  EXPECT_EQ(Scalar(*sql, "SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'"), "1");
  EXPECT_EQ(Scalar(*sql, "SELECT similarity('switchboard', 'switchboards') > 0.5"), "t");
  ASSERT_TRUE(sql->Exec("INSERT INTO projection_checkpoints (projection, partition, next_offset) VALUES ('x', 0, 5)").ok());
  ASSERT_TRUE(sql->Exec("INSERT INTO projection_schemas (projection, schema_name) VALUES ('x', 'x_v1')").ok());
  EXPECT_EQ(sql->Exec("INSERT INTO projection_checkpoints (projection, partition, next_offset) VALUES ('x', 0, 6)")
                .error()
                .sqlstate,
            "23505");
}

TEST(Migrations, LaterMigrationsApplyOnTopOfEarlierOnes) {
  testing::TestDatabase db;
  auto sql = Connect(db);
  std::vector<Migration> list = {{1, "a", "CREATE TABLE a (id int)"}};
  ASSERT_EQ(*ApplyMigrations(*sql, list), 1);
  list.push_back({2, "b", "CREATE TABLE b (id int); INSERT INTO b VALUES (1), (2)"});
  ASSERT_EQ(*ApplyMigrations(*sql, list), 1);
  EXPECT_EQ(Scalar(*sql, "SELECT count(*) FROM b"), "2");
  EXPECT_EQ(Scalar(*sql, "SELECT string_agg(name, ',' ORDER BY version) FROM schema_migrations"), "a,b");
}

TEST(Migrations, ConcurrentRunnersApplyEachMigrationExactlyOnce) {
  testing::TestDatabase db;
  std::vector<Migration> list = CoreMigrations();
  // Not idempotent on purpose: a second application would fail (duplicate table) or double-count.
  list.push_back({10, "counter", "CREATE TABLE runs (n int); INSERT INTO runs VALUES (1)"});
  list.push_back({11, "counter_again", "INSERT INTO runs VALUES (1)"});
  std::atomic<int> applied{0}, failures{0};
  std::vector<std::thread> runners;
  for (int i = 0; i < 6; ++i) {
    runners.emplace_back([&] {
      auto sql = PgConnect(db.conninfo());
      if (!sql.ok()) {
        ++failures;
        return;
      }
      auto r = ApplyMigrations(**sql, list);
      if (r.ok()) {
        applied += *r;
      } else {
        ++failures;
        ADD_FAILURE() << r.error().message;
      }
    });
  }
  for (auto& t : runners) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(applied.load(), static_cast<int>(list.size()));
  auto sql = Connect(db);
  EXPECT_EQ(Scalar(*sql, "SELECT count(*) FROM runs"), "2");
}

TEST(Migrations, AFailingMigrationIsRolledBackAndNamed) {
  testing::TestDatabase db;
  auto sql = Connect(db);
  std::vector<Migration> list = {{1, "good", "CREATE TABLE good (id int)"},
                                 {2, "bad", "CREATE TABLE half (id int); SELEC 1"},
                                 {3, "after", "CREATE TABLE after (id int)"}};
  auto r = ApplyMigrations(*sql, list);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().sqlstate, "42601");
  EXPECT_NE(r.error().message.find("migration 2 (bad)"), std::string::npos) << r.error().message;
  EXPECT_EQ(Scalar(*sql, "SELECT string_agg(version::text, ',') FROM schema_migrations"), "1");
  EXPECT_EQ(Scalar(*sql, "SELECT to_regclass('half') IS NULL"), "t");
  EXPECT_EQ(Scalar(*sql, "SELECT to_regclass('after') IS NULL"), "t");
}

TEST(Migrations, RejectsDuplicateVersions) {
  testing::TestDatabase db;
  auto sql = Connect(db);
  auto r = ApplyMigrations(*sql, {{1, "a", "SELECT 1"}, {1, "b", "SELECT 2"}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("duplicated"), std::string::npos);
}

}  // namespace
}  // namespace switchboard::adapters
