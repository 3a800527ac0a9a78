// KafkaEventLog: ownership through the writer group, one transactional writer thread per owned
// partition (group commit), the local RocksDB index, and read_committed readers.
//
// Local state (one RocksDB database, default column family; integers big-endian):
//   "m"                                   -> {"topic","partitions"} of the log this directory belongs to
//   'a' [u32 p]                           -> [u64] applied offset: every event below it is in the index
//   'v' [u32 p] StreamKey                 -> [u64] the stream's last version
//   'e' [u32 p] StreamKey [u64 version]   -> [u64 offset] envelope bytes as stored in Kafka
//   'i' [u32 p] [u32 len] tenant key      -> JSON of the first AppendResult under that key
// StreamKey is [u32 len] tenant [u32 len] stream (prefix-free). All entries a transaction produces,
// and the applied offset, go into one WriteBatch after commit_transaction succeeded, so the index
// never holds an event that is not committed in Kafka, and a restart resumes from the applied offset.
//
// Writer thread of partition p (started on assignment, stopped on revocation or shutdown):
//   1. creates its producer (transactional.id "switchboard-events-<topic>-p<p>") and calls
//      init_transactions: on a real broker this fences the previous owner and completes (aborts) its
//      open transaction, so the partition's committed content is final from here on;
//   2. commits a fence record of its own (kafka_record.h): any stale owner's next transaction lands
//      behind it, away from where that owner expects, on any broker;
//   3. loads the stream versions and the applied offset from RocksDB, reads the partition from the
//      applied offset to the end with a read_committed consumer and applies what counts (a newer
//      owner's fence there ends this ownership); the end is where its next record must land;
//   4. becomes ready; then loops: takes every queued append (a group), checks expected versions and
//      idempotency keys against the index plus the group's own earlier appends, runs one Kafka
//      transaction (begin, produce all with their expected offsets, flush, check that every record
//      landed where expected, commit), writes the index batch, and wakes the appenders.
// When a transaction fails, the writer re-reads the partition from its applied offset (a resync)
// before the next group, so the index again equals what read_committed readers see, whatever the
// broker made of the failed transaction; a group whose records another writer displaced runs again
// on the re-read view. A fatal producer error (fenced by the broker) ends the ownership.
#include "adapters/kafka/kafka_event_log.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <filesystem>
#include <functional>
#include <limits>
#include <mutex>
#include <optional>
#include <random>
#include <shared_mutex>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <librdkafka/rdkafka.h>
#include <nlohmann/json.hpp>
#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/write_batch.h>

#include "adapters/kafka/kafka_client.h"
#include "adapters/kafka/kafka_record.h"
#include "adapters/rocksdb/envelope_template.h"

namespace switchboard::adapters {

using commands::AppendRequest;
using commands::AppendResult;
using commands::ExpectedVersion;
using commands::LogError;
using commands::RecordedEvent;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kTxnTimeoutMs = 30000;
constexpr std::chrono::seconds kReadTimeout{15};
constexpr std::size_t kMaxAppendsPerGroup = 2000;

LogError MakeError(LogError::Code code, std::string message) {
  LogError e;
  e.code = code;
  e.message = std::move(message);
  return e;
}
LogError Invalid(std::string m) { return MakeError(LogError::Code::kInvalid, std::move(m)); }
LogError Unavailable(std::string m) { return MakeError(LogError::Code::kUnavailable, std::move(m)); }
LogError Io(std::string m) { return MakeError(LogError::Code::kIo, std::move(m)); }

// --- keys ------------------------------------------------------------------------------------------

void PutU32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}
void PutU64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}
std::uint64_t GetU64(const char* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

std::string PartitionPrefix(char kind, int partition) {
  std::string k(1, kind);
  PutU32(k, static_cast<std::uint32_t>(partition));
  return k;
}
std::string StreamKey(std::string_view tenant_id, std::string_view stream) {
  std::string k;
  PutU32(k, static_cast<std::uint32_t>(tenant_id.size()));
  k.append(tenant_id);
  PutU32(k, static_cast<std::uint32_t>(stream.size()));
  k.append(stream);
  return k;
}
std::string AppliedKey(int p) { return PartitionPrefix('a', p); }
std::string VersionKey(int p, std::string_view stream_key) { return PartitionPrefix('v', p).append(stream_key); }
std::string EventKey(int p, std::string_view stream_key, std::int64_t version) {
  std::string k = PartitionPrefix('e', p).append(stream_key);
  PutU64(k, static_cast<std::uint64_t>(version));
  return k;
}
std::string IdempotencyKey(int p, std::string_view tenant_id, std::string_view key) {
  std::string k = PartitionPrefix('i', p);
  PutU32(k, static_cast<std::uint32_t>(tenant_id.size()));
  k.append(tenant_id);
  k.append(key);
  return k;
}
std::string U64Value(std::int64_t v) {
  std::string s;
  PutU64(s, static_cast<std::uint64_t>(v));
  return s;
}




// A record read back from Kafka, classified (kafka_record.h).
KafkaRecord ClassifyMessage(const rd_kafka_message_t* m) {
  std::string_view control;
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const void* value = nullptr;
    std::size_t size = 0;
    if (rd_kafka_header_get_last(headers, kControlHeader, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR && value) {
      control = std::string_view(static_cast<const char*>(value), size);
    }
  }
  const std::string_view payload =
      m->payload ? std::string_view(static_cast<const char*>(m->payload), m->len) : std::string_view();
  return ClassifyRecord(payload, control, m->partition, m->offset);
}

// The event of a record, when it is one that counts.
std::optional<RecordedEvent> EventOf(const rd_kafka_message_t* m) {
  KafkaRecord r = ClassifyMessage(m);
  if (r.kind != KafkaRecord::Kind::kEvent) return std::nullopt;
  return std::move(r.event);
}

// --- librdkafka clients ----------------------------------------------------------------------------

std::string ErrorText(const rd_kafka_error_t* e) {
  return std::string(rd_kafka_error_name(e)) + ": " + rd_kafka_error_string(e);
}

// A read_committed consumer that is only ever assigned (never subscribes), for one reader at a time.
Result<RkPtr, LogError> NewReader(const KafkaLogOptions& o) {
  return NewClient(RD_KAFKA_CONSUMER, o,
                   {{"group.id", o.group + "-readers"},  // required by assign(); never joined
                    {"isolation.level", "read_committed"},
                    {"auto.offset.reset", "earliest"},
                    {"enable.partition.eof", "true"},
                    {"enable.auto.commit", "false"},
                    {"enable.auto.offset.store", "false"},
                    // The mock broker answers an empty fetch only after MaxWait, without waking on new
                    // data; a short wait bounds how late a subscription sees an append.
                    {"fetch.wait.max.ms", "10"},
                    {"fetch.error.backoff.ms", "50"}});
}

Result<void, LogError> AssignAt(rd_kafka_t* rk, const std::string& topic, int partition, std::int64_t offset) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic.c_str(), partition)->offset = offset;
  const rd_kafka_resp_err_t err = rd_kafka_assign(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err) return MakeErr(Unavailable(std::string("assign: ") + rd_kafka_err2str(err)));
  return {};
}

// Errors a consumer reports that do not stop reading (the client retries by itself).
bool TransientConsumerError(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ||
         err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__RESOLVE ||
         err == RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION || err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE ||
         err == RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT || err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET;
}

// --- appends -------------------------------------------------------------------------------------

struct PreparedStream {
  std::string key;  // StreamKey
  std::vector<EnvelopeTemplate> events;
};

struct Pending {
  const AppendRequest* request = nullptr;
  std::string idempotency_key;  // IdempotencyKey(), empty when the request has none
  std::vector<PreparedStream> streams;
  std::optional<Result<AppendResult, LogError>> result;
  bool needs_commit = false;  // the result holds only if the group's transaction commits
  bool done = false;
  int displaced_runs = 0;     // groups it was in that another writer's append displaced
};

// One produced record of a group: its value lives here until the delivery report.
struct Out {
  Pending* pending = nullptr;
  const commands::NewEvent* event = nullptr;
  std::string stream_key;
  std::int64_t version = 0;
  std::string value;
  std::int64_t expected = -1;  // where the writer's view says the broker must put it
  std::int64_t offset = -1;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__IN_PROGRESS;
};

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void*) {
  if (auto* out = static_cast<Out*>(m->_private)) {
    out->err = m->err;
    out->offset = m->err ? -1 : m->offset;
  }
}

enum class Phase { kNotOwned, kStarting, kReady, kFenced };

