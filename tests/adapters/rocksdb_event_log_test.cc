// RocksDbEventLog: the EventLog contract suite on RocksDB in a temp dir, plus what only an embedded
// log has: restart recovery, the fixed partition count, group commit and closing under readers.
#include "adapters/rocksdb/rocksdb_event_log.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/contract/event_log_contract.h"
#include "tests/support/temp_dir.h"

namespace switchboard::testing {
namespace {

using adapters::RocksDbEventLog;
using commands::ExpectedVersion;
using commands::LogError;
using contract::MakeEvents;
using contract::OneStream;
using contract::TenantOnPartition;

// Owns the temp dir of a log so the contract suite's factory can hand out self-cleaning logs.
class TempDirLog final : public commands::EventLog {
 public:
  TempDirLog(std::unique_ptr<TempDir> dir, std::unique_ptr<RocksDbEventLog> log)
      : dir_(std::move(dir)), log_(std::move(log)) {}

  Result<commands::AppendResult, LogError> Append(const commands::AppendRequest& r) override { return log_->Append(r); }
  Result<std::vector<commands::RecordedEvent>, LogError> ReadStream(const std::string& t, const std::string& s,
                                                                    std::int64_t from, std::size_t max) override {
    return log_->ReadStream(t, s, from, max);
  }
  Result<std::int64_t, LogError> StreamVersion(const std::string& t, const std::string& s) override {
    return log_->StreamVersion(t, s);
  }
  Result<std::vector<commands::RecordedEvent>, LogError> ReadPartition(int p, std::int64_t from,
                                                                       std::size_t max) override {
    return log_->ReadPartition(p, from, max);
  }
  Result<std::int64_t, LogError> EndOffset(int p) override { return log_->EndOffset(p); }
  std::unique_ptr<commands::Subscription> Subscribe(int p, std::int64_t from) override {
    return log_->Subscribe(p, from);
  }
  int Partitions() const override { return log_->Partitions(); }

 private:
  std::unique_ptr<TempDir> dir_;  // declared first, destroyed last: the log closes before its files go
  std::unique_ptr<RocksDbEventLog> log_;
};

std::unique_ptr<commands::EventLog> MakeRocksDbLog(int partitions) {
  auto dir = std::make_unique<TempDir>("sb-rocks-log-");
  auto log = RocksDbEventLog::Open(dir->path(), partitions);
  if (!log.ok()) {
    ADD_FAILURE() << "open: " << log.error().message;
    return nullptr;
  }
  return std::make_unique<TempDirLog>(std::move(dir), std::move(*log));
}

INSTANTIATE_TEST_SUITE_P(RocksDb, EventLogContract,
                         ::testing::Values(EventLogContractParam{"RocksDb", MakeRocksDbLog}), EventLogContractName);

std::unique_ptr<RocksDbEventLog> MustOpen(const std::string& dir, int partitions) {
  auto log = RocksDbEventLog::Open(dir, partitions);
  EXPECT_TRUE(log.ok()) << log.error().message;
  return log.ok() ? std::move(*log) : nullptr;
}

// Stronger than the contract (Kafka leaves gaps): the embedded log numbers events 0, 1, 2, ... per
// partition, and its end is the count.
TEST(RocksDbEventLog, OffsetsAreContiguousFromZero) {
  TempDir dir;
  auto log = MustOpen(dir.path(), 2);
  ASSERT_NE(log, nullptr);
  const std::string tenant = contract::TenantOnPartition(1, 2);
  std::int64_t next = 0;
  for (int n : {3, 1, 2}) {
    auto r = log->Append(contract::OneStream(tenant, "s", commands::ExpectedVersion::Any(), contract::MakeEvents(n)));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->first_offset, next);
    EXPECT_EQ(r->last_offset, next + n - 1);
    next += n;
  }
  auto end = log->EndOffset(1);
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(*end, 6);
  auto events = log->ReadPartition(1, 0, 100);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 6u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ((*events)[i].offset, i);
}

TEST(RocksDbEventLog, RestartRecoversEndOffsetsVersionsAndIdempotencyKeys) {
  TempDir dir;
  const std::string t0 = TenantOnPartition(0, 4);
  const std::string t1 = TenantOnPartition(1, 4);
  commands::AppendResult keyed;
  {
    auto log = MustOpen(dir.path(), 4);
    ASSERT_NE(log, nullptr);
    ASSERT_TRUE(log->Append(OneStream(t0, "a", ExpectedVersion::NoStream(), MakeEvents(3))).ok());
    ASSERT_TRUE(log->Append(OneStream(t1, "b", ExpectedVersion::NoStream(), MakeEvents(2))).ok());
    auto r = log->Append(OneStream(t0, "a", ExpectedVersion::Exact(3), MakeEvents(1), "key-1"));
    ASSERT_TRUE(r.ok());
    keyed = *r;
  }
  auto log = MustOpen(dir.path(), 4);
  ASSERT_NE(log, nullptr);
  EXPECT_EQ(*log->EndOffset(0), 4);
  EXPECT_EQ(*log->EndOffset(1), 2);
  EXPECT_EQ(*log->EndOffset(2), 0);
  EXPECT_EQ(*log->StreamVersion(t0, "a"), 4);
  EXPECT_EQ(*log->StreamVersion(t1, "b"), 2);

  auto stale = log->Append(OneStream(t0, "a", ExpectedVersion::Exact(3), MakeEvents(1)));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, LogError::Code::kConflict);
  EXPECT_EQ(stale.error().actual_version, 4);

