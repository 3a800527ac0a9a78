// The EventLog contract (commands/event_log.h, DESIGN.md §3) as a value-parameterized GoogleTest
// suite that every implementation must pass. Include this header from exactly one .cc per
// implementation and instantiate it with a factory that returns a fresh, empty log:
//
//   INSTANTIATE_TEST_SUITE_P(RocksDb, EventLogContract,
//                            ::testing::Values(EventLogContractParam{"RocksDb", MakeRocksDbLog}),
//                            EventLogContractName);
//
// One test binary, several implementations: the TEST_P bodies must be defined in only one .cc of the
// binary. Every other .cc that instantiates the suite defines SWITCHBOARD_EVENT_LOG_CONTRACT_NO_TESTS
// before including this header (it then gets the fixture and helpers only; gtest joins the
// instantiation with the tests of the other translation unit).
//
// Thread-safety: the cases themselves drive the log from many threads; the fixture is per test.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <ostream>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands/event_log.h"

namespace switchboard::testing {

// Returns a fresh, empty log with the given number of partitions; never null.
using EventLogFactory = std::function<std::unique_ptr<commands::EventLog>(int partitions)>;

struct EventLogContractParam {
  std::string name;  // a valid test-name fragment, e.g. "RocksDb"
  EventLogFactory make;
};

inline void PrintTo(const EventLogContractParam& param, std::ostream* os) { *os << param.name; }

inline std::string EventLogContractName(const ::testing::TestParamInfo<EventLogContractParam>& info) {
  return info.param.name;
}

namespace contract {

using commands::AppendRequest;
using commands::AppendResult;
using commands::ExpectedVersion;
using commands::LogError;
using commands::NewEvent;
using commands::RecordedEvent;
using commands::StreamAppend;

inline NewEvent MakeEvent(std::string type = "TestHappened", nlohmann::json data = {{"n", 1}}) {
  static std::atomic<std::int64_t> next_id{0};
  NewEvent e;
  e.event_id = "evt-" + std::to_string(next_id.fetch_add(1));
  e.type = std::move(type);
  e.schema_version = 1;
  e.data = std::move(data);
  e.occurred_at = "2026-11-24T15:04:05.123Z";
  e.actor = {"system", "contract-test"};
  e.correlation_id = "corr-1";
  e.causation_id = "cause-1";
  return e;
}

inline std::vector<NewEvent> MakeEvents(int n) {
  std::vector<NewEvent> events;
  for (int i = 0; i < n; ++i) events.push_back(MakeEvent("TestHappened", {{"i", i}}));
  return events;
}

inline AppendRequest OneStream(std::string tenant, std::string stream, ExpectedVersion expected,
                               std::vector<NewEvent> events, std::string idempotency_key = "") {
  AppendRequest r;
  r.tenant_id = std::move(tenant);
  r.streams.push_back(StreamAppend{std::move(stream), expected, std::move(events)});
  r.idempotency_key = std::move(idempotency_key);
  return r;
}

// A tenant id that PartitionOf maps to `partition`.
inline std::string TenantOnPartition(int partition, int partitions, const std::string& prefix = "t") {
  for (int i = 0;; ++i) {
    std::string t = prefix + "_" + std::to_string(i);
    if (commands::PartitionOf(t, partitions) == partition) return t;
  }
}

inline std::string Describe(const LogError& e) {
  return "code=" + std::to_string(static_cast<int>(e.code)) + " message=" + e.message;
}

}  // namespace contract

class EventLogContract : public ::testing::TestWithParam<EventLogContractParam> {
 protected:
  static constexpr int kPartitions = 4;

  void SetUp() override {
    log_ = GetParam().make(kPartitions);
    ASSERT_NE(log_, nullptr);
    for (int p = 0; p < kPartitions; ++p) base_[p] = End(p);
  }
  void TearDown() override { log_.reset(); }

  commands::EventLog& log() { return *log_; }

  // Appends and fails the test on error.
  commands::AppendResult MustAppend(const commands::AppendRequest& request) {
    auto r = log().Append(request);
    EXPECT_TRUE(r.ok()) << contract::Describe(r.error());
    return r.ok() ? r.value() : commands::AppendResult{};
  }

  std::int64_t End(int partition) {
    auto r = log().EndOffset(partition);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : -1;
  }