// One producer's ownership of a partition: its fence, and where its next record must land.
struct WriterSession {
  Fence fence;
  std::int64_t fence_offset = -1;
  int marker_width = 0;             // offsets a commit marker takes (kafka_record.h)
  std::int64_t expected_next = 0;   // the offset the next record must get, from this writer's view
  std::int64_t min_end = 0;         // the next catch-up reads at least this far (past our own records)
  std::string fenced_by;            // set by a catch-up that finds a newer owner's fence
};

std::string NewSessionId() {
  std::random_device random;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%08x%08x", random(), random());
  return buf;
}

}  // namespace

namespace detail {

struct PartitionSlot {
  int partition = 0;
  std::mutex mu;                    // phase, queue, stop, Pending::done
  std::condition_variable work_cv;  // wakes the writer
  std::condition_variable done_cv;  // wakes appenders
  Phase phase = Phase::kNotOwned;
  std::string reason;               // why not owned (fenced, failed start)
  std::deque<Pending*> queue;
  bool stop = false;
  std::thread writer;

  // The index: the writer mutates it under index_mu exclusively, readers share it.
  std::shared_mutex index_mu;
  std::unordered_map<std::string, std::int64_t> versions;
  std::atomic<std::int64_t> applied{0};  // next offset the index has not seen
};

struct KafkaLogCore {
  KafkaLogOptions options;
  std::unique_ptr<rocksdb::DB> db;
  std::vector<std::unique_ptr<PartitionSlot>> slots;
  std::atomic<bool> closed{false};
  std::atomic<std::uint64_t> transactions{0};

  // Ownership consumer and its poll thread.
  RkPtr group;
  std::thread group_thread;
  std::atomic<bool> stopping{false};
  std::mutex ownership_mu;  // with ownership_cv: signalled when a slot's phase or the assignment changes
  std::condition_variable ownership_cv;
  bool assigned_once = false;

  // Idle read_committed consumers.
  std::mutex readers_mu;
  std::vector<RkPtr> readers;

  // After an end-offset query timed out, further ones fail at once for a while instead of each
  // waiting out its own timeout (lag gauges query every partition; shutdown waits for them).
  std::atomic<std::int64_t> end_queries_failing_until_ms{0};

  // Owner names learned from the group's committed offset metadata.
  std::mutex owners_mu;
  std::vector<std::pair<Clock::time_point, std::string>> owners;

  ~KafkaLogCore() { Shutdown(); }

  void Log(const std::string& message) const {
    std::fprintf(stderr, "KafkaEventLog[%s]: %s\n", options.node_id.c_str(), message.c_str());
  }
  void NotifyOwnership() {
    { std::lock_guard lock(ownership_mu); }
    ownership_cv.notify_all();
  }

  // Readers ---------------------------------------------------------------------------------------
  Result<RkPtr, LogError> TakeReader() {
    {
      std::lock_guard lock(readers_mu);
      if (!readers.empty()) {
        RkPtr r = std::move(readers.back());
        readers.pop_back();
        return r;
      }
    }
    return NewReader(options);
  }
  void ReturnReader(RkPtr r) {
    rd_kafka_assign(r.get(), nullptr);
    std::lock_guard lock(readers_mu);
    if (readers.size() < 4) readers.push_back(std::move(r));
  }
  // fail_fast: honour end_queries_failing_until_ms (EndOffset); writers always ask the brokers.
  Result<std::int64_t, LogError> HighWatermark(rd_kafka_t* rk, int partition, bool fail_fast = false) {
    // ListOffsets(LATEST) with the client's isolation level: the LSO for read_committed.
    // rd_kafka_query_watermark_offsets sends the same request but, before librdkafka 2.3.0, never
    // times out while the leader is unreachable (librdkafka#2588, fixed by #4460; Debian 12 ships
    // 2.0.2), which hung `serve`'s shutdown; offsets_for_times honours its timeout.
    const auto now_ms = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
    };
    if (fail_fast && now_ms() < end_queries_failing_until_ms.load()) {
      return MakeErr(Unavailable("end offset of partition " + std::to_string(partition) +
                                 ": the brokers did not answer the last query"));
    }
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, options.topic.c_str(), partition)->offset = RD_KAFKA_OFFSET_END;
    rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(rk, list, 5000);
    if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) end_queries_failing_until_ms = now_ms() + 3000;
    if (!err) err = list->elems[0].err;
    const std::int64_t high = list->elems[0].offset;
    rd_kafka_topic_partition_list_destroy(list);
    if (err || high < 0) {
      return MakeErr(Unavailable("end offset of partition " + std::to_string(partition) + ": " +
                                 (err ? rd_kafka_err2str(err) : "no offset returned")));
    }
    return high;
  }
  // Reads [from, end of partition) with a read_committed consumer, at most max events; calls
  // on_event for each in offset order. Stops at the partition end or after kReadTimeout; an error
  // only when nothing was read, so `reached` (the offset up to which the partition was read) tells a
  // caller that needs the whole range whether it got it.
  Result<void, LogError> ReadRange(int partition, std::int64_t from, std::int64_t end, std::size_t max,
                                   const std::function<void(const rd_kafka_message_t*)>& on_message,
                                   std::int64_t* reached = nullptr);

  // Ownership -------------------------------------------------------------------------------------
  Result<void, LogError> StartGroup();
  void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts);
  void StartWriter(int partition);
  void StopWriter(int partition);
  void AnnounceOwner(int partition, std::int64_t applied);
  std::string OwnerMessage(int partition);
  void Shutdown();

  // Writer ----------------------------------------------------------------------------------------
  void WriterLoop(PartitionSlot& slot);
  Result<RkPtr, LogError> NewProducer(int partition);
  // Commits this session's fence record; sets fence_offset.
  Result<void, LogError> WriteFence(PartitionSlot& slot, rd_kafka_t* producer, WriterSession& session);
  // Reads the partition from the applied offset to its end (at least session.min_end) into the
  // index; sets expected_next (and marker_width after a fence), or fenced_by.
  Result<void, LogError> CatchUp(PartitionSlot& slot, WriterSession& session, bool after_fence);
  // Runs one group; returns false when the producer must be recreated or ownership ended (fatal).
  // kDisplaced: aborted because another writer appended; the group may run again after a resync.
  enum class GroupOutcome { kOk, kFailedResync, kDisplaced, kReinit, kFenced };
  GroupOutcome CommitGroup(PartitionSlot& slot, WriterSession& session, rd_kafka_t* producer,
                           std::vector<Pending*>& group, std::string* fatal_reason);
};

Result<void, LogError> KafkaLogCore::ReadRange(int partition, std::int64_t from, std::int64_t end,
                                               std::size_t max,
                                               const std::function<void(const rd_kafka_message_t*)>& on_message,
                                               std::int64_t* reached) {
  if (reached != nullptr) *reached = from;
  if (from >= end || max == 0) return {};
  auto reader = TakeReader();
  if (!reader.ok()) return MakeErr(std::move(reader).error());
  rd_kafka_t* rk = reader->get();
  if (auto a = AssignAt(rk, options.topic, partition, from); !a.ok()) return a;
  const auto deadline = Clock::now() + kReadTimeout;
  std::size_t count = 0;
  std::int64_t position = from;
  std::optional<LogError> failure;
  while (count < max && position < end) {
    if (Clock::now() >= deadline) {
      failure = Unavailable("timed out reading partition " + std::to_string(partition) + " at offset " +
                            std::to_string(position));
      break;
    }
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      // Everything committed below the end the fetch saw has been delivered.
      if (m->partition == partition && m->offset >= position) position = std::max(position, m->offset);
      const bool at_end = m->offset >= end;
      rd_kafka_message_destroy(m);
      if (at_end) break;
      continue;
    }
    if (m->err) {
      const rd_kafka_resp_err_t err = m->err;
      rd_kafka_message_destroy(m);
      if (TransientConsumerError(err)) continue;
      failure = Unavailable("reading partition " + std::to_string(partition) + ": " + rd_kafka_err2str(err));
      break;
    }
    if (m->partition == partition && m->offset >= position) {
      on_message(m);
      ++count;
      position = m->offset + 1;
    }
    rd_kafka_message_destroy(m);
  }
  ReturnReader(std::move(*reader));
  if (reached != nullptr) *reached = position;
  if (failure && count == 0) return MakeErr(std::move(*failure));
  return {};
}

// --- ownership ---------------------------------------------------------------------------------------

namespace {
void RebalanceCallback(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                       void* opaque) {
  static_cast<KafkaLogCore*>(opaque)->OnRebalance(rk, err, parts);
}
}  // namespace

