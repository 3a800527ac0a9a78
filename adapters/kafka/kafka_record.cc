#include "adapters/kafka/kafka_record.h"

#include <nlohmann/json.hpp>

namespace switchboard::adapters {

std::string EncodeFence(const Fence& fence) {
  return nlohmann::json{{"fence", {{"node_id", fence.node_id}, {"session", fence.session}}}}.dump();
}

KafkaRecord ClassifyRecord(std::string_view value, std::string_view control, int partition, std::int64_t offset) {
  KafkaRecord record;
  try {
    if (control == kFenceControl) {
      const auto j = nlohmann::json::parse(value).at("fence");
      record.fence.node_id = j.at("node_id").get<std::string>();
      record.fence.session = j.at("session").get<std::string>();
      record.kind = KafkaRecord::Kind::kFence;
      return record;
    }
    if (!control.empty()) return record;  // a control record of a later version: not an event
    record.event = commands::DecodeEnvelope(value);
  } catch (const nlohmann::json::exception&) {
    return record;
  }
  const std::int64_t expected = record.event.offset;
  record.event.partition = partition;
  record.event.offset = offset;
  record.kind = expected < 0 || expected == offset ? KafkaRecord::Kind::kEvent : KafkaRecord::Kind::kDisplaced;
  return record;
}

int MarkerWidth(std::int64_t fence_offset, std::int64_t end_after_fence, bool record_at_fence_plus_one) {
  if (record_at_fence_plus_one || end_after_fence == fence_offset + 1) return 0;
  return 1;
}

}  // namespace switchboard::adapters