  // Where a fresh log's first event goes. Offsets only increase; they need not start at 0 or be
  // contiguous between appends (Kafka: fences, transaction markers). One append's events are.
  std::int64_t Base(int partition) const { return base_[partition]; }

  std::unique_ptr<commands::EventLog> log_;
  std::int64_t base_[kPartitions] = {};
};

#ifndef SWITCHBOARD_EVENT_LOG_CONTRACT_NO_TESTS

TEST_P(EventLogContract, AppendedEventReadsBackWithEveryEnvelopeField) {
  using namespace contract;
  const std::string tenant = "t_fields";
  const int partition = commands::PartitionOf(tenant, kPartitions);
  NewEvent e = MakeEvent("AppointmentBooked",
                         {{"slot", {{"start", "2026-11-24T15:00:00Z"}, {"minutes", 30}}},
                          {"note", "caf\u00e9 \"quoted\" \\ line\nbreak"},
                          {"tags", {1, 2, 3}}});
  e.schema_version = 3;
  e.actor = {"api_key", "key-7"};
  e.correlation_id = "corr-42";
  e.causation_id = "cause-41";

  const AppendResult r = MustAppend(OneStream(tenant, "appointment-1", ExpectedVersion::NoStream(), {e}, "idem-1"));
  EXPECT_EQ(r.partition, partition);
  EXPECT_EQ(r.first_offset, Base(partition));
  EXPECT_EQ(r.last_offset, r.first_offset);
  EXPECT_EQ(r.stream_versions, std::vector<std::int64_t>{1});
  EXPECT_FALSE(r.duplicate);

  auto by_stream = log().ReadStream(tenant, "appointment-1", 1, 10);
  ASSERT_TRUE(by_stream.ok()) << Describe(by_stream.error());
  ASSERT_EQ(by_stream->size(), 1u);
  const RecordedEvent& got = by_stream->front();
  EXPECT_EQ(got.event_id, e.event_id);
  EXPECT_EQ(got.type, "AppointmentBooked");
  EXPECT_EQ(got.schema_version, 3);
  EXPECT_EQ(got.tenant_id, tenant);
  EXPECT_EQ(got.stream, "appointment-1");
  EXPECT_EQ(got.stream_version, 1);
  EXPECT_EQ(got.partition, partition);
  EXPECT_EQ(got.offset, r.first_offset);
  EXPECT_EQ(got.occurred_at, e.occurred_at);
  EXPECT_TRUE(std::regex_match(got.recorded_at, std::regex(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)")))
      << got.recorded_at;
  EXPECT_EQ(got.actor, e.actor);
  EXPECT_EQ(got.correlation_id, "corr-42");
  EXPECT_EQ(got.causation_id, "cause-41");
  EXPECT_EQ(got.idempotency_key, "idem-1");
  EXPECT_EQ(got.data, e.data);

  auto by_partition = log().ReadPartition(partition, 0, 10);
  ASSERT_TRUE(by_partition.ok()) << Describe(by_partition.error());
  ASSERT_EQ(by_partition->size(), 1u);
  EXPECT_EQ(by_partition->front().event_id, e.event_id);
  EXPECT_EQ(by_partition->front().recorded_at, got.recorded_at);
  EXPECT_EQ(by_partition->front().data, e.data);

  auto version = log().StreamVersion(tenant, "appointment-1");
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, 1);
  EXPECT_GT(End(partition), r.last_offset);
}

TEST_P(EventLogContract, AppendsTakeConsecutiveOffsetsAndVersions) {
  using namespace contract;
  const std::string tenant = "t_consecutive";
  const int partition = commands::PartitionOf(tenant, kPartitions);
  const AppendResult a = MustAppend(OneStream(tenant, "s", ExpectedVersion::NoStream(), MakeEvents(3)));
  EXPECT_EQ(a.first_offset, Base(partition));
  EXPECT_EQ(a.last_offset, a.first_offset + 2);
  EXPECT_EQ(a.stream_versions, std::vector<std::int64_t>{3});
  const AppendResult b = MustAppend(OneStream(tenant, "s", ExpectedVersion::Exact(3), MakeEvents(2)));
  EXPECT_GT(b.first_offset, a.last_offset);
  EXPECT_EQ(b.last_offset, b.first_offset + 1);
  EXPECT_EQ(b.stream_versions, std::vector<std::int64_t>{5});
  EXPECT_GT(End(partition), b.last_offset);

  auto middle = log().ReadStream(tenant, "s", 2, 2);
  ASSERT_TRUE(middle.ok());
  ASSERT_EQ(middle->size(), 2u);
  EXPECT_EQ((*middle)[0].stream_version, 2);
  EXPECT_EQ((*middle)[0].offset, a.first_offset + 1);
  EXPECT_EQ((*middle)[1].stream_version, 3);
  auto all = log().ReadStream(tenant, "s", 0, 100);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 5u);
  for (std::size_t i = 0; i < all->size(); ++i) EXPECT_EQ((*all)[i].stream_version, static_cast<std::int64_t>(i + 1));
  auto past_end = log().ReadStream(tenant, "s", 6, 100);
  ASSERT_TRUE(past_end.ok());
  EXPECT_TRUE(past_end->empty());
  auto unknown = log().ReadStream(tenant, "never-written", 1, 100);
  ASSERT_TRUE(unknown.ok());
  EXPECT_TRUE(unknown->empty());
  auto unknown_version = log().StreamVersion(tenant, "never-written");
  ASSERT_TRUE(unknown_version.ok());
  EXPECT_EQ(*unknown_version, 0);
}

TEST_P(EventLogContract, MultiStreamAppendIsAllOrNothing) {
  using namespace contract;
  const std::string tenant = "t_atomic";
  const int partition = commands::PartitionOf(tenant, kPartitions);
  MustAppend(OneStream(tenant, "a", ExpectedVersion::NoStream(), MakeEvents(1)));
  const std::int64_t end_before = End(partition);

  AppendRequest bad;
  bad.tenant_id = tenant;
  bad.streams.push_back({"b", ExpectedVersion::NoStream(), MakeEvents(2)});
  bad.streams.push_back({"a", ExpectedVersion::Exact(5), MakeEvents(1)});
  auto conflict = log().Append(bad);
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.error().code, LogError::Code::kConflict);
  EXPECT_EQ(conflict.error().stream, "a");
  EXPECT_EQ(conflict.error().actual_version, 1);
  EXPECT_EQ(End(partition), end_before);
  auto b_version = log().StreamVersion(tenant, "b");
  ASSERT_TRUE(b_version.ok());
  EXPECT_EQ(*b_version, 0);
  auto b_events = log().ReadStream(tenant, "b", 1, 10);
  ASSERT_TRUE(b_events.ok());
  EXPECT_TRUE(b_events->empty());