Result<void, LogError> KafkaLogCore::StartGroup() {
  auto consumer = NewClient(RD_KAFKA_CONSUMER, options,
                            {{"group.id", options.group},
                             {"enable.auto.commit", "false"},
                             {"enable.auto.offset.store", "false"},
                             {"isolation.level", "read_committed"},
                             {"auto.offset.reset", "earliest"},
                             {"session.timeout.ms", "6000"},
                             {"heartbeat.interval.ms", "500"},
                             {"allow.auto.create.topics", "false"}},
                            [this](rd_kafka_conf_t* conf) {
                              rd_kafka_conf_set_rebalance_cb(conf, RebalanceCallback);
                              rd_kafka_conf_set_opaque(conf, this);
                            });
  if (!consumer.ok()) return MakeErr(std::move(consumer).error());
  group = std::move(*consumer);
  rd_kafka_poll_set_consumer(group.get());
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, options.topic.c_str(), RD_KAFKA_PARTITION_UA);
  const rd_kafka_resp_err_t err = rd_kafka_subscribe(group.get(), topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (err) return MakeErr(Unavailable(std::string("subscribe to the writer group: ") + rd_kafka_err2str(err)));
  group_thread = std::thread([this] {
    while (!stopping.load()) {
      // Serves the rebalance callback; the assigned partitions are paused, so no message comes.
      if (rd_kafka_message_t* m = rd_kafka_consumer_poll(group.get(), 100)) rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(group.get());  // revokes (stops the writers) and leaves the group
  });
  return {};
}

void KafkaLogCore::OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts) {
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    // Start at the end and pause: this consumer only holds ownership, the writers read on their own.
    for (int i = 0; i < parts->cnt; ++i) parts->elems[i].offset = RD_KAFKA_OFFSET_END;
    rd_kafka_assign(rk, parts);
    rd_kafka_pause_partitions(rk, parts);
    std::string names;
    for (int i = 0; i < parts->cnt; ++i) {
      const int p = parts->elems[i].partition;
      names += (names.empty() ? "" : ",") + std::to_string(p);
      if (p >= 0 && p < static_cast<int>(slots.size())) StartWriter(p);
    }
    Log("assigned partitions [" + names + "]");
    {
      std::lock_guard lock(ownership_mu);
      assigned_once = true;
    }
    ownership_cv.notify_all();
    return;
  }
  // Revoked (or a rebalance error): stop writing before the new owner may start.
  std::string names;
  for (int i = 0; i < parts->cnt; ++i) {
    const int p = parts->elems[i].partition;
    names += (names.empty() ? "" : ",") + std::to_string(p);
    if (p >= 0 && p < static_cast<int>(slots.size())) StopWriter(p);
  }
  if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) Log("revoked partitions [" + names + "]");
  else Log(std::string("rebalance error ") + rd_kafka_err2str(err) + ", dropped partitions [" + names + "]");
  rd_kafka_assign(rk, nullptr);
  NotifyOwnership();
}

void KafkaLogCore::StartWriter(int partition) {
  PartitionSlot& slot = *slots[partition];
  StopWriter(partition);  // a leftover thread from an earlier assignment (e.g. fenced)
  {
    std::lock_guard lock(slot.mu);
    slot.phase = Phase::kStarting;
    slot.stop = false;
    slot.reason.clear();
  }
  slot.writer = std::thread([this, &slot] { WriterLoop(slot); });
}

void KafkaLogCore::StopWriter(int partition) {
  PartitionSlot& slot = *slots[partition];
  {
    std::lock_guard lock(slot.mu);
    slot.stop = true;
    if (slot.phase != Phase::kFenced) slot.phase = Phase::kNotOwned;
  }
  slot.work_cv.notify_all();
  if (slot.writer.joinable()) slot.writer.join();
}

void KafkaLogCore::AnnounceOwner(int partition, std::int64_t applied) {
  // The group's committed offset of a partition carries its owner's name, for kUnavailable messages
  // on the other nodes (and the applied offset, as a hint). Asynchronous; failures do not matter.
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_t* tp = rd_kafka_topic_partition_list_add(list, options.topic.c_str(), partition);
  tp->offset = applied;
  const std::string meta = "owner=" + options.node_id;
  tp->metadata = std::malloc(meta.size());
  std::memcpy(tp->metadata, meta.data(), meta.size());
  tp->metadata_size = meta.size();
  rd_kafka_commit(group.get(), list, 1);
  rd_kafka_topic_partition_list_destroy(list);
}

std::string KafkaLogCore::OwnerMessage(int partition) {
  std::string prefix = "partition " + std::to_string(partition) + " of " + options.topic;
  if (!options.writer) return prefix + ": node " + options.node_id + " opened the log read-only";
  {
    PartitionSlot& slot = *slots[partition];
    std::lock_guard lock(slot.mu);
    if (slot.phase == Phase::kFenced) return prefix + " is not writable on node " + options.node_id + ": " + slot.reason;
  }
  std::string owner;
  {
    std::lock_guard lock(owners_mu);
    auto& [when, name] = owners[partition];
    if (Clock::now() - when < std::chrono::seconds(1)) {
      owner = name;
    } else {
      rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
      rd_kafka_topic_partition_list_add(list, options.topic.c_str(), partition);
      if (rd_kafka_committed(group.get(), list, 1000) == RD_KAFKA_RESP_ERR_NO_ERROR &&
          list->elems[0].metadata_size > 6) {
        const std::string meta(static_cast<const char*>(list->elems[0].metadata), list->elems[0].metadata_size);
        if (meta.rfind("owner=", 0) == 0) owner = meta.substr(6);
      }
      rd_kafka_topic_partition_list_destroy(list);
      when = Clock::now();
      name = owner;
    }
  }
  if (owner == options.node_id) owner.clear();  // stale: we announced it before losing the partition
  if (owner.empty()) return prefix + " is not owned by node " + options.node_id + " (owner unknown); retry later";
  return prefix + " is owned by node " + owner + ", not " + options.node_id + "; retry there or later";
}

void KafkaLogCore::Shutdown() {
  if (closed.exchange(true)) return;
  stopping = true;
  if (group_thread.joinable()) group_thread.join();
  for (std::size_t p = 0; p < slots.size(); ++p) StopWriter(static_cast<int>(p));
  group.reset();
  {
    std::lock_guard lock(readers_mu);
    readers.clear();
  }
  if (db) {
    const rocksdb::Status s = db->Close();
    if (!s.ok()) Log("closing the state store: " + s.ToString());
    db.reset();
  }
  NotifyOwnership();
}

// --- writer ----------------------------------------------------------------------------------------

Result<RkPtr, LogError> KafkaLogCore::NewProducer(int partition) {
  auto producer = NewClient(RD_KAFKA_PRODUCER, options,
                            {{"transactional.id", "switchboard-events-" + options.topic + "-p" + std::to_string(partition)},
                             {"enable.idempotence", "true"},
                             {"acks", "all"},
                             {"linger.ms", "1"},
                             {"transaction.timeout.ms", std::to_string(kTxnTimeoutMs)},
                             {"message.timeout.ms", std::to_string(kTxnTimeoutMs - 5000)}},
                            [](rd_kafka_conf_t* conf) { rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery); });
  if (!producer.ok()) return producer;
  ErrorPtr e(rd_kafka_init_transactions(producer->get(), kTxnTimeoutMs));
  if (e) return MakeErr(Unavailable("init_transactions for partition " + std::to_string(partition) + ": " + ErrorText(e.get())));
  return producer;
}

Result<void, LogError> KafkaLogCore::WriteFence(PartitionSlot& slot, rd_kafka_t* producer, WriterSession& session) {
  const int p = slot.partition;
  session.fence = Fence{options.node_id, NewSessionId()};
  const std::string value = EncodeFence(session.fence);
  Out out;
  if (ErrorPtr e{rd_kafka_begin_transaction(producer)}) return MakeErr(Unavailable("begin_transaction: " + ErrorText(e.get())));
  const rd_kafka_resp_err_t err = rd_kafka_producev(
      producer, RD_KAFKA_V_TOPIC(options.topic.c_str()), RD_KAFKA_V_PARTITION(p),
      RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
      RD_KAFKA_V_HEADER(kControlHeader, kFenceControl, static_cast<ssize_t>(std::strlen(kFenceControl))),
      RD_KAFKA_V_OPAQUE(&out), RD_KAFKA_V_END);
  if (err) {
    ErrorPtr abort_error(rd_kafka_abort_transaction(producer, kTxnTimeoutMs));
    return MakeErr(Unavailable(std::string("produce the fence: ") + rd_kafka_err2str(err)));
  }
  ErrorPtr commit_error(rd_kafka_commit_transaction(producer, kTxnTimeoutMs));
  rd_kafka_poll(producer, 0);
  if (commit_error) {
    ErrorPtr abort_error(rd_kafka_abort_transaction(producer, kTxnTimeoutMs));
    return MakeErr(Unavailable("commit the fence: " + ErrorText(commit_error.get())));
  }
  if (out.err || out.offset < 0) return MakeErr(Unavailable("the fence has no delivery report"));
  session.fence_offset = out.offset;
  session.min_end = out.offset + 1;
  return {};
}

