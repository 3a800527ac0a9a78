// RocksDbStateStore: get/put semantics, PutIfAbsent atomicity under concurrency, durability across reopen.
#include "adapters/rocksdb/rocksdb_state_store.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/temp_dir.h"

namespace switchboard::testing {
namespace {

using adapters::RocksDbStateStore;

std::unique_ptr<RocksDbStateStore> MustOpen(const std::string& dir) {
  auto store = RocksDbStateStore::Open(dir);
  EXPECT_TRUE(store.ok()) << store.error().message;
  return store.ok() ? std::move(*store) : nullptr;
}

TEST(RocksDbStateStore, GetReturnsWhatPutStored) {
  TempDir dir;
  auto store = MustOpen(dir.path());
  ASSERT_NE(store, nullptr);
  auto missing = store->Get("k");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  ASSERT_TRUE(store->Put("k", "v1").ok());
  ASSERT_TRUE(store->Put("k", "v2").ok());
  auto got = store->Get("k");
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, "v2");
  ASSERT_TRUE(store->Put("binary", std::string("a\0b", 3)).ok());
  EXPECT_EQ(**store->Get("binary"), std::string("a\0b", 3));
}

TEST(RocksDbStateStore, PutIfAbsentKeepsTheFirstValue) {
  TempDir dir;
  auto store = MustOpen(dir.path());
  ASSERT_NE(store, nullptr);
  auto first = store->PutIfAbsent("k", "first");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, "first");
  auto second = store->PutIfAbsent("k", "second");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, "first");
  EXPECT_EQ(**store->Get("k"), "first");
}

TEST(RocksDbStateStore, ConcurrentPutIfAbsentAgreesOnOneWinner) {
  TempDir dir;
  auto store = MustOpen(dir.path());
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 16;
  constexpr int kKeys = 50;
  std::vector<std::vector<std::string>> seen(kThreads, std::vector<std::string>(kKeys));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < kKeys; ++k) {
        auto r = store->PutIfAbsent("key-" + std::to_string(k), "thread-" + std::to_string(t));
        seen[t][k] = r.ok() ? *r : "error: " + r.error().message;
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int k = 0; k < kKeys; ++k) {
    std::set<std::string> answers;
    for (int t = 0; t < kThreads; ++t) answers.insert(seen[t][k]);
    ASSERT_EQ(answers.size(), 1u) << "key " << k << " has two winners";
    EXPECT_EQ(**store->Get("key-" + std::to_string(k)), *answers.begin());
  }
}

TEST(RocksDbStateStore, ValuesSurviveReopen) {
  TempDir dir;
  {
    auto store = MustOpen(dir.path());
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->Put("snapshot/1", "state").ok());
    ASSERT_TRUE(store->PutIfAbsent("idem/1", "response").ok());
  }
  auto store = MustOpen(dir.path());
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(**store->Get("snapshot/1"), "state");
  EXPECT_EQ(**store->Get("idem/1"), "response");
}

TEST(RocksDbStateStore, SecondOpenOfALiveDirectoryFailsWithIo) {
  TempDir dir;
  auto store = MustOpen(dir.path());
  ASSERT_NE(store, nullptr);
  auto second = RocksDbStateStore::Open(dir.path());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, commands::LogError::Code::kIo);
}

}  // namespace
}  // namespace switchboard::testing
