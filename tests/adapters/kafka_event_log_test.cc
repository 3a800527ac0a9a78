// KafkaEventLog against librdkafka's mock cluster (a real Kafka-protocol broker in-process): the
// EventLog contract suite on a single node that owns every partition, the hand-over of partitions
// to a new owner, restart recovery from the local index plus the partition tail, and faults
// (injected request errors, a broker down and up) with no acknowledged event lost or duplicated.
#include "adapters/kafka/kafka_event_log.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <librdkafka/rdkafka.h>

// The contract's TEST_P bodies live in rocksdb_event_log_test.cc (same binary); this file instantiates them.
#define SWITCHBOARD_EVENT_LOG_CONTRACT_NO_TESTS
#include "tests/contract/event_log_contract.h"
#include "tests/support/kafka_mock_cluster.h"
#include "tests/support/temp_dir.h"

namespace switchboard::testing {
namespace {

using adapters::KafkaEventLog;
using adapters::KafkaLogOptions;
using commands::AppendResult;
using commands::ExpectedVersion;
using commands::LogError;
using contract::MakeEvents;
using contract::OneStream;
using contract::TenantOnPartition;

// One mock cluster per test binary run; every log gets its own topic and writer group.
KafkaMockCluster& Cluster() {
  static KafkaMockCluster* cluster = new KafkaMockCluster(3);  // never destroyed: logs may outlive tests
  return *cluster;
}

std::string UniqueName(const std::string& prefix) {
  static std::atomic<int> next{0};
  return prefix + "-" + std::to_string(next.fetch_add(1));
}

KafkaLogOptions Options(const std::string& topic, const std::string& group, int partitions, const std::string& node,
                        const std::string& state_dir) {
  KafkaLogOptions o;
  o.brokers = Cluster().bootstraps();
  o.partitions = partitions;
  o.topic = topic;
  o.group = group;
  o.node_id = node;
  o.state_dir = state_dir;
  o.open_timeout = std::chrono::seconds(30);
  o.client_config = {{"log_level", "3"}};
  return o;
}

// Owns the state dir of a log so the contract factory can hand out self-cleaning logs.
class OwningLog final : public commands::EventLog {
 public:
  OwningLog(std::unique_ptr<TempDir> dir, std::unique_ptr<KafkaEventLog> log)
      : dir_(std::move(dir)), log_(std::move(log)) {}
  Result<AppendResult, LogError> Append(const commands::AppendRequest& r) override { return log_->Append(r); }
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
  std::unique_ptr<TempDir> dir_;  // destroyed last
  std::unique_ptr<KafkaEventLog> log_;
};

std::unique_ptr<KafkaEventLog> MustOpen(const KafkaLogOptions& o) {
  auto log = KafkaEventLog::Open(o);
  EXPECT_TRUE(log.ok()) << log.error().message;
  return log.ok() ? std::move(*log) : nullptr;
}

// A writer that owns every partition (the only member of its writer group), ready for appends.
std::unique_ptr<KafkaEventLog> OpenSoleWriter(const std::string& topic, const std::string& group, int partitions,
                                              const std::string& node, const std::string& state_dir) {
  KafkaLogOptions o = Options(topic, group, partitions, node, state_dir);
  o.wait_for_all_partitions = true;
  return MustOpen(o);
}

std::unique_ptr<commands::EventLog> MakeKafkaLog(int partitions) {
  const std::string topic = UniqueName("contract");
  if (!Cluster().CreateTopic(topic, partitions, 3)) {
    ADD_FAILURE() << "cannot create topic " << topic;
    return nullptr;
  }
  auto dir = std::make_unique<TempDir>("sb-kafka-log-");
  KafkaLogOptions o = Options(topic, topic + "-writers", partitions, "node-1", dir->Sub("state"));
  o.wait_for_all_partitions = true;
  auto log = KafkaEventLog::Open(o);
  if (!log.ok()) {
    ADD_FAILURE() << "open: " << log.error().message;
    return nullptr;
  }
  return std::make_unique<OwningLog>(std::move(dir), std::move(*log));
}

INSTANTIATE_TEST_SUITE_P(Kafka, EventLogContract, ::testing::Values(EventLogContractParam{"Kafka", MakeKafkaLog}),
                         EventLogContractName);

// Appends from several threads to tenants spread over every partition; remembers what was acknowledged.
class Appenders {
 public:
  Appenders(commands::EventLog& log, int partitions, int threads) {
    for (int t = 0; t < threads; ++t) {
      threads_.emplace_back([this, &log, partitions, t] {
        for (int i = 0; !stop_.load(); ++i) {
          const std::string tenant = TenantOnPartition((t + i) % partitions, partitions, "w" + std::to_string(t));
          auto request = OneStream(tenant, "s-" + std::to_string(i % 3), ExpectedVersion::Any(), MakeEvents(1 + i % 2));
          auto r = log.Append(request);
          std::lock_guard lock(mu_);
          if (r.ok()) {
            for (const auto& e : request.streams[0].events) acked_[e.event_id] = r->partition;
          } else {
            ++failures_;
            last_error_ = r.error().message;
          }
        }
      });
    }
  }
  ~Appenders() { Stop(); }
  void Stop() {
    stop_ = true;
    for (auto& t : threads_) if (t.joinable()) t.join();
  }
  std::map<std::string, int> acked() { std::lock_guard lock(mu_); return acked_; }
  std::size_t acked_count() { std::lock_guard lock(mu_); return acked_.size(); }
  // Waits until `more` further events are acknowledged; false after the timeout.
  bool WaitForProgress(std::size_t more, std::chrono::seconds timeout) {
    const std::size_t target = acked_count() + more;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (acked_count() < target) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
  }
  int failures() { std::lock_guard lock(mu_); return failures_; }
  std::string last_error() { std::lock_guard lock(mu_); return last_error_; }

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::map<std::string, int> acked_;  // event id -> partition
  int failures_ = 0;
  std::string last_error_;
};

// Every acknowledged event of `partitions` is in the log exactly once; no event id appears twice;
// offsets increase. Returns the number of events in the log that were not acknowledged.
int ExpectExactlyOnce(commands::EventLog& reader, const std::vector<int>& partitions,
                      const std::map<std::string, int>& acked) {
  std::map<std::string, int> seen;
  std::set<int> wanted(partitions.begin(), partitions.end());
  for (int p : partitions) {
    auto events = reader.ReadPartition(p, 0, 1000000);
    EXPECT_TRUE(events.ok()) << events.error().message;
    if (!events.ok()) continue;
    std::int64_t last = -1;
    for (const auto& e : *events) {
      EXPECT_GT(e.offset, last) << "offsets must increase";
      last = e.offset;
      EXPECT_EQ(e.partition, p);
      ++seen[e.event_id];
    }
  }
  int acked_here = 0;
  for (const auto& [id, p] : acked) {
    if (!wanted.count(p)) continue;
    ++acked_here;
    EXPECT_EQ(seen[id], 1) << "acknowledged event " << id << " of partition " << p;
  }
  int unacked = 0;
  for (const auto& [id, count] : seen) {
    EXPECT_EQ(count, 1) << "event " << id << " stored twice";
    if (!acked.count(id)) ++unacked;
  }
  return unacked;
}

// The owner's index equals the log: every stream read through the index is the log's events of that
// stream, in order, with versions 1..n.
void ExpectIndexMatchesLog(KafkaEventLog& owner, int partition) {
  auto events = owner.ReadPartition(partition, 0, 1000000);
  ASSERT_TRUE(events.ok()) << events.error().message;
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> streams;
  for (const auto& e : *events) streams[{e.tenant_id, e.stream}].push_back(e.event_id);
  for (const auto& [key, ids] : streams) {
    auto version = owner.StreamVersion(key.first, key.second);
    ASSERT_TRUE(version.ok()) << version.error().message;
    EXPECT_EQ(*version, static_cast<std::int64_t>(ids.size())) << key.first << "/" << key.second;
    auto stream = owner.ReadStream(key.first, key.second, 1, 1000000);
    ASSERT_TRUE(stream.ok());
    ASSERT_EQ(stream->size(), ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
      EXPECT_EQ((*stream)[i].event_id, ids[i]);
      EXPECT_EQ((*stream)[i].stream_version, static_cast<std::int64_t>(i + 1));
    }
  }
}

TEST(KafkaEventLog, NewOwnerTakesOverPartitionsAndTheOldOneStopsWriting) {
  constexpr int kPartitions = 4;
  const std::string topic = UniqueName("handover");
  ASSERT_TRUE(Cluster().CreateTopic(topic, kPartitions));
  TempDir dir;
  auto a = OpenSoleWriter(topic, topic + "-writers", kPartitions, "node-a", dir.Sub("a"));
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->OwnedPartitions(), (std::vector<int>{0, 1, 2, 3}));
  std::map<std::string, int> acked_before;
  for (int p = 0; p < kPartitions; ++p) {
    auto request = OneStream(TenantOnPartition(p, kPartitions), "counter", ExpectedVersion::NoStream(), MakeEvents(2));
    ASSERT_TRUE(a->Append(request).ok());
    for (const auto& e : request.streams[0].events) acked_before[e.event_id] = p;
  }

