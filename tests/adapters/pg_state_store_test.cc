// PgStateStore against a real PostgreSQL: what one store (node) writes, another sees; PutIfAbsent
// keeps the first value, also when many threads race for one key.
#include "adapters/postgres/pg_state_store.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "adapters/postgres/migrations.h"
#include "tests/support/test_database.h"

namespace switchboard::testing {
namespace {

class PgStateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pool = adapters::PgPool::Open(db_.conninfo(), 8);
    ASSERT_TRUE(pool.ok()) << pool.error().message;
    pool_ = std::move(*pool);
    auto lease = pool_->Acquire();
    ASSERT_TRUE(lease.ok());
    ASSERT_TRUE(adapters::ApplyMigrations(***lease, adapters::CoreMigrations()).ok());
  }
  TestDatabase db_;
  std::unique_ptr<adapters::PgPool> pool_;
};

TEST_F(PgStateStoreTest, WhatOneNodeWritesAnotherReads) {
  adapters::PgStateStore node_a(*pool_), node_b(*pool_);
  auto missing = node_a.Get("idempotency/x");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  ASSERT_TRUE(node_a.Put("idempotency/x", R"({"status":201})").ok());
  auto seen = node_b.Get("idempotency/x");
  ASSERT_TRUE(seen.ok());
  ASSERT_TRUE(seen->has_value());
  EXPECT_EQ(**seen, R"({"status":201})");
  ASSERT_TRUE(node_b.Put("idempotency/x", R"({"status":200})").ok());
  EXPECT_EQ(**node_a.Get("idempotency/x"), R"({"status":200})") << "Put replaces";
}

TEST_F(PgStateStoreTest, PutIfAbsentKeepsTheFirstValueUnderRaces) {
  adapters::PgStateStore store(*pool_);
  std::vector<std::string> winners(16);
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      auto r = store.PutIfAbsent("race", "value-" + std::to_string(t));
      if (r.ok()) winners[t] = *r;
    });
  }
  for (auto& th : threads) th.join();
  const std::set<std::string> distinct(winners.begin(), winners.end());
  ASSERT_EQ(distinct.size(), 1u) << "every caller sees the one stored value";
  EXPECT_EQ(distinct.begin()->rfind("value-", 0), 0u);
  EXPECT_EQ(**store.Get("race"), *distinct.begin());
}

}  // namespace
}  // namespace switchboard::testing