  AppendRequest good;
  good.tenant_id = tenant;
  good.streams.push_back({"b", ExpectedVersion::NoStream(), MakeEvents(2)});
  good.streams.push_back({"a", ExpectedVersion::Exact(1), MakeEvents(1)});
  const AppendResult r = MustAppend(good);
  EXPECT_GE(r.first_offset, end_before);
  EXPECT_EQ(r.last_offset, r.first_offset + 2);
  EXPECT_EQ(r.stream_versions, (std::vector<std::int64_t>{2, 2}));
  auto events = log().ReadPartition(partition, end_before, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[0].stream, "b");
  EXPECT_EQ((*events)[0].stream_version, 1);
  EXPECT_EQ((*events)[1].stream, "b");
  EXPECT_EQ((*events)[1].stream_version, 2);
  EXPECT_EQ((*events)[2].stream, "a");
  EXPECT_EQ((*events)[2].stream_version, 2);
}

TEST_P(EventLogContract, ExpectedVersionAnyAppendsWhateverTheVersion) {
  using namespace contract;
  const AppendResult first = MustAppend(OneStream("t_any", "s", ExpectedVersion::Any(), MakeEvents(1)));
  EXPECT_EQ(first.stream_versions, std::vector<std::int64_t>{1});
  const AppendResult second = MustAppend(OneStream("t_any", "s", ExpectedVersion::Any(), MakeEvents(2)));
  EXPECT_EQ(second.stream_versions, std::vector<std::int64_t>{3});
}

