// KafkaPartitionGroup on librdkafka's mock cluster: two members split the topic's partitions, and
// when one leaves, its partitions are revoked from it before the other is assigned all of them.
#include "adapters/kafka/kafka_partition_group.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/kafka_mock_cluster.h"

namespace switchboard::testing {
namespace {

using adapters::KafkaPartitionGroup;

// Records what a member was given; `events` orders every callback of both members.
struct Member {
  std::mutex* mu;
  std::vector<std::string>* events;
  std::string name;
  std::set<int> held;

  adapters::PartitionGroupCallbacks Callbacks() {
    return {[this](const std::vector<int>& ps) {
              std::lock_guard lock(*mu);
              for (int p : ps) held.insert(p);
              events->push_back(name + "+" + std::to_string(ps.size()));
            },
            [this](const std::vector<int>& ps) {
              std::lock_guard lock(*mu);
              for (int p : ps) held.erase(p);
              events->push_back(name + "-" + std::to_string(ps.size()));
            }};
  }
  std::set<int> Held() {
    std::lock_guard lock(*mu);
    return held;
  }
};

bool WaitUntil(const std::function<bool()>& done, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

TEST(KafkaPartitionGroup, MembersSplitThePartitionsAndTheSurvivorTakesAllOver) {
  KafkaMockCluster cluster(3);
  constexpr int kPartitions = 4;
  ASSERT_TRUE(cluster.CreateTopic("switchboard.events", kPartitions));
  adapters::KafkaLogOptions options;
  options.brokers = cluster.bootstraps();
  options.client_config = {{"log_level", "3"}};
  std::mutex mu;
  std::vector<std::string> events;
  Member a{&mu, &events, "a", {}}, b{&mu, &events, "b", {}};

  options.node_id = "member-a";
  auto group_a = KafkaPartitionGroup::Join(options, "test-projections", a.Callbacks());
  ASSERT_TRUE(group_a.ok()) << group_a.error().message;
  ASSERT_TRUE(WaitUntil([&] { return a.Held().size() == kPartitions; }, std::chrono::seconds(30)));

  options.node_id = "member-b";
  auto group_b = KafkaPartitionGroup::Join(options, "test-projections", b.Callbacks());
  ASSERT_TRUE(group_b.ok()) << group_b.error().message;
  ASSERT_TRUE(WaitUntil([&] { return !b.Held().empty() && a.Held().size() + b.Held().size() == kPartitions; },
                        std::chrono::seconds(30)));
  std::set<int> all = a.Held();
  for (int p : b.Held()) EXPECT_TRUE(all.insert(p).second) << "partition " << p << " held twice";
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kPartitions));
  std::vector<int> assigned_b = (*group_b)->Assigned();
  EXPECT_EQ(std::set<int>(assigned_b.begin(), assigned_b.end()), b.Held());

  group_b->reset();  // leaves: its partitions are revoked from it first
  EXPECT_TRUE(b.Held().empty());
  ASSERT_TRUE(WaitUntil([&] { return a.Held().size() == kPartitions; }, std::chrono::seconds(30)));
  std::lock_guard lock(mu);
  const auto b_left = std::find(events.begin(), events.end(), "b-" + std::to_string(assigned_b.size()));
  ASSERT_NE(b_left, events.end()) << "b was told to stop";
  EXPECT_NE(std::find(b_left, events.end(), "a+" + std::to_string(kPartitions)), events.end())
      << "a got every partition only after b stopped";
}

}  // namespace
}  // namespace switchboard::testing