Result<void, LogError> KafkaLogCore::CatchUp(PartitionSlot& slot, WriterSession& session, bool after_fence) {
  const int p = slot.partition;
  auto reader = TakeReader();
  if (!reader.ok()) return MakeErr(std::move(reader).error());
  // The read_committed end trails a commit until the broker has written its markers.
  auto end = HighWatermark(reader->get(), p);
  for (const auto wait_until = Clock::now() + std::chrono::seconds(5);
       end.ok() && *end < session.min_end && Clock::now() < wait_until;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    end = HighWatermark(reader->get(), p);
  }
  ReturnReader(std::move(*reader));
  if (!end.ok()) return MakeErr(std::move(end).error());

  std::int64_t applied = slot.applied.load();
  if (applied > *end) {
    // The partition is shorter than what we applied: the topic was recreated. Start over.
    Log("partition " + std::to_string(p) + " ends at " + std::to_string(*end) + " below the applied offset " +
        std::to_string(applied) + "; rebuilding its index");
    rocksdb::WriteBatch wipe;
    for (char kind : {'a', 'v', 'e', 'i'}) {
      const std::string begin = PartitionPrefix(kind, p);
      const std::string stop = PartitionPrefix(kind, p + 1);
      wipe.DeleteRange(db->DefaultColumnFamily(), begin, stop);
    }
    const rocksdb::Status s = db->Write(rocksdb::WriteOptions(), &wipe);
    if (!s.ok()) return MakeErr(Io("wipe partition index: " + s.ToString()));
    std::unique_lock lock(slot.index_mu);
    slot.versions.clear();
    applied = 0;
    slot.applied = 0;
  }
  session.expected_next = *end;
  bool record_after_fence = false;
  auto learn_marker_width = [&] {
    if (after_fence) session.marker_width = MarkerWidth(session.fence_offset, *end, record_after_fence);
  };
  if (applied >= *end) {
    learn_marker_width();
    return {};
  }

  rocksdb::WriteBatch batch;
  std::unordered_map<std::string, std::int64_t> changed;
  std::size_t applied_events = 0;
  // The idempotency key of consecutive events of one tenant identifies one append.
  std::string run_key;
  AppendResult run;
  std::vector<std::string> run_streams;
  auto flush_run = [&] {
    if (!run_key.empty()) batch.Put(run_key, commands::EncodeAppendResult(run));
    run_key.clear();
    run_streams.clear();
  };
  std::optional<LogError> failure;
  auto write_batch = [&]() -> bool {
    batch.Put(AppliedKey(p), U64Value(applied));
    const rocksdb::Status s = db->Write(rocksdb::WriteOptions(), &batch);
    batch.Clear();
    if (!s.ok()) {
      failure = Io("write partition index: " + s.ToString());
      return false;
    }
    std::unique_lock lock(slot.index_mu);
    for (auto& [k, v] : changed) slot.versions[k] = v;
    changed.clear();
    slot.applied = applied;
    return true;
  };

  std::size_t displaced = 0;
  auto on_record = [&](const rd_kafka_message_t* m) {
    applied = m->offset + 1;
    if (m->offset == session.fence_offset + 1) record_after_fence = true;
    KafkaRecord record = ClassifyMessage(m);
    switch (record.kind) {
      case KafkaRecord::Kind::kEvent:
        break;
      case KafkaRecord::Kind::kFence:
        if (m->offset > session.fence_offset && record.fence.session != session.fence.session) {
          session.fenced_by = "node " + record.fence.node_id + " took the partition over at offset " +
                              std::to_string(m->offset);
        }
        return;
      case KafkaRecord::Kind::kDisplaced:
        ++displaced;
        return;
      case KafkaRecord::Kind::kUndecodable:
        Log("skipping undecodable record at " + std::to_string(p) + ":" + std::to_string(m->offset));
        return;
    }
    const RecordedEvent* e = &record.event;
    const std::string sk = StreamKey(e->tenant_id, e->stream);
    std::string value = U64Value(m->offset);
    value.append(static_cast<const char*>(m->payload), m->len);
    batch.Put(EventKey(p, sk, e->stream_version), value);
    batch.Put(VersionKey(p, sk), U64Value(e->stream_version));
    changed[sk] = e->stream_version;
    const std::string key = e->idempotency_key.empty() ? std::string() : IdempotencyKey(p, e->tenant_id, e->idempotency_key);
    if (key != run_key || key.empty()) {
      flush_run();
      if (!key.empty()) {
        run_key = key;
        run = AppendResult{};
        run.partition = p;
        run.first_offset = m->offset;
      }
    }
    if (!run_key.empty()) {
      run.last_offset = m->offset;
      auto it = std::find(run_streams.begin(), run_streams.end(), e->stream);
      if (it == run_streams.end()) {
        run_streams.push_back(e->stream);
        run.stream_versions.push_back(e->stream_version);
      } else {
        run.stream_versions[static_cast<std::size_t>(it - run_streams.begin())] = e->stream_version;
      }
    }
    if (++applied_events % 1000 == 0 && run_key.empty()) write_batch();
  };
  // A read stops after kReadTimeout, so a long partition takes several; the index must cover every
  // record up to the end before this writer decides anything on it.
  // Everything below `reached` has been delivered, so the next read starts there (records or not).
  Result<void, LogError> status;
  for (std::int64_t from = applied, reached = applied;; from = reached) {
    status = ReadRange(p, from, *end, std::numeric_limits<std::size_t>::max(), on_record, &reached);
    if (!status.ok() || reached >= *end) break;
    if (reached <= from) {
      status = MakeErr(Unavailable("reading partition " + std::to_string(p) + " stalled at offset " +
                                   std::to_string(reached) + " below its end " + std::to_string(*end)));
      break;
    }
  }
  flush_run();
  if (!write_batch() && failure) return MakeErr(std::move(*failure));
  if (!status.ok()) return status;
  if (applied < *end) {
    // Offsets up to the end without a record are transaction markers; nothing more to apply.
    applied = *end;
    batch.Put(AppliedKey(p), U64Value(applied));
    write_batch();
  }
  learn_marker_width();
  if (applied_events > 0 || displaced > 0) {
    Log("partition " + std::to_string(p) + ": applied " + std::to_string(applied_events) +
        " events from the log, skipped " + std::to_string(displaced) + " written by a stale owner, now at offset " +
        std::to_string(applied));
  }
  return {};
}