TEST_P(EventLogContract, ExpectedVersionNoStreamRejectsAnExistingStream) {
  using namespace contract;
  MustAppend(OneStream("t_nostream", "s", ExpectedVersion::NoStream(), MakeEvents(1)));
  auto again = log().Append(OneStream("t_nostream", "s", ExpectedVersion::NoStream(), MakeEvents(1)));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, LogError::Code::kConflict);
  EXPECT_EQ(again.error().stream, "s");
  EXPECT_EQ(again.error().actual_version, 1);
  auto version = log().StreamVersion("t_nostream", "s");
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(*version, 1);
}

TEST_P(EventLogContract, ExpectedVersionExactMustMatchTheCurrentVersion) {
  using namespace contract;
  MustAppend(OneStream("t_exact", "s", ExpectedVersion::Exact(0), MakeEvents(1)));  // Exact(0) == NoStream
  const AppendResult r = MustAppend(OneStream("t_exact", "s", ExpectedVersion::Exact(1), MakeEvents(1)));
  EXPECT_EQ(r.stream_versions, std::vector<std::int64_t>{2});

  auto stale = log().Append(OneStream("t_exact", "s", ExpectedVersion::Exact(1), MakeEvents(1)));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, LogError::Code::kConflict);
  EXPECT_EQ(stale.error().actual_version, 2);
  auto ahead = log().Append(OneStream("t_exact", "s", ExpectedVersion::Exact(3), MakeEvents(1)));
  ASSERT_FALSE(ahead.ok());
  EXPECT_EQ(ahead.error().code, LogError::Code::kConflict);
  EXPECT_EQ(ahead.error().actual_version, 2);
  auto missing = log().Append(OneStream("t_exact", "other", ExpectedVersion::Exact(1), MakeEvents(1)));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, LogError::Code::kConflict);
  EXPECT_EQ(missing.error().stream, "other");
  EXPECT_EQ(missing.error().actual_version, 0);
}

TEST_P(EventLogContract, AppendWithoutEventsOnlyChecksTheVersion) {
  using namespace contract;
  const std::string tenant = "t_check";
  const int partition = commands::PartitionOf(tenant, kPartitions);
  const AppendResult written = MustAppend(OneStream(tenant, "s", ExpectedVersion::NoStream(), MakeEvents(2)));
  const std::int64_t end_before = End(partition);
  const AppendResult check = MustAppend(OneStream(tenant, "s", ExpectedVersion::Exact(2), {}));
  EXPECT_EQ(check.stream_versions, std::vector<std::int64_t>{2});
  EXPECT_EQ(check.last_offset, check.first_offset - 1);
  EXPECT_GT(check.first_offset, written.last_offset);
  EXPECT_LE(check.first_offset, end_before);
  EXPECT_EQ(End(partition), end_before);
  auto stale = log().Append(OneStream(tenant, "s", ExpectedVersion::Exact(1), {}));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, LogError::Code::kConflict);
}

TEST_P(EventLogContract, IdempotencyKeyReturnsTheFirstResult) {
  using namespace contract;
  const std::string tenant = "t_idem";
  const int partition = commands::PartitionOf(tenant, kPartitions);
  const AppendResult first = MustAppend(OneStream(tenant, "s", ExpectedVersion::Any(), MakeEvents(2), "key-1"));
  EXPECT_FALSE(first.duplicate);
  const std::int64_t end_after_first = End(partition);

  const AppendResult repeat = MustAppend(OneStream(tenant, "s", ExpectedVersion::Any(), MakeEvents(2), "key-1"));
  EXPECT_TRUE(repeat.duplicate);
  EXPECT_EQ(repeat.partition, first.partition);
  EXPECT_EQ(repeat.first_offset, first.first_offset);
  EXPECT_EQ(repeat.last_offset, first.last_offset);
  EXPECT_EQ(repeat.stream_versions, first.stream_versions);
  EXPECT_EQ(End(partition), end_after_first);

  // The key identifies the operation: a different request under the same key is still the first one.
  const AppendResult different =
      MustAppend(OneStream(tenant, "other", ExpectedVersion::NoStream(), MakeEvents(1), "key-1"));
  EXPECT_TRUE(different.duplicate);
  EXPECT_EQ(different.first_offset, first.first_offset);
  auto other_version = log().StreamVersion(tenant, "other");
  ASSERT_TRUE(other_version.ok());
  EXPECT_EQ(*other_version, 0);
  EXPECT_EQ(End(partition), end_after_first);

  // A failed append does not consume its key.
  auto failed = log().Append(OneStream(tenant, "s", ExpectedVersion::NoStream(), MakeEvents(1), "key-2"));
  ASSERT_FALSE(failed.ok());
  const AppendResult retried = MustAppend(OneStream(tenant, "s", ExpectedVersion::Exact(2), MakeEvents(1), "key-2"));
  EXPECT_FALSE(retried.duplicate);
  EXPECT_EQ(retried.stream_versions, std::vector<std::int64_t>{3});

  // Keys are scoped by tenant.
  const AppendResult other_tenant =
      MustAppend(OneStream("t_idem_other", "s", ExpectedVersion::Any(), MakeEvents(1), "key-1"));
  EXPECT_FALSE(other_tenant.duplicate);
}

