// ProjectionEngine and Rebuild on the Kafka log (librdkafka's mock cluster). A Kafka partition holds
// records that are not events (each owner's fence; on a broker also transaction markers), so the
// end of a partition can lie past its last event, or a partition can hold no event at all. Lag
// still reaches 0 and a rebuild still gets to the end.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "adapters/kafka/kafka_event_log.h"
#include "engine_test_support.h"
#include "projections/engine/catalog.h"
#include "projections/engine/projection_engine.h"
#include "projections/engine/rebuild.h"
#include "tests/support/kafka_mock_cluster.h"

namespace switchboard::enginetest {
namespace {

using namespace std::chrono_literals;

TEST(ProjectionEngineOnKafka, LagReachesZeroAndARebuildFinishesPastRecordsThatAreNotEvents) {
  testing::KafkaMockCluster cluster(1);
  ASSERT_TRUE(cluster.CreateTopic("events", 2, 1));
  TempDir dir;
  adapters::KafkaLogOptions o;
  o.brokers = cluster.bootstraps();
  o.partitions = 2;
  o.replication = 1;
  o.topic = "events";
  o.node_id = "engine-test";
  o.state_dir = dir.path() + "/kafka";
  o.wait_for_all_partitions = true;
  o.client_config = {{"log_level", "3"}};
  auto opened = adapters::KafkaEventLog::Open(o);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  auto& log = **opened;
  AppendEvents(log, 0, 300, /*tenants=*/1);  // one tenant: the other partition holds only its fence
  const int busy = commands::PartitionOf("t_0", 2);
  auto ends = EndOffsets(log);
  ASSERT_EQ(ends[1 - busy], 1) << "the idle partition holds its owner's fence";

  MigratedDatabase db;
  auto pool = OpenPool(db.conninfo(), 4);
  CountingProjection live_seen, rebuild_seen;
  projections::ProjectionEngine engine(
      log, *pool, {&live_seen},
      {.max_batch_delay = 5ms, .on_error = [](int p, std::string_view m) { std::printf("partition %d: %.*s\n", p, static_cast<int>(m.size()), m.data()); }});
  ASSERT_TRUE(engine.Start().ok());
  ASSERT_TRUE(engine.WaitFor(busy, ends[busy] - 1, 30s));
  bool caught_up = false;
  for (int i = 0; i < 200 && !caught_up; ++i) {
    caught_up = true;
    for (const auto& s : engine.Lag()) caught_up = caught_up && s.lag == 0;
    if (!caught_up) std::this_thread::sleep_for(50ms);
  }
  for (const auto& s : engine.Lag()) {
    EXPECT_EQ(s.lag, 0) << "partition " << s.partition << " end " << s.end_offset << " applied " << s.applied;
  }
  auto sql = Connect(db.conninfo());
  EXPECT_TRUE(Actual(*sql, "seen_v1") == Expected(AllEvents(log)));

  auto rebuilt = projections::Rebuild(log, *pool, rebuild_seen);
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.error().message;
  engine.Stop();
  auto live = projections::LiveSchema(*sql, "seen");
  ASSERT_TRUE(live.ok());
  EXPECT_EQ(*live, "seen_v2");
  EXPECT_TRUE(Actual(*sql, "seen_v2") == Expected(AllEvents(log)));
}

}  // namespace
}  // namespace switchboard::enginetest
