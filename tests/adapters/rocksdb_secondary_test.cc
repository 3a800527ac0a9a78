// RocksDbEventLog::OpenReadOnly: a secondary instance beside a primary that holds the log open
// (in this process here; RocksDB secondaries work the same across processes). It reads what the
// primary wrote, catches up with later appends, follows them with subscriptions without gaps or
// duplicates, never exposes offset N+1 before N, and refuses appends.
#include "adapters/rocksdb/rocksdb_event_log.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/temp_dir.h"

namespace switchboard::testing {
namespace {

using adapters::RocksDbEventLog;
using commands::AppendRequest;
using commands::EncodeEnvelope;
using commands::ExpectedVersion;
using commands::LogError;
using commands::NewEvent;
using commands::RecordedEvent;
using Clock = std::chrono::steady_clock;

constexpr int kPartitions = 4;

std::vector<NewEvent> Events(int n, const std::string& type = "TestHappened") {
  static std::atomic<std::int64_t> next_id{0};
  std::vector<NewEvent> events;
  for (int i = 0; i < n; ++i) {
    NewEvent e;
    e.event_id = "sec-" + std::to_string(next_id.fetch_add(1));
    e.type = type;
    e.data = {{"i", i}};
    e.occurred_at = "2026-11-24T15:04:05.123Z";
    e.actor = {"system", "secondary-test"};
    events.push_back(std::move(e));
  }
  return events;
}

AppendRequest Append(const std::string& tenant, const std::string& stream, int n) {
  AppendRequest r;
  r.tenant_id = tenant;
  r.streams.push_back({stream, ExpectedVersion::Any(), Events(n)});
  return r;
}

std::string TenantOn(int partition, const std::string& prefix = "t") {
  for (int i = 0;; ++i) {
    std::string t = prefix + "_" + std::to_string(i);
    if (commands::PartitionOf(t, kPartitions) == partition) return t;
  }
}

// A primary and a secondary on one temp dir.
class RocksDbSecondary : public ::testing::Test {
 protected:
  void SetUp() override {
    auto primary = RocksDbEventLog::Open(dir_.Sub("log"), kPartitions);
    ASSERT_TRUE(primary.ok()) << primary.error().message;
    primary_ = std::move(*primary);
  }

  std::unique_ptr<RocksDbEventLog> OpenSecondary(const std::string& name = "secondary") {
    auto log = RocksDbEventLog::OpenReadOnly(dir_.Sub("log"), dir_.Sub(name), kPartitions);
    EXPECT_TRUE(log.ok()) << log.error().message;
    return log.ok() ? std::move(*log) : nullptr;
  }

  void MustAppend(const AppendRequest& request) {
    auto r = primary_->Append(request);
    ASSERT_TRUE(r.ok()) << r.error().message;
  }