void KafkaLogCore::WriterLoop(PartitionSlot& slot) {
  const int p = slot.partition;
  auto fail_queued = [&](const LogError& error) {
    std::lock_guard lock(slot.mu);
    for (Pending* pending : slot.queue) {
      pending->result = MakeErr(error);
      pending->done = true;
    }
    slot.queue.clear();
    slot.done_cv.notify_all();
  };
  auto end_ownership = [&](Phase phase, const std::string& reason) {
    {
      std::lock_guard lock(slot.mu);
      if (slot.phase != Phase::kFenced) slot.phase = phase;
      slot.reason = reason;
    }
    fail_queued(Unavailable("partition " + std::to_string(p) + " is not writable on node " + options.node_id +
                            ": " + reason));
    NotifyOwnership();
  };

  RkPtr producer;
  WriterSession session;
  bool needs_resync = true;
  bool needs_fence = true;
  bool first = true;
  // A failure another attempt may not meet (a broker restarting, a partition leader moving): appends
  // are refused with the reason meanwhile, then the writer starts over (new producer, fence,
  // catch-up) for as long as the partition stays assigned here. False once it is not.
  constexpr std::chrono::milliseconds kFirstRetryDelay{500};
  constexpr std::chrono::milliseconds kMaxRetryDelay{10000};
  std::chrono::milliseconds retry_delay = kFirstRetryDelay;
  auto pause_then_retry = [&](const std::string& reason) {
    Log("partition " + std::to_string(p) + ": " + reason + "; starting over in " +
        std::to_string(retry_delay.count()) + " ms");
    {
      std::lock_guard lock(slot.mu);
      slot.phase = Phase::kFenced;
      slot.reason = "recovering from: " + reason;
    }
    fail_queued(Unavailable("partition " + std::to_string(p) + " is not writable on node " + options.node_id +
                            " for now: " + reason));
    NotifyOwnership();
    producer.reset();
    bool stopped = false;
    {
      std::unique_lock lock(slot.mu);
      stopped = slot.work_cv.wait_for(lock, retry_delay, [&] { return slot.stop; });
      slot.phase = stopped ? Phase::kNotOwned : Phase::kStarting;
      slot.reason.clear();
    }
    retry_delay = std::min(retry_delay * 2, kMaxRetryDelay);
    return !stopped;
  };
  for (;;) {
    {
      std::lock_guard lock(slot.mu);
      if (slot.stop) break;
    }
    if (!producer) {
      auto created = NewProducer(p);
      if (!created.ok()) {
        if (pause_then_retry(created.error().message)) continue;
        break;
      }
      producer = std::move(*created);
      needs_resync = true;
      needs_fence = true;
    }
    if (needs_fence) {
      // Before reading the tail: a stale owner's next transaction lands behind the fence, away from
      // where it expects, so it fails and finds this fence when it re-reads the partition.
      if (auto f = WriteFence(slot, producer.get(), session); !f.ok()) {
        if (pause_then_retry("cannot write the ownership fence: " + f.error().message)) continue;
        break;
      }
    }
    if (needs_resync) {
      if (first) {
        // Restore the index of this partition from the local store.
        std::unordered_map<std::string, std::int64_t> versions;
        std::int64_t applied = 0;
        std::string value;
        if (db->Get(rocksdb::ReadOptions(), AppliedKey(p), &value).ok() && value.size() == 8) {
          applied = static_cast<std::int64_t>(GetU64(value.data()));
        }
        const std::string prefix = PartitionPrefix('v', p);
        std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
        for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
          if (it->value().size() != 8) continue;
          versions.emplace(it->key().ToString().substr(prefix.size()),
                           static_cast<std::int64_t>(GetU64(it->value().data())));
        }
        it.reset();
        std::unique_lock lock(slot.index_mu);
        slot.versions = std::move(versions);
        slot.applied = applied;
      }
      if (auto c = CatchUp(slot, session, needs_fence); !c.ok()) {
        if (pause_then_retry("catch-up failed: " + c.error().message)) continue;
        break;
      }
      if (!session.fenced_by.empty()) {
        Log("partition " + std::to_string(p) + ": fenced: " + session.fenced_by);
        end_ownership(Phase::kFenced, "fenced: " + session.fenced_by);
        break;
      }
      needs_resync = false;
      needs_fence = false;
      first = false;
      bool became_ready = false;  // first time, or back after pause_then_retry
      {
        std::lock_guard lock(slot.mu);
        if (slot.phase == Phase::kStarting) {
          slot.phase = Phase::kReady;
          became_ready = true;
        }
      }
      if (became_ready) {
        retry_delay = kFirstRetryDelay;
        AnnounceOwner(p, slot.applied.load());
        NotifyOwnership();
      }
    }

    std::vector<Pending*> group;
    {
      std::unique_lock lock(slot.mu);
      slot.work_cv.wait(lock, [&] { return slot.stop || !slot.queue.empty(); });
      if (slot.stop) break;
      while (!slot.queue.empty() && group.size() < kMaxAppendsPerGroup) {
        group.push_back(slot.queue.front());
        slot.queue.pop_front();
      }
    }
    std::string reason;
    const GroupOutcome outcome = CommitGroup(slot, session, producer.get(), group, &reason);
    {
      std::lock_guard lock(slot.mu);
      for (auto it = group.rbegin(); it != group.rend(); ++it) {
        Pending* pending = *it;
        if (outcome == GroupOutcome::kDisplaced && ++pending->displaced_runs < 3) {
          // Decided on a view another writer made stale: decide again on the re-read partition
          // (or fail with the fence found there).
          pending->result.reset();
          pending->needs_commit = false;
          slot.queue.push_front(pending);
        } else {
          pending->done = true;
        }
      }
    }
    slot.done_cv.notify_all();
    if (outcome == GroupOutcome::kFailedResync || outcome == GroupOutcome::kDisplaced) needs_resync = true;
    if (outcome == GroupOutcome::kReinit) producer.reset();
    if (outcome == GroupOutcome::kFenced) {
      Log("partition " + std::to_string(p) + ": " + reason);
      end_ownership(Phase::kFenced, reason);
      break;
    }
  }
  fail_queued(Unavailable("partition " + std::to_string(p) + " is no longer owned by node " + options.node_id));
  producer.reset();
}