TEST_P(EventLogContract, ConcurrentRepeatsOfOneKeyAppendOnce) {
  using namespace contract;
  const std::string tenant = "t_idem_race";
  const int partition = commands::PartitionOf(tenant, kPartitions);
  std::vector<std::thread> threads;
  std::vector<AppendResult> results(8);
  std::atomic<int> failures{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto r = log().Append(OneStream(tenant, "s", ExpectedVersion::Any(), MakeEvents(1), "same-key"));
      if (r.ok()) results[i] = *r; else failures.fetch_add(1);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(std::count_if(results.begin(), results.end(), [](const AppendResult& r) { return !r.duplicate; }), 1);
  for (const auto& r : results) EXPECT_EQ(r.first_offset, Base(partition));
  auto stored = log().ReadPartition(partition, 0, 100);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->size(), 1u);
}

TEST_P(EventLogContract, TenantsRouteToPartitionOfTheirId) {
  using namespace contract;
  EXPECT_EQ(log().Partitions(), kPartitions);
  for (int p = 0; p < kPartitions; ++p) {
    const std::string tenant = TenantOnPartition(p, kPartitions);
    const AppendResult r = MustAppend(OneStream(tenant, "s", ExpectedVersion::NoStream(), MakeEvents(p + 1)));
    EXPECT_EQ(r.partition, p);
    EXPECT_EQ(r.first_offset, Base(p));
    EXPECT_GT(End(p), r.last_offset);
  }
  for (int p = 0; p < kPartitions; ++p) {
    auto events = log().ReadPartition(p, 0, 100);
    ASSERT_TRUE(events.ok());
    ASSERT_EQ(events->size(), static_cast<std::size_t>(p + 1));
    for (const auto& e : *events) {
      EXPECT_EQ(e.tenant_id, TenantOnPartition(p, kPartitions));
      EXPECT_EQ(e.partition, p);
    }
  }
  // Same stream name under two tenants: two independent streams.
  const std::string a = TenantOnPartition(0, kPartitions, "ta");
  const std::string b = TenantOnPartition(0, kPartitions, "tb");
  MustAppend(OneStream(a, "shared-name", ExpectedVersion::NoStream(), MakeEvents(1)));
  const AppendResult rb = MustAppend(OneStream(b, "shared-name", ExpectedVersion::NoStream(), MakeEvents(1)));
  EXPECT_EQ(rb.stream_versions, std::vector<std::int64_t>{1});
}