  // A keeps appending while B joins the group and the partitions are rebalanced; a watcher of A's
  // ownership wakes on the change instead of waiting out its minute.
  std::vector<int> seen_change;
  std::chrono::steady_clock::duration watched{};
  std::thread watcher([&] {
    const auto started = std::chrono::steady_clock::now();
    seen_change = a->WaitForOwnershipChange({0, 1, 2, 3}, std::chrono::seconds(60));
    watched = std::chrono::steady_clock::now() - started;
  });
  Appenders appenders(*a, kPartitions, 4);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto b = MustOpen(Options(topic, topic + "-writers", kPartitions, "node-b", dir.Sub("b")));
  ASSERT_NE(b, nullptr);
  watcher.join();
  EXPECT_NE(seen_change, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_LT(watched, std::chrono::seconds(30));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  appenders.Stop();
  const std::vector<int> owned_by_b = b->OwnedPartitions();
  const std::vector<int> owned_by_a = a->OwnedPartitions();
  ASSERT_FALSE(owned_by_b.empty());
  ASSERT_EQ(owned_by_a.size() + owned_by_b.size(), static_cast<std::size_t>(kPartitions));
  std::printf("after the rebalance: A owns %zu partitions, B owns %zu; A's appends: %zu acknowledged, %d failed (%s)\n",
              owned_by_a.size(), owned_by_b.size(), appenders.acked().size(), appenders.failures(),
              appenders.last_error().c_str());

  // A refuses B's partitions, naming B once B has announced itself.
  const int moved = owned_by_b.front();
  const std::string tenant = TenantOnPartition(moved, kPartitions);
  std::string message;
  for (int i = 0; i < 50; ++i) {
    auto refused = a->Append(OneStream(tenant, "counter", ExpectedVersion::Any(), MakeEvents(1)));
    ASSERT_FALSE(refused.ok());
    ASSERT_EQ(refused.error().code, LogError::Code::kUnavailable);
    message = refused.error().message;
    if (message.find("node-b") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(message.find("owned by node node-b"), std::string::npos) << message;
  auto refused_read = a->StreamVersion(tenant, "counter");
  ASSERT_FALSE(refused_read.ok());
  EXPECT_EQ(refused_read.error().code, LogError::Code::kUnavailable);

  // B sees exactly what A acknowledged on the moved partitions, and its index is complete.
  std::map<std::string, int> acked = appenders.acked();
  acked.insert(acked_before.begin(), acked_before.end());
  EXPECT_EQ(ExpectExactlyOnce(*b, owned_by_b, acked), 0) << "an unacknowledged append landed";
  for (int p : owned_by_b) ExpectIndexMatchesLog(*b, p);
  auto version = b->StreamVersion(tenant, "counter");
  ASSERT_TRUE(version.ok()) << version.error().message;
  EXPECT_EQ(*version, 2);
  auto next = b->Append(OneStream(tenant, "counter", ExpectedVersion::Exact(2), MakeEvents(1)));
  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_EQ(next->stream_versions, std::vector<std::int64_t>{3});
  auto stale = b->Append(OneStream(tenant, "counter", ExpectedVersion::Exact(2), MakeEvents(1)));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, LogError::Code::kConflict);
  // A still writes its own partitions.
  if (!owned_by_a.empty()) {
    EXPECT_TRUE(a->Append(OneStream(TenantOnPartition(owned_by_a.front(), kPartitions), "x", ExpectedVersion::Any(),
                                    MakeEvents(1))).ok());
  }
}

TEST(KafkaEventLog, RestartRestoresTheIndexFromStateAndTheTail) {
  constexpr int kPartitions = 2;
  const std::string topic = UniqueName("restart");
  ASSERT_TRUE(Cluster().CreateTopic(topic, kPartitions));
  TempDir dir;
  const std::string t0 = TenantOnPartition(0, kPartitions);
  const std::string t1 = TenantOnPartition(1, kPartitions);
  AppendResult keyed_a;
  AppendResult keyed_b;
  {
    KafkaLogOptions o = Options(topic, topic + "-writers", kPartitions, "node-a", dir.Sub("a"));
    o.wait_for_all_partitions = true;
    auto a = MustOpen(o);
    ASSERT_NE(a, nullptr);
    ASSERT_TRUE(a->Append(OneStream(t0, "s", ExpectedVersion::NoStream(), MakeEvents(3))).ok());
    auto r = a->Append(OneStream(t1, "s", ExpectedVersion::NoStream(), MakeEvents(2), "key-a"));
    ASSERT_TRUE(r.ok());
    keyed_a = *r;
  }
  {
    // Another node (empty state) writes while A is down: it rebuilds its index from the partitions.
    KafkaLogOptions o = Options(topic, topic + "-writers", kPartitions, "node-b", dir.Sub("b"));
    o.wait_for_all_partitions = true;
    auto b = MustOpen(o);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(*b->StreamVersion(t0, "s"), 3);
    auto repeat = b->Append(OneStream(t1, "s", ExpectedVersion::Any(), MakeEvents(1), "key-a"));
    ASSERT_TRUE(repeat.ok());
    EXPECT_TRUE(repeat->duplicate) << "idempotency keys are rebuilt from the log";
    EXPECT_EQ(repeat->first_offset, keyed_a.first_offset);
    EXPECT_EQ(repeat->stream_versions, keyed_a.stream_versions);
    auto r = b->Append(OneStream(t0, "s", ExpectedVersion::Exact(3), MakeEvents(2), "key-b"));
    ASSERT_TRUE(r.ok()) << r.error().message;
    keyed_b = *r;
    EXPECT_EQ(keyed_b.stream_versions, std::vector<std::int64_t>{5});
  }
  auto a = OpenSoleWriter(topic, topic + "-writers", kPartitions, "node-a", dir.Sub("a"));
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(*a->StreamVersion(t0, "s"), 5) << "the tail written by node-b is applied";
  EXPECT_EQ(*a->StreamVersion(t1, "s"), 2);
  auto stale = a->Append(OneStream(t0, "s", ExpectedVersion::Exact(3), MakeEvents(1)));
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, LogError::Code::kConflict);
  EXPECT_EQ(stale.error().actual_version, 5);
  auto repeat_a = a->Append(OneStream(t1, "s", ExpectedVersion::Any(), MakeEvents(1), "key-a"));
  ASSERT_TRUE(repeat_a.ok());
  EXPECT_TRUE(repeat_a->duplicate);
  auto repeat_b = a->Append(OneStream(t0, "s", ExpectedVersion::Any(), MakeEvents(1), "key-b"));
  ASSERT_TRUE(repeat_b.ok());
  EXPECT_TRUE(repeat_b->duplicate);
  EXPECT_EQ(repeat_b->first_offset, keyed_b.first_offset);
  EXPECT_EQ(repeat_b->last_offset, keyed_b.last_offset);
  auto stream = a->ReadStream(t0, "s", 1, 100);
  ASSERT_TRUE(stream.ok());
  ASSERT_EQ(stream->size(), 5u);
  EXPECT_EQ(stream->back().offset, keyed_b.last_offset);
  ExpectIndexMatchesLog(*a, 0);
  ExpectIndexMatchesLog(*a, 1);
}

TEST(KafkaEventLog, InjectedRequestErrorsLoseAndDuplicateNothingAcknowledged) {
  constexpr int kPartitions = 4;
  const std::string topic = UniqueName("faults");
  ASSERT_TRUE(Cluster().CreateTopic(topic, kPartitions));
  TempDir dir;
  auto log = OpenSoleWriter(topic, topic + "-writers", kPartitions, "node-1", dir.Sub("a"));
  ASSERT_NE(log, nullptr);
  Appenders appenders(*log, kPartitions, 4);
  ASSERT_TRUE(appenders.WaitForProgress(40, std::chrono::seconds(20)));
  struct Fault {
    const char* name;
    int16_t api_key;
    std::vector<int> errors;
  };
  const std::vector<Fault> faults = {
      {"Produce", 0, {RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT}},
      {"AddPartitionsToTxn", 24, {RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS, RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS}},
      {"EndTxn", 26, {RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NOT_COORDINATOR}},
  };
  for (int round = 0; round < 2; ++round) {
    for (const Fault& fault : faults) {
      const auto started = std::chrono::steady_clock::now();
      Cluster().PushRequestErrors(fault.api_key, fault.errors);
      EXPECT_TRUE(appenders.WaitForProgress(20, std::chrono::seconds(30))) << "no progress after " << fault.name << " errors";
      std::printf("%s errors: 20 more events acknowledged after %.0f ms\n", fault.name,
                  std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
    }
  }
  appenders.Stop();
  for (const Fault& fault : faults) Cluster().ClearRequestErrors(fault.api_key);
  const auto acked = appenders.acked();
  std::printf("injected errors: %zu events acknowledged, %d appends failed (%s)\n", acked.size(), appenders.failures(),
              appenders.last_error().c_str());
  EXPECT_GT(acked.size(), 0u);
  const int unacked = ExpectExactlyOnce(*log, {0, 1, 2, 3}, acked);
  std::printf("events in the log that were not acknowledged: %d\n", unacked);
  for (int p = 0; p < kPartitions; ++p) ExpectIndexMatchesLog(*log, p);
  // Still writable afterwards.
  EXPECT_TRUE(log->Append(OneStream("t_after", "s", ExpectedVersion::Any(), MakeEvents(1))).ok());
}

TEST(KafkaEventLog, BrokerDownAndUpLosesAndDuplicatesNothingAcknowledged) {
  constexpr int kPartitions = 4;
  const std::string topic = UniqueName("broker-down");
  ASSERT_TRUE(Cluster().CreateTopic(topic, kPartitions));
  TempDir dir;
  auto log = OpenSoleWriter(topic, topic + "-writers", kPartitions, "node-1", dir.Sub("a"));
  ASSERT_NE(log, nullptr);
  Appenders appenders(*log, kPartitions, 4);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ASSERT_TRUE(Cluster().SetBrokerDown(2));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  ASSERT_TRUE(Cluster().SetBrokerUp(2));
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  appenders.Stop();
  const auto acked = appenders.acked();
  std::printf("broker down/up: %zu events acknowledged, %d appends failed (%s)\n", acked.size(), appenders.failures(),
              appenders.last_error().c_str());
  EXPECT_GT(acked.size(), 0u);
  const int unacked = ExpectExactlyOnce(*log, {0, 1, 2, 3}, acked);
  std::printf("events in the log that were not acknowledged: %d\n", unacked);
  for (int p = 0; p < kPartitions; ++p) ExpectIndexMatchesLog(*log, p);
}

// With every broker gone, one end-offset query waits out its timeout and the next ones fail at once
// (the lag gauges ask for every partition, and shutdown waits for them); once the brokers are back,
// queries answer again.
// A writer that cannot start (here: its InitProducerId refused once, as a coordinator moving or an
// ACL being fixed would) refuses appends for a while and then starts over, rather than leaving the
// partition dead on a node that keeps it assigned.
TEST(KafkaEventLog, AWriterThatCannotStartRetriesAndTakesThePartition) {
  constexpr int kPartitions = 2;
  const std::string topic = UniqueName("writer-retry");
  ASSERT_TRUE(Cluster().CreateTopic(topic, kPartitions));
  Cluster().PushRequestErrors(22 /* InitProducerId */, {RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED});
  TempDir dir;
  const auto started = std::chrono::steady_clock::now();
  auto log = OpenSoleWriter(topic, topic + "-writers", kPartitions, "node-1", dir.Sub("a"));
  ASSERT_NE(log, nullptr);
  std::printf("both partitions writable %.0f ms after open began\n",
              std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
  EXPECT_EQ(log->OwnedPartitions(), (std::vector<int>{0, 1}));
  for (int p = 0; p < kPartitions; ++p) {
    auto r = log->Append(OneStream(TenantOnPartition(p, kPartitions), "s", ExpectedVersion::NoStream(), MakeEvents(2)));
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->partition, p);
  }
  for (int p = 0; p < kPartitions; ++p) ExpectIndexMatchesLog(*log, p);
}

TEST(KafkaEventLog, EndOffsetsFailFastWhileTheBrokersDoNotAnswer) {
  KafkaMockCluster cluster(1);  // its own cluster: the others' tests keep theirs
  const std::string topic = UniqueName("gone");
  ASSERT_TRUE(cluster.CreateTopic(topic, 2, 1));
  TempDir dir;
  KafkaLogOptions o = Options(topic, topic + "-writers", 2, "node-1", dir.Sub("a"));
  o.brokers = cluster.bootstraps();
  o.replication = 1;
  o.wait_for_all_partitions = true;
  auto log = MustOpen(o);
  ASSERT_NE(log, nullptr);
  ASSERT_TRUE(log->EndOffset(0).ok());

  ASSERT_TRUE(cluster.SetBrokerDown(1));
  auto first = log->EndOffset(0);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code, LogError::Code::kUnavailable);
  auto next = log->EndOffset(1);
  ASSERT_FALSE(next.ok());
  EXPECT_NE(next.error().message.find("did not answer the last query"), std::string::npos) << next.error().message;

  ASSERT_TRUE(cluster.SetBrokerUp(1));
  bool answered = false;
  for (int i = 0; i < 100 && !answered; ++i) {
    answered = log->EndOffset(1).ok();
    if (!answered) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(answered) << "end offsets must come back with the brokers";
}

TEST(KafkaEventLog, ConcurrentAppendsShareTransactions) {
  constexpr int kPartitions = 4;
  const std::string topic = UniqueName("throughput");
  ASSERT_TRUE(Cluster().CreateTopic(topic, kPartitions));
  TempDir dir;
  auto log = OpenSoleWriter(topic, topic + "-writers", kPartitions, "node-1", dir.Sub("a"));
  ASSERT_NE(log, nullptr);
  constexpr int kThreads = 64;
  constexpr int kPerThread = 40;
  std::atomic<int> failures{0};
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (!log->Append(OneStream("t_" + std::to_string(t), "s", ExpectedVersion::Any(), MakeEvents(1))).ok()) {
          failures.fetch_add(1);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_EQ(failures.load(), 0);
  const double appends = kThreads * kPerThread;
  const auto txns = log->CommittedTransactions();
  EXPECT_LT(txns, static_cast<std::uint64_t>(appends));
  std::printf("%d threads: %.0f appends/s, %.1f appends per Kafka transaction\n", kThreads, appends / seconds,
              appends / static_cast<double>(txns));
}

// A zombie: a writer that lost its partitions without noticing (paused, or cut off from the group)
// and keeps appending. Two writer groups on one topic make each node believe it owns every
// partition. The new owner's fence makes the zombie's next append land away from where the zombie
// expects it, so the append fails, counts for no reader, and the zombie stops writing for good.
TEST(KafkaEventLog, AWriterFencedByANewOwnerFailsItsAppendAndWritesNothing) {
  constexpr int kPartitions = 2;
  const std::string topic = UniqueName("zombie");
  ASSERT_TRUE(Cluster().CreateTopic(topic, kPartitions));
  TempDir dir;
  auto a = OpenSoleWriter(topic, topic + "-old-writers", kPartitions, "node-a", dir.Sub("a"));
  ASSERT_NE(a, nullptr);
  const std::string tenant = TenantOnPartition(0, kPartitions);
  auto first = OneStream(tenant, "counter", ExpectedVersion::NoStream(), MakeEvents(2));
  ASSERT_TRUE(a->Append(first).ok());

  auto b = OpenSoleWriter(topic, topic + "-new-writers", kPartitions, "node-b", dir.Sub("b"));
  ASSERT_NE(b, nullptr);
  auto version = b->StreamVersion(tenant, "counter");
  ASSERT_TRUE(version.ok()) << version.error().message;
  EXPECT_EQ(*version, 2);

  // A still believes it owns the partition; its append is written behind B's fence, and re-reading
  // the partition A finds the fence and refuses the append.
  auto zombie_request = OneStream(tenant, "counter", ExpectedVersion::Exact(2), MakeEvents(1));
  auto zombie = a->Append(zombie_request);
  ASSERT_FALSE(zombie.ok()) << "the zombie's append was acknowledged";
  EXPECT_EQ(zombie.error().code, LogError::Code::kUnavailable);
  EXPECT_NE(zombie.error().message.find("fenced: node node-b"), std::string::npos) << zombie.error().message;
  // From now on A refuses the partition at once.
  auto again = a->Append(OneStream(tenant, "other", ExpectedVersion::Any(), MakeEvents(1)));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, LogError::Code::kUnavailable);
  EXPECT_NE(again.error().message.find("fenced: node node-b"), std::string::npos) << again.error().message;
  EXPECT_EQ(a->OwnedPartitions(), std::vector<int>{1});  // only partition 0 had a write to notice with
  auto stale_read = a->StreamVersion(tenant, "counter");
  ASSERT_FALSE(stale_read.ok());

  // No reader counts the zombie's event: not the new owner, not a reader, not the partition's end.
  KafkaLogOptions orr = Options(topic, topic + "-new-writers", kPartitions, "reader", "");
  orr.writer = false;
  auto reader = KafkaEventLog::Open(orr);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  auto events = (*reader)->ReadPartition(0, 0, 100);
  ASSERT_TRUE(events.ok()) << events.error().message;
  ASSERT_EQ(events->size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) EXPECT_EQ((*events)[i].event_id, first.streams[0].events[i].event_id);
  auto sub = (*reader)->Subscribe(0, 0);
  auto followed = sub->Next(100, std::chrono::seconds(1));
  ASSERT_TRUE(followed.ok());
  EXPECT_EQ(followed->size(), 2u);
  // B's first append after the zombie's lands behind the zombie's record, away from where B
  // expected it; B re-reads the partition and runs it again, unseen by its caller.
  auto next = b->Append(OneStream(tenant, "counter", ExpectedVersion::Exact(2), MakeEvents(1)));
  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_EQ(next->stream_versions, std::vector<std::int64_t>{3});
  ExpectIndexMatchesLog(*b, 0);

  // A new writer with empty state (a restart elsewhere) rebuilds the same view from the topic.
  b.reset();
  auto c = OpenSoleWriter(topic, topic + "-new-writers", kPartitions, "node-c", dir.Sub("c"));
  ASSERT_NE(c, nullptr);
  auto rebuilt = c->ReadStream(tenant, "counter", 1, 100);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.error().message;
  ASSERT_EQ(rebuilt->size(), 3u);
  for (const auto& e : *rebuilt) EXPECT_NE(e.event_id, zombie_request.streams[0].events[0].event_id);
  ExpectIndexMatchesLog(*c, 0);
}

// The same split brain under load: the zombie keeps appending from several threads while the new
// owner takes over. What the zombie acknowledged is in the log exactly once, the new owner's index
// equals what readers see, and the zombie ends up refusing every append.
TEST(KafkaEventLog, AZombieUnderLoadLosesNothingItAcknowledgedAndStops) {
  constexpr int kPartitions = 2;
  const std::string topic = UniqueName("zombie-load");
  ASSERT_TRUE(Cluster().CreateTopic(topic, kPartitions));
  TempDir dir;
  auto a = OpenSoleWriter(topic, topic + "-old-writers", kPartitions, "node-a", dir.Sub("a"));
  ASSERT_NE(a, nullptr);
  Appenders appenders(*a, kPartitions, 4);
  ASSERT_TRUE(appenders.WaitForProgress(50, std::chrono::seconds(20)));
  auto b = OpenSoleWriter(topic, topic + "-new-writers", kPartitions, "node-b", dir.Sub("b"));
  ASSERT_NE(b, nullptr);
  // Every zombie thread keeps hitting both partitions, so both fences are found.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!a->OwnedPartitions().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  appenders.Stop();
  EXPECT_TRUE(a->OwnedPartitions().empty());
  std::printf("zombie: %zu appends acknowledged, %d refused (last: %s)\n", appenders.acked_count(),
              appenders.failures(), appenders.last_error().c_str());
  EXPECT_GT(appenders.failures(), 0);

  const int unacked = ExpectExactlyOnce(*b, {0, 1}, appenders.acked());
  // On a broker the zombie's failed transactions are aborted, so this is 0; the mock shows aborted
  // records, and a transaction cut by the fence leaves its records before the fence visible.
  std::printf("events in the log that the zombie did not acknowledge: %d\n", unacked);
  for (int p = 0; p < kPartitions; ++p) ExpectIndexMatchesLog(*b, p);
  for (int p = 0; p < kPartitions; ++p) {
    auto r = b->Append(OneStream(TenantOnPartition(p, kPartitions, "after"), "s", ExpectedVersion::NoStream(), MakeEvents(1)));
    EXPECT_TRUE(r.ok()) << r.error().message;
  }
}

}  // namespace
}  // namespace switchboard::testing

namespace switchboard::testing {
namespace {

TEST(KafkaEventLog, AReaderJoinsNoGroupReadsEveryPartitionAndRefusesWrites) {
  constexpr int kPartitions = 2;
  const std::string topic = UniqueName("reader");
  ASSERT_TRUE(Cluster().CreateTopic(topic, kPartitions));
  TempDir dir;
  auto writer = OpenSoleWriter(topic, topic + "-writers", kPartitions, "writer", dir.Sub("w"));
  ASSERT_NE(writer, nullptr);
  const std::string tenant = TenantOnPartition(1, kPartitions);
  ASSERT_TRUE(writer->Append(OneStream(tenant, "s", ExpectedVersion::NoStream(), MakeEvents(3))).ok());

  KafkaLogOptions orr = Options(topic, topic + "-writers", kPartitions, "reader", "");
  orr.writer = false;
  auto reader = KafkaEventLog::Open(orr);
  ASSERT_TRUE(reader.ok()) << reader.error().message;
  auto events = (*reader)->ReadPartition(1, 0, 100);
  ASSERT_TRUE(events.ok()) << events.error().message;
  EXPECT_EQ(events->size(), 3u);
  auto refused = (*reader)->Append(OneStream(tenant, "s", ExpectedVersion::Any(), MakeEvents(1)));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, LogError::Code::kUnavailable);
  EXPECT_NE(refused.error().message.find("read-only"), std::string::npos) << refused.error().message;
  // The writer kept every partition: the reader never joined its group.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(writer->OwnedPartitions(), (std::vector<int>{0, 1}));
  EXPECT_TRUE(writer->Append(OneStream(tenant, "s", ExpectedVersion::Exact(3), MakeEvents(1))).ok());
}

}  // namespace
}  // namespace switchboard::testing