KafkaLogCore::GroupOutcome KafkaLogCore::CommitGroup(PartitionSlot& slot, WriterSession& session,
                                                     rd_kafka_t* producer, std::vector<Pending*>& group,
                                                     std::string* fatal_reason) {
  const int p = slot.partition;
  std::unordered_map<std::string, std::int64_t> overlay;
  std::unordered_map<std::string_view, const Pending*> keys_in_group;
  std::deque<Out> outs;  // stable addresses: delivery reports point at them
  const std::string recorded_at = commands::NowRfc3339Millis();
  std::vector<std::int64_t> current;

  auto version_of = [&](const std::string& key) -> std::int64_t {
    if (auto it = overlay.find(key); it != overlay.end()) return it->second;
    if (auto it = slot.versions.find(key); it != slot.versions.end()) return it->second;
    return 0;
  };

  for (Pending* pending : group) {
    const AppendRequest& req = *pending->request;
    if (!pending->idempotency_key.empty()) {
      if (auto it = keys_in_group.find(pending->idempotency_key); it != keys_in_group.end()) {
        pending->result = it->second->result;  // completed below once the offsets are known
        pending->needs_commit = true;
        continue;
      }
      std::string stored;
      const rocksdb::Status s = db->Get(rocksdb::ReadOptions(), pending->idempotency_key, &stored);
      if (s.ok()) {
        try {
          AppendResult first = commands::DecodeAppendResult(stored);
          first.duplicate = true;
          pending->result = std::move(first);
        } catch (const nlohmann::json::exception& e) {
          pending->result = MakeErr(Io(std::string("corrupt idempotency record: ") + e.what()));
        }
        continue;
      }
      if (!s.IsNotFound()) {
        pending->result = MakeErr(Io("idempotency lookup: " + s.ToString()));
        continue;
      }
    }
    current.clear();
    std::optional<LogError> conflict;
    for (std::size_t i = 0; i < pending->streams.size(); ++i) {
      const auto& expected = req.streams[i].expected;
      const std::int64_t actual = version_of(pending->streams[i].key);
      if (!expected.Matches(actual)) {
        conflict = commands::ConflictError(req.streams[i].stream, actual);
        break;
      }
      current.push_back(actual);
    }
    if (conflict) {
      pending->result = MakeErr(std::move(*conflict));
      continue;
    }
    AppendResult r;
    r.partition = p;
    r.stream_versions.reserve(pending->streams.size());
    for (std::size_t i = 0; i < pending->streams.size(); ++i) {
      const PreparedStream& ps = pending->streams[i];
      std::int64_t version = current[i];
      for (std::size_t j = 0; j < ps.events.size(); ++j) {
        ++version;
        const std::int64_t expected = session.expected_next + static_cast<std::int64_t>(outs.size());
        Out& out = outs.emplace_back();
        out.pending = pending;
        out.event = &req.streams[i].events[j];
        out.stream_key = ps.key;
        out.version = version;
        out.expected = expected;
        FinishEnvelope(ps.events[j], expected, recorded_at, version, &out.value);
      }
      if (!ps.events.empty()) overlay[ps.key] = version;
      r.stream_versions.push_back(version);
    }
    pending->result = std::move(r);
    pending->needs_commit = true;
    if (!pending->idempotency_key.empty()) keys_in_group.emplace(pending->idempotency_key, pending);
  }

  auto fail_committed = [&](const LogError& error) {
    for (Pending* pending : group) {
      if (pending->needs_commit) pending->result = MakeErr(error);
    }
  };

  // The Kafka transaction (skipped when the group only checked versions).
  if (!outs.empty()) {
    if (ErrorPtr e{rd_kafka_begin_transaction(producer)}) {
      *fatal_reason = "begin_transaction: " + ErrorText(e.get());
      fail_committed(Unavailable("partition " + std::to_string(p) + ": " + *fatal_reason));
      return rd_kafka_error_is_fatal(e.get()) ? GroupOutcome::kFenced : GroupOutcome::kReinit;
    }
    std::optional<std::string> produce_error;
    for (Out& out : outs) {
      const std::string& tenant = out.pending->request->tenant_id;
      const std::string schema = std::to_string(out.event->schema_version);
      for (;;) {
        const rd_kafka_resp_err_t err = rd_kafka_producev(
            producer, RD_KAFKA_V_TOPIC(options.topic.c_str()), RD_KAFKA_V_PARTITION(p),
            RD_KAFKA_V_KEY(tenant.data(), tenant.size()), RD_KAFKA_V_VALUE(out.value.data(), out.value.size()),
            RD_KAFKA_V_HEADER("type", out.event->type.data(), static_cast<ssize_t>(out.event->type.size())),
            RD_KAFKA_V_HEADER("schema_version", schema.data(), static_cast<ssize_t>(schema.size())),
            RD_KAFKA_V_OPAQUE(&out), RD_KAFKA_V_END);
        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
          rd_kafka_poll(producer, 10);
          continue;
        }
        if (err) produce_error = std::string("produce: ") + rd_kafka_err2str(err);
        break;
      }
      if (produce_error) break;
    }
    if (!produce_error) {
      // The records must sit where this writer expected them before the transaction may commit;
      // anywhere else, another writer appended since this one last read the partition.
      if (rd_kafka_flush(producer, kTxnTimeoutMs - 5000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        produce_error = "delivery timed out";
      }
      bool displaced = false;
      for (const Out& out : outs) {
        if (produce_error) break;
        if (out.err) {
          produce_error = std::string("delivery: ") + rd_kafka_err2str(out.err);
        } else if (out.offset != out.expected) {
          produce_error = "a record landed at offset " + std::to_string(out.offset) + ", not at " +
                          std::to_string(out.expected) + ": another writer appended to the partition";
          displaced = true;
        }
      }
      if (displaced) {
        for (const Out& out : outs) {
          if (!out.err && out.offset >= 0) session.min_end = std::max(session.min_end, out.offset + 1 + session.marker_width);
        }
        ErrorPtr abort_error(rd_kafka_abort_transaction(producer, kTxnTimeoutMs));
        Log("partition " + std::to_string(p) + ": " + *produce_error + "; aborted the transaction of " +
            std::to_string(group.size()) + " appends, re-reading the partition");
        fail_committed(Unavailable("partition " + std::to_string(p) + ": " + *produce_error));
        if (abort_error) return rd_kafka_error_is_fatal(abort_error.get()) ? GroupOutcome::kFenced : GroupOutcome::kReinit;
        return GroupOutcome::kDisplaced;
      }
    }
    ErrorPtr commit_error;
    if (!produce_error) {
      commit_error.reset(rd_kafka_commit_transaction(producer, kTxnTimeoutMs));
      for (int attempt = 0; commit_error && rd_kafka_error_is_retriable(commit_error.get()) && attempt < 5; ++attempt) {
        Log("partition " + std::to_string(p) + ": retrying commit after " + ErrorText(commit_error.get()));
        commit_error.reset(rd_kafka_commit_transaction(producer, kTxnTimeoutMs));
      }
    }
    rd_kafka_poll(producer, 0);  // delivery reports not yet served by the commit's flush
    if (produce_error || commit_error) {
      // The next catch-up must read past these records (and, on a broker, the abort marker).
      for (const Out& out : outs) {
        if (!out.err && out.offset >= 0) session.min_end = std::max(session.min_end, out.offset + 1 + session.marker_width);
      }
      session.min_end = std::max(session.min_end, session.expected_next);
      const std::string what = produce_error ? *produce_error : "commit_transaction: " + ErrorText(commit_error.get());
      if (commit_error && rd_kafka_error_is_fatal(commit_error.get())) {
        *fatal_reason = "fenced or fatal producer error (" + what + ")";
        fail_committed(Unavailable("partition " + std::to_string(p) + " lost its writer: " + what));
        return GroupOutcome::kFenced;
      }
      ErrorPtr abort_error(rd_kafka_abort_transaction(producer, kTxnTimeoutMs));
      Log("partition " + std::to_string(p) + ": transaction of " + std::to_string(group.size()) +
          " appends failed (" + what + "), " + (abort_error ? "abort failed: " + ErrorText(abort_error.get()) : "aborted"));
      fail_committed(Unavailable("partition " + std::to_string(p) + ": transaction aborted: " + what));
      if (abort_error) {
        if (rd_kafka_error_is_fatal(abort_error.get())) {
          *fatal_reason = "fatal producer error on abort (" + ErrorText(abort_error.get()) + ")";
          return GroupOutcome::kFenced;
        }
        return GroupOutcome::kReinit;  // a new producer's init_transactions completes the transaction
      }
      return GroupOutcome::kFailedResync;
    }
    for (const Out& out : outs) {
      if (out.err != RD_KAFKA_RESP_ERR_NO_ERROR || out.offset < 0) {
        // Cannot happen after a successful commit; be safe: re-read what the log holds.
        fail_committed(Io("partition " + std::to_string(p) + ": committed transaction without a delivery report"));
        return GroupOutcome::kFailedResync;
      }
    }
    transactions.fetch_add(1, std::memory_order_relaxed);
    session.expected_next = outs.back().offset + 1 + session.marker_width;
  }

  // Committed: fill in the offsets, then write the index and the applied offset in one batch.
  std::int64_t applied = slot.applied.load();
  std::unordered_map<const Pending*, std::pair<std::int64_t, std::int64_t>> ranges;
  rocksdb::WriteBatch batch;
  std::string value;
  for (const Out& out : outs) {
    auto [it, inserted] = ranges.try_emplace(out.pending, out.offset, out.offset);
    if (!inserted) {
      it->second.first = std::min(it->second.first, out.offset);
      it->second.second = std::max(it->second.second, out.offset);
    }
    value = U64Value(out.offset);
    value += out.value;
    batch.Put(EventKey(p, out.stream_key, out.version), value);
    applied = std::max(applied, out.offset + 1);
  }
  for (Pending* pending : group) {
    if (!pending->needs_commit || !pending->result->ok()) continue;
    AppendResult& r = pending->result->value();
    if (auto it = keys_in_group.find(pending->idempotency_key);
        !pending->idempotency_key.empty() && it != keys_in_group.end() && it->second != pending) {
      r = it->second->result->value();  // a repeat within the group: the first append's result
      r.duplicate = true;
      continue;
    }
    if (auto it = ranges.find(pending); it != ranges.end()) {
      r.first_offset = it->second.first;
      r.last_offset = it->second.second;
    } else {
      r.first_offset = applied;  // nothing appended
      r.last_offset = applied - 1;
    }
    if (!pending->idempotency_key.empty()) batch.Put(pending->idempotency_key, commands::EncodeAppendResult(r));
  }
  // Repeats whose first append came later in the loop above are fixed up now.
  for (Pending* pending : group) {
    if (!pending->needs_commit || !pending->result->ok() || pending->idempotency_key.empty()) continue;
    auto it = keys_in_group.find(pending->idempotency_key);
    if (it != keys_in_group.end() && it->second != pending) {
      pending->result = it->second->result;
      pending->result->value().duplicate = true;
    }
  }
  for (const auto& [key, version] : overlay) batch.Put(VersionKey(p, key), U64Value(version));
  batch.Put(AppliedKey(p), U64Value(applied));
  const rocksdb::Status s = db->Write(rocksdb::WriteOptions(), &batch);
  if (!s.ok()) {
    // The events are committed in Kafka; only the local index lags. The resync re-reads them from the
    // applied offset, so that must not move past them here.
    Log("partition " + std::to_string(p) + ": writing the index failed: " + s.ToString());
    return GroupOutcome::kFailedResync;
  }
  std::unique_lock lock(slot.index_mu);
  for (auto& [key, version] : overlay) slot.versions[key] = version;
  slot.applied = applied;
  return GroupOutcome::kOk;
}

}  // namespace detail

using detail::KafkaLogCore;
using detail::PartitionSlot;

// --- subscription --------------------------------------------------------------------------------

namespace {

class KafkaSubscription final : public commands::Subscription {
 public:
  KafkaSubscription(std::shared_ptr<KafkaLogCore> core, int partition, std::int64_t from, std::optional<LogError> error)
      : core_(std::move(core)), partition_(partition), position_(from), error_(std::move(error)) {}
  ~KafkaSubscription() override {
    if (consumer_) rd_kafka_consumer_close(consumer_.get());
  }