TEST_P(EventLogContract, ReadPartitionStartsAtAnyOffset) {
  using namespace contract;
  const std::string tenant = TenantOnPartition(1, kPartitions);
  std::vector<std::int64_t> offsets;
  for (int i = 0; i < 10; ++i) {
    offsets.push_back(MustAppend(OneStream(tenant, "s-" + std::to_string(i % 3), ExpectedVersion::Any(), MakeEvents(1))).first_offset);
  }
  EXPECT_GT(End(1), offsets[9]);
  auto all = log().ReadPartition(1, 0, 100);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ((*all)[i].offset, offsets[i]);
  auto window = log().ReadPartition(1, offsets[4], 3);
  ASSERT_TRUE(window.ok());
  ASSERT_EQ(window->size(), 3u);
  EXPECT_EQ((*window)[0].offset, offsets[4]);
  EXPECT_EQ((*window)[2].offset, offsets[6]);
  EXPECT_EQ((*window)[0].event_id, (*all)[4].event_id);
  auto tail = log().ReadPartition(1, offsets[8], 100);
  ASSERT_TRUE(tail.ok());
  ASSERT_EQ(tail->size(), 2u);
  EXPECT_EQ(tail->back().offset, offsets[9]);
  auto past = log().ReadPartition(1, offsets[9] + 1, 100);
  ASSERT_TRUE(past.ok());
  EXPECT_TRUE(past->empty());
  auto empty_partition = log().ReadPartition(2, 0, 100);
  ASSERT_TRUE(empty_partition.ok());
  EXPECT_TRUE(empty_partition->empty());
  auto bad = log().ReadPartition(kPartitions, 0, 10);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, LogError::Code::kInvalid);
  auto bad_end = log().EndOffset(-1);
  ASSERT_FALSE(bad_end.ok());
  EXPECT_EQ(bad_end.error().code, LogError::Code::kInvalid);
}

TEST_P(EventLogContract, SubscriptionCatchesUpThenFollowsConcurrentAppendersWithoutGapsOrDuplicates) {
  using namespace contract;
  constexpr int kPartition = 2;
  constexpr int kBefore = 50;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  constexpr int kTotal = kBefore + kThreads * kPerThread;
  std::mutex ids_mu;
  std::set<std::string> appended_ids;

  const std::string early_tenant = TenantOnPartition(kPartition, kPartitions, "early");
  for (int i = 0; i < kBefore; ++i) {
    auto request = OneStream(early_tenant, "s", ExpectedVersion::Any(), MakeEvents(1));
    appended_ids.insert(request.streams[0].events[0].event_id);
    MustAppend(request);
  }

  auto subscription = log().Subscribe(kPartition, 0);
  std::vector<RecordedEvent> seen;
  std::atomic<bool> subscriber_failed{false};
  std::thread subscriber([&] {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (static_cast<int>(seen.size()) < kTotal && std::chrono::steady_clock::now() < deadline) {
      auto batch = subscription->Next(37, std::chrono::milliseconds(100));
      if (!batch.ok()) {
        subscriber_failed = true;
        return;
      }
      for (auto& e : *batch) seen.push_back(std::move(e));
    }
  });

  std::vector<std::thread> appenders;
  std::atomic<int> append_failures{0};
  for (int t = 0; t < kThreads; ++t) {
    appenders.emplace_back([&, t] {
      // Each thread is its own tenant on the subscribed partition, writing several streams.
      const std::string tenant = TenantOnPartition(kPartition, kPartitions, "live" + std::to_string(t));
      for (int i = 0; i < kPerThread; ++i) {
        auto request = OneStream(tenant, "s-" + std::to_string(i % 5), ExpectedVersion::Any(), MakeEvents(1));
        const std::string id = request.streams[0].events[0].event_id;
        if (!log().Append(request).ok()) {
          append_failures.fetch_add(1);
          continue;
        }
        std::lock_guard lock(ids_mu);
        appended_ids.insert(id);
      }
    });
  }
  for (auto& t : appenders) t.join();
  subscriber.join();

  EXPECT_EQ(append_failures.load(), 0);
  EXPECT_FALSE(subscriber_failed.load());
  ASSERT_EQ(seen.size(), static_cast<std::size_t>(kTotal));
  std::set<std::string> seen_ids;
  for (int i = 0; i < kTotal; ++i) {
    if (i > 0) {
      ASSERT_GT(seen[i].offset, seen[i - 1].offset) << "out of order or repeated at position " << i;
    }
    EXPECT_EQ(seen[i].partition, kPartition);
    seen_ids.insert(seen[i].event_id);
  }
  EXPECT_EQ(seen_ids, appended_ids) << "a gap or a stranger";
  EXPECT_GT(subscription->Position(), seen.back().offset);
  EXPECT_LE(subscription->Position(), End(kPartition));
  auto nothing_more = subscription->Next(10, std::chrono::milliseconds(20));
  ASSERT_TRUE(nothing_more.ok());
  EXPECT_TRUE(nothing_more->empty());
}