  // Polls `fn` until it holds or 5 s pass.
  template <class Fn>
  static bool Eventually(Fn&& fn) {
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (Clock::now() < deadline) {
      if (fn()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return fn();
  }

  TempDir dir_{"sb-rocks-secondary-"};
  std::unique_ptr<RocksDbEventLog> primary_;
};

std::vector<std::string> Envelopes(const std::vector<RecordedEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(EncodeEnvelope(e));
  return out;
}

TEST_F(RocksDbSecondary, OpensBesideTheLivePrimaryAndReadsWhatItWrote) {
  const std::string t0 = TenantOn(0), t2 = TenantOn(2);
  MustAppend(Append(t0, "a", 3));
  MustAppend(Append(t2, "b", 2));
  MustAppend(Append(t0, "a", 1));
  // The primary's lock keeps a second writer out, not a secondary.
  ASSERT_FALSE(RocksDbEventLog::Open(dir_.Sub("log"), kPartitions).ok());
  auto secondary = OpenSecondary();
  ASSERT_NE(secondary, nullptr);
  EXPECT_TRUE(secondary->IsReadOnly());
  EXPECT_FALSE(primary_->IsReadOnly());
  EXPECT_EQ(secondary->Partitions(), kPartitions);

  for (int p = 0; p < kPartitions; ++p) EXPECT_EQ(*secondary->EndOffset(p), *primary_->EndOffset(p)) << p;
  auto read = secondary->ReadPartition(0, 0, 100);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(Envelopes(*read), Envelopes(*primary_->ReadPartition(0, 0, 100)));
  auto middle = secondary->ReadPartition(0, 2, 1);
  ASSERT_TRUE(middle.ok());
  ASSERT_EQ(middle->size(), 1u);
  EXPECT_EQ((*middle)[0].offset, 2);
  auto stream = secondary->ReadStream(t0, "a", 2, 100);
  ASSERT_TRUE(stream.ok()) << stream.error().message;
  EXPECT_EQ(Envelopes(*stream), Envelopes(*primary_->ReadStream(t0, "a", 2, 100)));
  EXPECT_EQ(*secondary->StreamVersion(t0, "a"), 4);
  EXPECT_EQ(*secondary->StreamVersion(t2, "b"), 2);
  EXPECT_EQ(*secondary->StreamVersion(t2, "none"), 0);
  EXPECT_EQ(secondary->SyncedBatches(), 0u);
}

TEST_F(RocksDbSecondary, AppendsAreRefusedAndWriteNothing) {
  auto secondary = OpenSecondary();
  ASSERT_NE(secondary, nullptr);
  auto r = secondary->Append(Append(TenantOn(1), "s", 2));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, LogError::Code::kUnavailable);
  EXPECT_NE(r.error().message.find("read-only"), std::string::npos) << r.error().message;
  EXPECT_EQ(*secondary->EndOffset(1), 0);
  EXPECT_EQ(*primary_->EndOffset(1), 0);
  // Invalid requests too: read-only comes first, whatever the request.
  EXPECT_EQ(secondary->Append(AppendRequest{}).error().code, LogError::Code::kUnavailable);
}

TEST_F(RocksDbSecondary, CatchesUpWithAppendsMadeAfterItOpened) {
  const std::string t = TenantOn(3);
  MustAppend(Append(t, "s", 2));
  auto secondary = OpenSecondary();
  ASSERT_NE(secondary, nullptr);
  MustAppend(Append(t, "s", 3));

  // Reads past the known end, ReadStream and StreamVersion catch up at once.
  auto tail = secondary->ReadPartition(3, 2, 100);
  ASSERT_TRUE(tail.ok()) << tail.error().message;
  ASSERT_EQ(tail->size(), 3u);
  EXPECT_EQ(tail->front().offset, 2);
  EXPECT_EQ(tail->back().stream_version, 5);
  MustAppend(Append(t, "s", 1));
  EXPECT_EQ(*secondary->StreamVersion(t, "s"), 6);
  MustAppend(Append(t, "s", 1));
  auto stream = secondary->ReadStream(t, "s", 1, 100);
  ASSERT_TRUE(stream.ok());
  EXPECT_EQ(stream->size(), 7u);

  // EndOffset catches up too, at most kCatchUpInterval late.
  MustAppend(Append(t, "s", 2));
  EXPECT_TRUE(Eventually([&] { return *secondary->EndOffset(3) == 9; })) << *secondary->EndOffset(3);
  EXPECT_EQ(*secondary->EndOffset(0), 0);
}

TEST_F(RocksDbSecondary, SubscriptionWaitsForTheNextAppendOfThePrimary) {
  auto secondary = OpenSecondary();
  ASSERT_NE(secondary, nullptr);
  const std::string t = TenantOn(1);
  auto sub = secondary->Subscribe(1, 0);
  auto none = sub->Next(10, std::chrono::milliseconds(120));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  std::thread appender([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    MustAppend(Append(t, "s", 2));
  });
  const auto started = Clock::now();
  auto got = sub->Next(10, std::chrono::seconds(10));
  const auto took = Clock::now() - started;
  appender.join();
  ASSERT_TRUE(got.ok()) << got.error().message;
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].offset, 0);
  EXPECT_EQ((*got)[1].offset, 1);
  EXPECT_EQ(sub->Position(), 2);
  EXPECT_LT(took, std::chrono::seconds(5)) << "woken by its own catch-up polling, not by the timeout";
}

// The core guarantee under load: while the primary appends multi-event batches from several
// threads, subscriptions on the secondary see every partition as a gap-free, duplicate-free prefix,
// identical to the primary's, and concurrent EndOffset/ReadPartition callers never see an end
// offset whose events are not all readable.
TEST_F(RocksDbSecondary, FollowsConcurrentAppendsWithoutGapsOrDuplicates) {
  auto secondary = OpenSecondary();
  ASSERT_NE(secondary, nullptr);
  constexpr int kWriters = 4;
  constexpr int kAppendsPerWriter = 150;
  std::atomic<bool> writing{true};
  std::atomic<int> append_failures{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kAppendsPerWriter; ++i) {
        AppendRequest r = Append("w" + std::to_string(w) + "_" + std::to_string(i % 7), "s-" + std::to_string(i % 3),
                                 1 + i % 4);
        r.streams.push_back({"other", ExpectedVersion::Any(), Events(1)});
        if (!primary_->Append(r).ok()) append_failures.fetch_add(1);
      }
    });
  }

  std::atomic<int> prefix_violations{0};
  std::thread checker([&] {
    while (writing.load()) {
      for (int p = 0; p < kPartitions; ++p) {
        const std::int64_t end = *secondary->EndOffset(p);
        auto events = secondary->ReadPartition(p, 0, static_cast<std::size_t>(end));
        if (!events.ok() || static_cast<std::int64_t>(events->size()) != end) prefix_violations.fetch_add(1);
      }
    }
  });

  std::vector<std::vector<RecordedEvent>> seen(kPartitions);
  std::vector<std::thread> readers;
  std::atomic<int> read_errors{0};
  for (int p = 0; p < kPartitions; ++p) {
    readers.emplace_back([&, p] {
      auto sub = secondary->Subscribe(p, 0);
      // Until the writers are done and the subscription has reached the primary's end.
      for (;;) {
        auto batch = sub->Next(64, std::chrono::milliseconds(100));
        if (!batch.ok()) {
          read_errors.fetch_add(1);
          return;
        }
        for (auto& e : *batch) seen[p].push_back(std::move(e));
        if (!writing.load() && sub->Position() == *primary_->EndOffset(p)) return;
      }
    });
  }
  for (auto& t : writers) t.join();
  writing = false;
  for (auto& t : readers) t.join();
  checker.join();

  ASSERT_EQ(append_failures.load(), 0);
  EXPECT_EQ(read_errors.load(), 0);
  EXPECT_EQ(prefix_violations.load(), 0);
  std::int64_t total = 0;
  for (int p = 0; p < kPartitions; ++p) {
    const std::int64_t end = *primary_->EndOffset(p);
    total += end;
    ASSERT_EQ(static_cast<std::int64_t>(seen[p].size()), end) << "partition " << p;
    for (std::int64_t i = 0; i < end; ++i) ASSERT_EQ(seen[p][i].offset, i) << "partition " << p;
    EXPECT_EQ(Envelopes(seen[p]), Envelopes(*primary_->ReadPartition(p, 0, static_cast<std::size_t>(end))));
  }
  EXPECT_GT(total, kWriters * kAppendsPerWriter);
}

