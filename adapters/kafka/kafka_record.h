// What a record of the events topic is, and whether it counts. Two kinds of record share the topic:
//   - events: the DESIGN envelope, with the offset its writer expected the broker to give it;
//   - fences: written by each new owner of a partition before it reads the partition's tail, with
//     the header "switchboard-control: fence".
// An event counts only where its writer expected it: a writer computes every offset of its
// transaction from its own view of the partition and commits only when the broker put the records
// exactly there. A record that landed elsewhere was written by a writer whose view was stale (a
// zombie that lost the partition, whose transaction a real broker aborts and fences, but which
// librdkafka's mock cluster makes visible), so every reader skips it. Envelopes stored with offset
// -1 (written before the offset was recorded) count wherever they are.
// Pure functions; the tests run them on bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "commands/recorded_event.h"

namespace switchboard::adapters {

inline constexpr char kControlHeader[] = "switchboard-control";
inline constexpr char kFenceControl[] = "fence";

struct Fence {
  std::string node_id;  // the owner that wrote it
  std::string session;  // unique per ownership: which writer of that node
};

std::string EncodeFence(const Fence& fence);

struct KafkaRecord {
  enum class Kind { kEvent, kFence, kDisplaced, kUndecodable };
  Kind kind = Kind::kUndecodable;
  commands::RecordedEvent event;  // kEvent: partition and offset from the broker
  Fence fence;                    // kFence
};

// control: the value of the kControlHeader header, empty without one.
KafkaRecord ClassifyRecord(std::string_view value, std::string_view control, int partition, std::int64_t offset);

// How many offsets a committed transaction's marker takes after its last record: 1 on a Kafka
// broker, 0 on librdkafka's mock (which writes no markers). Learned from the fence transaction:
// after it commits, the read_committed end is fence+1 without a marker and fence+2 with one, unless
// a stale writer appended behind the fence; then a record at fence+1 shows there is no marker.
int MarkerWidth(std::int64_t fence_offset, std::int64_t end_after_fence, bool record_at_fence_plus_one);

}  // namespace switchboard::adapters