// More events than one page of 1000, so a scan that took a short page for the end (on Kafka the
// partition's first record is a fence, not an event) would stop early.
TEST_P(EventLogContract, ForEachEventVisitsEveryEventOfAPartitionUpToItsEnd) {
  using namespace contract;
  const int partition = 2;
  const std::string tenant = TenantOnPartition(partition, kPartitions, "t_scan");
  std::vector<AppendResult> appends;
  for (int i = 0; i < 12; ++i) {
    appends.push_back(MustAppend(OneStream(tenant, "s" + std::to_string(i), ExpectedVersion::NoStream(), MakeEvents(100))));
  }
  auto scan = [&](std::int64_t from) {
    std::vector<std::int64_t> offsets;
    auto r = commands::ForEachEvent(log(), partition, from, [&](const RecordedEvent& e) {
      EXPECT_EQ(e.partition, partition);
      if (e.tenant_id == tenant) offsets.push_back(e.offset);
    });
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return offsets;
  };
  const std::vector<std::int64_t> all = scan(0);
  ASSERT_EQ(all.size(), 1200u);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
  EXPECT_EQ(all.front(), appends.front().first_offset);
  EXPECT_EQ(all.back(), appends.back().last_offset);

  const std::vector<std::int64_t> tail = scan(appends[7].first_offset);
  ASSERT_EQ(tail.size(), 500u);
  EXPECT_EQ(tail.front(), appends[7].first_offset);
  EXPECT_EQ(tail.back(), appends.back().last_offset);
}

TEST_P(EventLogContract, SubscriptionResumesFromAnyPosition) {
  using namespace contract;
  const std::string tenant = TenantOnPartition(3, kPartitions);
  std::vector<std::int64_t> offsets;
  for (int i = 0; i < 20; ++i) {
    offsets.push_back(MustAppend(OneStream(tenant, "s", ExpectedVersion::Any(), MakeEvents(1))).first_offset);
  }

  auto first = log().Subscribe(3, 0);
  auto head = first->Next(7, std::chrono::milliseconds(0));
  ASSERT_TRUE(head.ok());
  ASSERT_EQ(head->size(), 7u);
  EXPECT_EQ(head->back().offset, offsets[6]);
  EXPECT_GT(first->Position(), offsets[6]);
  EXPECT_LE(first->Position(), offsets[7]);

  auto resumed = log().Subscribe(3, first->Position());
  auto rest = resumed->Next(100, std::chrono::milliseconds(0));
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 13u);
  EXPECT_EQ(rest->front().offset, offsets[7]);
  EXPECT_EQ(rest->back().offset, offsets[19]);

  // A position beyond the end waits for the offsets to reach it.
  const std::int64_t ahead_of_end = End(3) + 5;
  auto ahead = log().Subscribe(3, ahead_of_end);
  auto none = ahead->Next(10, std::chrono::milliseconds(20));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  std::vector<std::int64_t> reaching;  // offsets of the new appends at or past ahead_of_end
  for (int i = 0; i < 6; ++i) {
    const AppendResult r = MustAppend(OneStream(tenant, "s", ExpectedVersion::Any(), MakeEvents(1)));
    if (r.first_offset >= ahead_of_end) reaching.push_back(r.first_offset);
  }
  ASSERT_FALSE(reaching.empty());
  auto later = ahead->Next(10, std::chrono::milliseconds(1000));
  ASSERT_TRUE(later.ok());
  ASSERT_EQ(later->size(), reaching.size());
  EXPECT_EQ(later->front().offset, reaching.front());
  EXPECT_GT(ahead->Position(), reaching.back());
}

TEST_P(EventLogContract, SubscriptionWaitsForTheNextAppend) {
  using namespace contract;
  const std::string tenant = TenantOnPartition(0, kPartitions);
  auto subscription = log().Subscribe(0, 0);
  const auto started = std::chrono::steady_clock::now();
  auto empty = subscription->Next(10, std::chrono::milliseconds(50));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(45));

  AppendResult appended;
  std::thread appender([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    appended = MustAppend(OneStream(tenant, "s", ExpectedVersion::Any(), MakeEvents(1)));
  });
  const auto waiting = std::chrono::steady_clock::now();
  auto live = subscription->Next(10, std::chrono::seconds(20));
  const auto waited = std::chrono::steady_clock::now() - waiting;
  appender.join();
  ASSERT_TRUE(live.ok());
  ASSERT_EQ(live->size(), 1u);
  EXPECT_EQ(live->front().offset, appended.first_offset);
  EXPECT_LT(waited, std::chrono::seconds(10)) << "the append must wake the waiting subscription";
}

