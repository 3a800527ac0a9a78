// Which records of the events topic count (adapters/kafka/kafka_record.h), on bytes.
#include "adapters/kafka/kafka_record.h"

#include <gtest/gtest.h>

#include "commands/recorded_event.h"

namespace switchboard::adapters {
namespace {

std::string EnvelopeAt(std::int64_t offset) {
  commands::RecordedEvent e;
  e.event_id = "evt-1";
  e.type = "CustomerCreated";
  e.schema_version = 1;
  e.tenant_id = "t1";
  e.stream = "customer-1";
  e.stream_version = 1;
  e.partition = 0;
  e.offset = offset;
  e.occurred_at = "2026-11-28T10:00:00.000Z";
  e.recorded_at = "2026-11-28T10:00:00.001Z";
  e.data = {{"name", "Ada"}};
  return commands::EncodeEnvelope(e);
}

TEST(KafkaRecord, AnEventCountsWhereItsWriterExpectedIt) {
  const KafkaRecord r = ClassifyRecord(EnvelopeAt(41), "", 3, 41);
  ASSERT_EQ(r.kind, KafkaRecord::Kind::kEvent);
  EXPECT_EQ(r.event.event_id, "evt-1");
  EXPECT_EQ(r.event.partition, 3);  // the broker's partition and offset, not the envelope's
  EXPECT_EQ(r.event.offset, 41);
}

TEST(KafkaRecord, AnEventElsewhereWasWrittenByAStaleOwner) {
  EXPECT_EQ(ClassifyRecord(EnvelopeAt(41), "", 3, 42).kind, KafkaRecord::Kind::kDisplaced);
  EXPECT_EQ(ClassifyRecord(EnvelopeAt(43), "", 3, 42).kind, KafkaRecord::Kind::kDisplaced);
}

TEST(KafkaRecord, AnEventWithoutAnExpectedOffsetCountsAnywhere) {
  const KafkaRecord r = ClassifyRecord(EnvelopeAt(-1), "", 0, 7);
  ASSERT_EQ(r.kind, KafkaRecord::Kind::kEvent);
  EXPECT_EQ(r.event.offset, 7);
}

TEST(KafkaRecord, FencesRoundTripAndAreNotEvents) {
  const KafkaRecord r = ClassifyRecord(EncodeFence({"serve-2", "abc123"}), kFenceControl, 1, 9);
  ASSERT_EQ(r.kind, KafkaRecord::Kind::kFence);
  EXPECT_EQ(r.fence.node_id, "serve-2");
  EXPECT_EQ(r.fence.session, "abc123");
  // An envelope under a control header is not an event either.
  EXPECT_EQ(ClassifyRecord(EnvelopeAt(9), "something-later", 1, 9).kind, KafkaRecord::Kind::kUndecodable);
}

TEST(KafkaRecord, GarbageIsUndecodable) {
  EXPECT_EQ(ClassifyRecord("not json", "", 0, 0).kind, KafkaRecord::Kind::kUndecodable);
  EXPECT_EQ(ClassifyRecord("{}", "", 0, 0).kind, KafkaRecord::Kind::kUndecodable);
  EXPECT_EQ(ClassifyRecord("{}", kFenceControl, 0, 0).kind, KafkaRecord::Kind::kUndecodable);
  EXPECT_EQ(ClassifyRecord("", "", 0, 0).kind, KafkaRecord::Kind::kUndecodable);
}

TEST(KafkaRecord, MarkerWidthFromTheEndAfterTheFence) {
  EXPECT_EQ(MarkerWidth(10, 11, false), 0);  // mock: no marker after the fence
  EXPECT_EQ(MarkerWidth(10, 12, false), 1);  // broker: the commit marker at 11
  EXPECT_EQ(MarkerWidth(10, 15, false), 1);
  EXPECT_EQ(MarkerWidth(10, 15, true), 0);   // a stale writer's record right behind the fence: no marker
}

}  // namespace
}  // namespace switchboard::adapters