  Result<std::vector<RecordedEvent>, LogError> Next(std::size_t max, std::chrono::milliseconds wait) override {
    if (error_) return MakeErr(*error_);
    if (core_->closed.load()) return MakeErr(Unavailable("event log is closed"));
    std::vector<RecordedEvent> out;
    if (max == 0) return out;
    if (!consumer_) {
      auto reader = NewReader(core_->options);
      if (!reader.ok()) return MakeErr(std::move(reader).error());
      consumer_ = std::move(*reader);
      if (auto a = AssignAt(consumer_.get(), core_->options.topic, partition_, position_); !a.ok()) {
        consumer_.reset();
        return MakeErr(std::move(a).error());
      }
      auto end = core_->HighWatermark(consumer_.get(), partition_);
      if (end.ok()) known_end_ = *end;
    }
    auto deadline = Clock::now() + wait;
    const auto backlog_deadline = Clock::now() + kReadTimeout;
    bool extended = false;
    while (out.size() < max) {
      const auto now = Clock::now();
      if (out.empty() && now >= deadline && !extended) {
        // Committed events the consumer has not fetched yet are "available": wait for them (bounded)
        // unless the fetcher already reported the end of the partition past them (markers only).
        std::int64_t low = 0, high = -1;
        if (rd_kafka_get_watermark_offsets(consumer_.get(), core_->options.topic.c_str(), partition_, &low, &high) ==
            RD_KAFKA_RESP_ERR_NO_ERROR) {
          known_end_ = std::max(known_end_, high);
        }
        known_end_ = std::max(known_end_, core_->slots[partition_]->applied.load());
        extended = true;
        if (known_end_ > std::max(position_, eof_at_)) deadline = now + kReadTimeout;
      }
      // Wait for the first event; after that take what is already there, and what is known to be
      // committed but still in flight from the broker (bounded).
      int timeout = 0;
      if (out.empty()) {
        if (now < deadline) {
          timeout = static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count());
        }
      } else if (position_ < known_end_ && eof_at_ < known_end_ && now < backlog_deadline) {
        timeout = 50;
      }
      rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer_.get(), timeout);
      if (m == nullptr) {
        if (!out.empty() && timeout == 0) break;
        if (out.empty() && extended && Clock::now() >= deadline) break;
        continue;
      }
      if (m->err) {
        const rd_kafka_resp_err_t err = m->err;
        const std::int64_t eof_offset = m->offset;
        rd_kafka_message_destroy(m);
        if (err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          eof_at_ = std::max(eof_at_, eof_offset);
          if (!out.empty() || (extended && (eof_at_ >= known_end_ || Clock::now() >= deadline))) break;
          continue;
        }
        if (TransientConsumerError(err)) {
          if (!out.empty() || (extended && Clock::now() >= deadline)) break;
          continue;
        }
        if (!out.empty()) break;
        return MakeErr(Unavailable("subscription to partition " + std::to_string(partition_) + ": " + rd_kafka_err2str(err)));
      }
      // The consumer never goes back (an offset reset would): skip what was already returned.
      if (m->partition == partition_ && m->offset >= position_) {
        if (auto e = EventOf(m)) out.push_back(std::move(*e));
        position_ = m->offset + 1;
      }
      rd_kafka_message_destroy(m);
    }
    return out;
  }

  // Past the end the fetcher reported: offsets below it that were not returned hold no event
  // (transaction markers, fences, aborted or displaced records).
  std::int64_t Position() const override { return std::max(position_, eof_at_); }

 private:
  std::shared_ptr<KafkaLogCore> core_;
  int partition_;
  std::int64_t position_;
  std::optional<LogError> error_;
  RkPtr consumer_;  // created on the first Next (on the subscriber's thread)
  std::int64_t known_end_ = 0;  // an end offset the partition is known to have reached
  std::int64_t eof_at_ = -1;    // where the fetcher last reported the end of the partition
};

// Creates the topic when it is missing; checks the partition count when it exists.
Result<void, LogError> EnsureTopic(const KafkaLogOptions& o) {
  auto admin = NewClient(RD_KAFKA_PRODUCER, o, {});
  if (!admin.ok()) return MakeErr(std::move(admin).error());
  rd_kafka_t* rk = admin->get();
  for (int attempt = 0; attempt < 2; ++attempt) {
    // All topics: a request naming the topic could auto-create it with the broker's default count.
    const rd_kafka_metadata_t* md = nullptr;
    const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, nullptr, &md, 10000);
    if (err) return MakeErr(Unavailable("cannot reach Kafka at " + o.brokers + ": " + rd_kafka_err2str(err)));
    int found = -1;
    for (int i = 0; i < md->topic_cnt; ++i) {
      if (o.topic == md->topics[i].topic && md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        found = md->topics[i].partition_cnt;
      }
    }
    rd_kafka_metadata_destroy(md);
    if (found == o.partitions) return {};
    if (found >= 0) {
      return MakeErr(Invalid("topic " + o.topic + " has " + std::to_string(found) + " partitions, not " +
                             std::to_string(o.partitions) + "; re-partitioning is not supported"));
    }
    if (attempt == 1) break;
    char errstr[512];
    rd_kafka_NewTopic_t* topic = rd_kafka_NewTopic_new(o.topic.c_str(), o.partitions, o.replication, errstr, sizeof errstr);
    if (topic == nullptr) return MakeErr(Invalid(std::string("topic ") + o.topic + ": " + errstr));
    rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, &topic, 1, nullptr, queue);
    rd_kafka_NewTopic_destroy(topic);
    rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, 15000);
    std::string failure;
    if (ev == nullptr) {
      failure = "timed out";
    } else if (rd_kafka_event_error(ev)) {
      failure = rd_kafka_event_error_string(ev);
    } else if (const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev)) {
      std::size_t n = 0;
      const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(res, &n);
      for (std::size_t i = 0; i < n; ++i) {
        const rd_kafka_resp_err_t terr = rd_kafka_topic_result_error(results[i]);
        if (terr && terr != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
          failure = rd_kafka_topic_result_error_string(results[i]) ? rd_kafka_topic_result_error_string(results[i])
                                                                   : rd_kafka_err2str(terr);
        }
      }
    }
    if (ev) rd_kafka_event_destroy(ev);
    rd_kafka_queue_destroy(queue);
    if (!failure.empty()) {
      return MakeErr(Unavailable("cannot create topic " + o.topic + " (" + std::to_string(o.partitions) +
                                 " partitions, replication " + std::to_string(o.replication) + "): " + failure +
                                 "; create it by hand"));
    }
    // Metadata may lag the creation briefly.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return MakeErr(Unavailable("topic " + o.topic + " does not show up after it was created"));
}

}  // namespace

// --- KafkaEventLog ---------------------------------------------------------------------------------

Result<std::unique_ptr<KafkaEventLog>, LogError> KafkaEventLog::Open(const KafkaLogOptions& options) {
  if (options.brokers.empty()) return MakeErr(Invalid("no Kafka brokers given"));
  if (options.partitions < 1) return MakeErr(Invalid("partitions must be >= 1"));
  if (options.replication < 1) return MakeErr(Invalid("replication must be >= 1"));
  if (options.topic.empty() || options.group.empty()) return MakeErr(Invalid("topic and group must not be empty"));
  if (options.node_id.empty()) return MakeErr(Invalid("node_id must not be empty"));
  if (options.writer && options.state_dir.empty()) return MakeErr(Invalid("state_dir must not be empty"));

  auto core = std::make_shared<KafkaLogCore>();
  core->options = options;
  if (options.writer) {
    std::error_code ec;
    std::filesystem::create_directories(options.state_dir, ec);
    rocksdb::Options db_options;
    db_options.create_if_missing = true;
    db_options.max_background_jobs = 2;
    db_options.keep_log_file_num = 4;
    rocksdb::DB* raw = nullptr;
    const rocksdb::Status s = rocksdb::DB::Open(db_options, options.state_dir, &raw);
    if (!s.ok()) return MakeErr(Io("open writer state in " + options.state_dir + ": " + s.ToString()));
    core->db.reset(raw);
    const std::string meta = nlohmann::json{{"topic", options.topic}, {"partitions", options.partitions}}.dump();
    std::string stored;
    const rocksdb::Status g = core->db->Get(rocksdb::ReadOptions(), "m", &stored);
    if (g.IsNotFound()) {
      const rocksdb::Status w = core->db->Put(rocksdb::WriteOptions(), "m", meta);
      if (!w.ok()) return MakeErr(Io("write writer state: " + w.ToString()));
    } else if (!g.ok()) {
      return MakeErr(Io("read writer state: " + g.ToString()));
    } else if (stored != meta) {
      return MakeErr(Invalid("writer state in " + options.state_dir + " belongs to another log: " + stored));
    }
  }
  if (auto t = EnsureTopic(options); !t.ok()) return MakeErr(std::move(t).error());

  for (int p = 0; p < options.partitions; ++p) {
    auto slot = std::make_unique<PartitionSlot>();
    slot->partition = p;
    core->slots.push_back(std::move(slot));
  }
  core->owners.assign(static_cast<std::size_t>(options.partitions), {Clock::time_point{}, std::string()});
  if (!options.writer) return std::unique_ptr<KafkaEventLog>(new KafkaEventLog(core));
  if (auto g = core->StartGroup(); !g.ok()) return MakeErr(std::move(g).error());

  std::unique_ptr<KafkaEventLog> log(new KafkaEventLog(core));
  // Wait for the first assignment and the catch-up of every assigned partition.
  const auto deadline = Clock::now() + options.open_timeout;
  std::unique_lock lock(core->ownership_mu);
  const bool ready = core->ownership_cv.wait_until(lock, deadline, [&] {
    if (!core->assigned_once) return false;
    int owned = 0;
    for (auto& slot : core->slots) {
      std::lock_guard slot_lock(slot->mu);
      if (slot->phase == Phase::kStarting) return false;
      if (slot->phase == Phase::kReady) ++owned;
    }
    return !options.wait_for_all_partitions || owned == options.partitions;
  });
  lock.unlock();
  if (!ready) {
    return MakeErr(Unavailable("node " + options.node_id + " got no (complete) assignment in writer group " +
                               options.group + " within " + std::to_string(options.open_timeout.count()) + " ms"));
  }
  return log;
}