TEST_P(EventLogContract, ConcurrentExactAppendsToOneStreamHaveOneWinnerPerVersion) {
  using namespace contract;
  constexpr int kThreads = 8;
  constexpr int kWinsPerThread = 25;
  const std::string tenant = "t_race";
  std::mutex mu;
  std::vector<std::int64_t> won_versions;
  std::set<std::string> won_ids;
  std::atomic<int> unexpected{0};

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      auto version = log().StreamVersion(tenant, "counter");
      std::int64_t expected = version.ok() ? *version : 0;
      int wins = 0;
      while (wins < kWinsPerThread) {
        auto request = OneStream(tenant, "counter", ExpectedVersion::Exact(expected), MakeEvents(1));
        auto r = log().Append(request);
        if (r.ok()) {
          ++wins;
          expected = r->stream_versions[0];
          std::lock_guard lock(mu);
          won_versions.push_back(r->stream_versions[0]);
          won_ids.insert(request.streams[0].events[0].event_id);
        } else if (r.error().code == LogError::Code::kConflict) {
          expected = r.error().actual_version;  // lost the race: retry on top of the winner
        } else {
          unexpected.fetch_add(1);
          return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();

  ASSERT_EQ(unexpected.load(), 0);
  std::sort(won_versions.begin(), won_versions.end());
  ASSERT_EQ(won_versions.size(), static_cast<std::size_t>(kThreads * kWinsPerThread));
  for (std::size_t i = 0; i < won_versions.size(); ++i) {
    EXPECT_EQ(won_versions[i], static_cast<std::int64_t>(i + 1)) << "two winners or a hole at a version";
  }
  auto events = log().ReadStream(tenant, "counter", 1, 1000);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), won_versions.size());
  std::set<std::string> stored_ids;
  for (const auto& e : *events) stored_ids.insert(e.event_id);
  EXPECT_EQ(stored_ids, won_ids) << "every acknowledged append is stored, nothing else is";
}

TEST_P(EventLogContract, InvalidRequestsAreRejectedAndWriteNothing) {
  using namespace contract;
  std::vector<AppendRequest> invalid;
  invalid.push_back(OneStream("", "s", ExpectedVersion::Any(), MakeEvents(1), "key-x"));
  AppendRequest no_streams;
  no_streams.tenant_id = "t_invalid";
  no_streams.idempotency_key = "key-x";
  invalid.push_back(no_streams);
  invalid.push_back(OneStream("t_invalid", "", ExpectedVersion::Any(), MakeEvents(1), "key-x"));
  AppendRequest duplicate_stream = OneStream("t_invalid", "s", ExpectedVersion::Any(), MakeEvents(1), "key-x");
  duplicate_stream.streams.push_back({"s", ExpectedVersion::Any(), MakeEvents(1)});
  invalid.push_back(duplicate_stream);
  AppendRequest with_good_stream = OneStream("t_invalid", "good", ExpectedVersion::Any(), MakeEvents(1), "key-x");
  with_good_stream.streams.push_back({"", ExpectedVersion::Any(), MakeEvents(1)});
  invalid.push_back(with_good_stream);

  for (std::size_t i = 0; i < invalid.size(); ++i) {
    auto r = log().Append(invalid[i]);
    ASSERT_FALSE(r.ok()) << "request " << i;
    EXPECT_EQ(r.error().code, LogError::Code::kInvalid) << "request " << i;
  }
  for (int p = 0; p < kPartitions; ++p) EXPECT_EQ(End(p), Base(p));
  auto good_version = log().StreamVersion("t_invalid", "good");
  ASSERT_TRUE(good_version.ok());
  EXPECT_EQ(*good_version, 0);
  // Rejected requests do not consume their idempotency key.
  const AppendResult r = MustAppend(OneStream("t_invalid", "s", ExpectedVersion::Any(), MakeEvents(1), "key-x"));
  EXPECT_FALSE(r.duplicate);
}

#endif  // SWITCHBOARD_EVENT_LOG_CONTRACT_NO_TESTS

}  // namespace switchboard::testing