  auto next = log->Append(OneStream(t0, "a", ExpectedVersion::Exact(4), MakeEvents(2)));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->first_offset, 4);
  EXPECT_EQ(next->last_offset, 5);
  EXPECT_EQ(next->stream_versions, std::vector<std::int64_t>{6});

  auto repeat = log->Append(OneStream(t0, "a", ExpectedVersion::Any(), MakeEvents(1), "key-1"));
  ASSERT_TRUE(repeat.ok());
  EXPECT_TRUE(repeat->duplicate);
  EXPECT_EQ(repeat->first_offset, keyed.first_offset);
  EXPECT_EQ(repeat->stream_versions, keyed.stream_versions);

  auto events = log->ReadPartition(0, 0, 100);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 6u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ((*events)[i].offset, i);
  auto stream = log->ReadStream(t0, "a", 1, 100);
  ASSERT_TRUE(stream.ok());
  ASSERT_EQ(stream->size(), 6u);
  EXPECT_EQ(stream->back().stream_version, 6);
}

TEST(RocksDbEventLog, RefusesToReopenWithAnotherPartitionCount) {
  TempDir dir;
  ASSERT_NE(MustOpen(dir.path(), 4), nullptr);
  auto other = RocksDbEventLog::Open(dir.path(), 8);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, LogError::Code::kInvalid);
  EXPECT_NE(other.error().message.find("4 partitions"), std::string::npos) << other.error().message;
  EXPECT_NE(MustOpen(dir.path(), 4), nullptr);

  auto zero = RocksDbEventLog::Open(dir.Sub("zero"), 0);
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.error().code, LogError::Code::kInvalid);
}

TEST(RocksDbEventLog, SecondOpenOfALiveDirectoryFailsWithIo) {
  TempDir dir;
  auto first = MustOpen(dir.path(), 2);
  ASSERT_NE(first, nullptr);
  auto second = RocksDbEventLog::Open(dir.path(), 2);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, LogError::Code::kIo);
}

TEST(RocksDbEventLog, ConcurrentAppendsShareSyncedBatches) {
  TempDir dir;
  auto log = MustOpen(dir.path(), 4);
  ASSERT_NE(log, nullptr);
  constexpr int kThreads = 32;
  constexpr int kPerThread = 20;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto r = log->Append(OneStream("t_" + std::to_string(t), "s", ExpectedVersion::Any(), MakeEvents(1)));
        if (!r.ok()) failures.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);
  const std::uint64_t appends = kThreads * kPerThread;
  const std::uint64_t batches = log->SyncedBatches();
  std::int64_t events = 0;
  for (int p = 0; p < 4; ++p) events += *log->EndOffset(p);
  EXPECT_EQ(events, static_cast<std::int64_t>(appends));
  EXPECT_GT(batches, 0u);
  // Not a timing assertion: with one fsync per append batches would equal appends. On a real disk
  // groups hold most of the 32 threads; on tmpfs (fsync is free) they are smaller but still > 1.
  EXPECT_LT(batches, appends) << "appends per synced batch: " << static_cast<double>(appends) / batches;
  std::printf("appends per synced batch: %.1f\n", static_cast<double>(appends) / static_cast<double>(batches));
}

TEST(RocksDbEventLog, EventsThatAreNotValidJsonAreRejectedAsInvalid) {
  TempDir dir;
  auto log = MustOpen(dir.path(), 2);
  ASSERT_NE(log, nullptr);
  auto events = MakeEvents(1);
  events[0].data = {{"name", std::string("\xff\xfe not utf-8")}};
  auto r = log->Append(OneStream("t_utf8", "s", ExpectedVersion::Any(), events));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, LogError::Code::kInvalid);
  EXPECT_EQ(*log->EndOffset(commands::PartitionOf("t_utf8", 2)), 0);
  EXPECT_EQ(*log->StreamVersion("t_utf8", "s"), 0);
}

TEST(RocksDbEventLog, SubscriptionsOutlivingTheLogFailUnavailable) {
  TempDir dir;
  auto log = MustOpen(dir.path(), 2);
  ASSERT_NE(log, nullptr);
  auto idle = log->Subscribe(0, 0);
  auto waiting = log->Subscribe(1, 0);
  std::atomic<bool> woke{false};
  Result<std::vector<commands::RecordedEvent>, LogError> waited = std::vector<commands::RecordedEvent>{};
  std::thread waiter([&] {
    waited = waiting->Next(10, std::chrono::seconds(30));
    woke = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const auto closing = std::chrono::steady_clock::now();
  log.reset();
  waiter.join();
  EXPECT_LT(std::chrono::steady_clock::now() - closing, std::chrono::seconds(10));
  ASSERT_FALSE(waited.ok());
  EXPECT_EQ(waited.error().code, LogError::Code::kUnavailable);
  auto after = idle->Next(10, std::chrono::milliseconds(0));
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().code, LogError::Code::kUnavailable);
}

TEST(RocksDbEventLog, SubscribingWithBadArgumentsFailsOnNext) {
  TempDir dir;
  auto log = MustOpen(dir.path(), 2);
  ASSERT_NE(log, nullptr);
  auto bad_partition = log->Subscribe(2, 0)->Next(10, std::chrono::milliseconds(0));
  ASSERT_FALSE(bad_partition.ok());
  EXPECT_EQ(bad_partition.error().code, LogError::Code::kInvalid);
  auto bad_offset = log->Subscribe(0, -1)->Next(10, std::chrono::milliseconds(0));
  ASSERT_FALSE(bad_offset.ok());
  EXPECT_EQ(bad_offset.error().code, LogError::Code::kInvalid);
}

}  // namespace
}  // namespace switchboard::testing