TEST_F(RocksDbSecondary, FollowsThePrimaryAcrossItsRestart) {
  const std::string t = TenantOn(2);
  MustAppend(Append(t, "s", 3));
  auto secondary = OpenSecondary();
  ASSERT_NE(secondary, nullptr);
  auto sub = secondary->Subscribe(2, 0);
  ASSERT_EQ(sub->Next(100, std::chrono::milliseconds(0))->size(), 3u);

  primary_.reset();
  auto reopened = RocksDbEventLog::Open(dir_.Sub("log"), kPartitions);
  ASSERT_TRUE(reopened.ok()) << reopened.error().message;
  primary_ = std::move(*reopened);
  MustAppend(Append(t, "s", 2));

  std::vector<RecordedEvent> more;
  ASSERT_TRUE(Eventually([&] {
    auto batch = sub->Next(100, std::chrono::milliseconds(50));
    if (batch.ok()) more.insert(more.end(), batch->begin(), batch->end());
    return more.size() >= 2;
  }));
  ASSERT_EQ(more.size(), 2u);
  EXPECT_EQ(more[0].offset, 3);
  EXPECT_EQ(more[1].stream_version, 5);
  EXPECT_EQ(*secondary->StreamVersion(t, "s"), 5);
}

TEST_F(RocksDbSecondary, ChecksThePartitionCountAndThatALogExists) {
  auto other = RocksDbEventLog::OpenReadOnly(dir_.Sub("log"), dir_.Sub("sec-8"), 8);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, LogError::Code::kInvalid);
  EXPECT_NE(other.error().message.find("4 partitions"), std::string::npos) << other.error().message;

  auto stored = RocksDbEventLog::OpenReadOnly(dir_.Sub("log"), dir_.Sub("sec-any"));
  ASSERT_TRUE(stored.ok()) << stored.error().message;
  EXPECT_EQ((*stored)->Partitions(), kPartitions);

  auto missing = RocksDbEventLog::OpenReadOnly(dir_.Sub("nothing-here"), dir_.Sub("sec-missing"), 4);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, LogError::Code::kIo);
  EXPECT_FALSE(std::filesystem::exists(dir_.Sub("nothing-here"))) << "a read-only open creates no log";
}

TEST_F(RocksDbSecondary, SeveralSecondariesAtOnceAndSubscriptionsOutlivingOne) {
  MustAppend(Append(TenantOn(0), "s", 1));
  auto first = OpenSecondary("sec-1");
  auto second = OpenSecondary("sec-2");
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(*first->EndOffset(0), 1);
  EXPECT_EQ(*second->EndOffset(0), 1);

  auto waiting = first->Subscribe(1, 0);
  Result<std::vector<RecordedEvent>, LogError> waited = std::vector<RecordedEvent>{};
  std::thread waiter([&] { waited = waiting->Next(10, std::chrono::seconds(30)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  const auto closing = Clock::now();
  first.reset();
  waiter.join();
  EXPECT_LT(Clock::now() - closing, std::chrono::seconds(5));
  ASSERT_FALSE(waited.ok());
  EXPECT_EQ(waited.error().code, LogError::Code::kUnavailable);
  EXPECT_EQ(waiting->Next(10, std::chrono::milliseconds(0)).error().code, LogError::Code::kUnavailable);
  EXPECT_EQ(*second->EndOffset(0), 1) << "the other secondary is unaffected";
}

}  // namespace
}  // namespace switchboard::testing