KafkaEventLog::KafkaEventLog(std::shared_ptr<KafkaLogCore> core) : core_(std::move(core)) {}

KafkaEventLog::~KafkaEventLog() { core_->Shutdown(); }

Result<AppendResult, LogError> KafkaEventLog::Append(const AppendRequest& request) {
  if (auto invalid = commands::ValidateAppend(request)) return MakeErr(std::move(*invalid));
  const int partition = commands::PartitionOf(request.tenant_id, core_->options.partitions);
  Pending pending;
  pending.request = &request;
  if (!request.idempotency_key.empty()) {
    pending.idempotency_key = IdempotencyKey(partition, request.tenant_id, request.idempotency_key);
  }
  try {
    for (const auto& s : request.streams) {
      PreparedStream& ps = pending.streams.emplace_back();
      ps.key = StreamKey(request.tenant_id, s.stream);
      for (const auto& e : s.events) {
        ps.events.push_back(MakeEnvelopeTemplate(e, request.tenant_id, s.stream, partition, request.idempotency_key));
      }
    }
  } catch (const nlohmann::json::exception& e) {
    return MakeErr(Invalid(std::string("event cannot be encoded as JSON: ") + e.what()));
  }
  PartitionSlot& slot = *core_->slots[partition];
  {
    std::unique_lock lock(slot.mu);
    if (!core_->closed.load() && (slot.phase == Phase::kReady || slot.phase == Phase::kStarting)) {
      slot.queue.push_back(&pending);
      slot.work_cv.notify_one();
      slot.done_cv.wait(lock, [&] { return pending.done; });
      return std::move(*pending.result);
    }
  }
  if (core_->closed.load()) return MakeErr(Unavailable("event log is closed"));
  return MakeErr(Unavailable(core_->OwnerMessage(partition)));
}

namespace {
// Waits (bounded) until the partition's writer is ready; kUnavailable when this node does not own it.
Result<void, LogError> RequireOwned(KafkaLogCore& core, int partition) {
  PartitionSlot& slot = *core.slots[partition];
  {
    std::unique_lock lock(slot.mu);
    if (slot.phase == Phase::kReady) return {};
  }
  return MakeErr(Unavailable(core.OwnerMessage(partition)));
}
}  // namespace

Result<std::vector<RecordedEvent>, LogError> KafkaEventLog::ReadStream(const std::string& tenant_id,
                                                                      const std::string& stream,
                                                                      std::int64_t from_version, std::size_t max) {
  if (tenant_id.empty() || stream.empty()) return MakeErr(Invalid("tenant_id and stream must not be empty"));
  std::vector<RecordedEvent> out;
  if (max == 0) return out;
  const int partition = commands::PartitionOf(tenant_id, core_->options.partitions);
  if (auto owned = RequireOwned(*core_, partition); !owned.ok()) return MakeErr(std::move(owned).error());
  const std::string prefix = PartitionPrefix('e', partition).append(StreamKey(tenant_id, stream));
  std::shared_lock index_lock(core_->slots[partition]->index_mu);  // a consistent view of one batch
  std::unique_ptr<rocksdb::Iterator> it(core_->db->NewIterator(rocksdb::ReadOptions()));
  std::string start = prefix;
  PutU64(start, static_cast<std::uint64_t>(std::max<std::int64_t>(from_version, 1)));
  for (it->Seek(start); it->Valid() && out.size() < max; it->Next()) {
    const rocksdb::Slice key = it->key();
    if (!key.starts_with(prefix) || key.size() != prefix.size() + 8) break;
    const rocksdb::Slice value = it->value();
    if (value.size() < 8) return MakeErr(Io("corrupt index entry of stream " + stream));
    try {
      RecordedEvent e = commands::DecodeEnvelope(std::string_view(value.data() + 8, value.size() - 8));
      e.partition = partition;
      e.offset = static_cast<std::int64_t>(GetU64(value.data()));
      out.push_back(std::move(e));
    } catch (const nlohmann::json::exception& e) {
      return MakeErr(Io("corrupt event of stream " + stream + ": " + e.what()));
    }
  }
  if (!it->status().ok()) return MakeErr(Io("read stream index: " + it->status().ToString()));
  return out;
}

Result<std::int64_t, LogError> KafkaEventLog::StreamVersion(const std::string& tenant_id, const std::string& stream) {
  if (tenant_id.empty() || stream.empty()) return MakeErr(Invalid("tenant_id and stream must not be empty"));
  const int partition = commands::PartitionOf(tenant_id, core_->options.partitions);
  if (auto owned = RequireOwned(*core_, partition); !owned.ok()) return MakeErr(std::move(owned).error());
  PartitionSlot& slot = *core_->slots[partition];
  std::shared_lock lock(slot.index_mu);
  const auto it = slot.versions.find(StreamKey(tenant_id, stream));
  return it == slot.versions.end() ? std::int64_t{0} : it->second;
}

Result<std::vector<RecordedEvent>, LogError> KafkaEventLog::ReadPartition(int partition, std::int64_t from_offset,
                                                                         std::size_t max) {
  if (partition < 0 || partition >= core_->options.partitions) {
    return MakeErr(Invalid("no partition " + std::to_string(partition)));
  }
  if (from_offset < 0) return MakeErr(Invalid("negative offset"));
  std::vector<RecordedEvent> out;
  if (max == 0) return out;
  auto end = EndOffset(partition);
  if (!end.ok()) return MakeErr(std::move(end).error());
  if (from_offset >= *end) return out;
  auto read = core_->ReadRange(partition, from_offset, *end, max, [&](const rd_kafka_message_t* m) {
    if (auto e = EventOf(m)) out.push_back(std::move(*e));
  });
  if (!read.ok()) return MakeErr(std::move(read).error());
  return out;
}

Result<std::int64_t, LogError> KafkaEventLog::EndOffset(int partition) {
  if (partition < 0 || partition >= core_->options.partitions) {
    return MakeErr(Invalid("no partition " + std::to_string(partition)));
  }
  if (core_->closed.load()) return MakeErr(Unavailable("event log is closed"));
  auto reader = core_->TakeReader();
  if (!reader.ok()) return MakeErr(std::move(reader).error());
  auto high = core_->HighWatermark(reader->get(), partition, /*fail_fast=*/true);
  core_->ReturnReader(std::move(*reader));
  if (!high.ok()) return high;
  // The LSO may trail our own just-committed transaction for a moment (markers are written after
  // the commit returns): never report less than what this node has acknowledged.
  return std::max(*high, core_->slots[partition]->applied.load());
}

std::unique_ptr<commands::Subscription> KafkaEventLog::Subscribe(int partition, std::int64_t from_offset) {
  std::optional<LogError> error;
  if (partition < 0 || partition >= core_->options.partitions) {
    error = Invalid("no partition " + std::to_string(partition));
    partition = 0;
  } else if (from_offset < 0) {
    error = Invalid("negative offset");
  }
  return std::make_unique<KafkaSubscription>(core_, partition, from_offset, std::move(error));
}

int KafkaEventLog::Partitions() const { return core_->options.partitions; }

std::vector<int> KafkaEventLog::OwnedPartitions() const {
  std::vector<int> owned;
  for (auto& slot : core_->slots) {
    std::lock_guard lock(slot->mu);
    if (slot->phase == Phase::kReady) owned.push_back(slot->partition);
  }
  return owned;
}

bool KafkaEventLog::WaitForOwnership(const std::vector<int>& partitions, std::chrono::milliseconds timeout) const {
  std::vector<int> wanted = partitions;
  std::sort(wanted.begin(), wanted.end());
  const auto deadline = Clock::now() + timeout;
  std::unique_lock lock(core_->ownership_mu);
  return core_->ownership_cv.wait_until(lock, deadline, [&] { return OwnedPartitions() == wanted; });
}

std::vector<int> KafkaEventLog::WaitForOwnershipChange(const std::vector<int>& known,
                                                       std::chrono::milliseconds timeout) const {
  std::vector<int> owned;
  std::unique_lock lock(core_->ownership_mu);
  core_->ownership_cv.wait_for(lock, timeout, [&] {
    owned = OwnedPartitions();
    return owned != known || core_->closed.load();
  });
  return owned;
}

std::uint64_t KafkaEventLog::CommittedTransactions() const {
  return core_->transactions.load(std::memory_order_relaxed);
}

const std::string& KafkaEventLog::NodeId() const { return core_->options.node_id; }

}  // namespace switchboard::adapters
