// RocksDbEventLog: storage layout, the group-commit writer thread and subscriptions.
//
// Column families (keys big-endian so that byte order is numeric order):
//   default          "partitions" -> decimal partition count (fixed at creation)
//   events           [u32 partition][u64 offset]                  -> EncodeEnvelope bytes
//   stream_index     StreamKey(tenant, stream) [u64 version]      -> [u32 partition][u64 offset]
//   stream_versions  StreamKey(tenant, stream)                    -> [u64 last version]
//   idempotency      [u32 len] tenant [idempotency key]           -> JSON of the first AppendResult
// StreamKey is [u32 len] tenant [u32 len] stream: length prefixes make it prefix-free, so a
// stream's index entries are exactly the keys starting with its StreamKey.
//
// Write path: Append validates and pre-encodes on the caller's thread, joins the open group, and
// sleeps on the group's futex. The one writer thread closes the open group, checks expected versions against the committed
// versions plus the group's own earlier appends, assigns offsets, writes one WriteBatch with
// sync=true, and only then publishes the new end offsets and versions and wakes the callers.
// Readers never read past a published end offset, so offset N+1 is never seen before N.
//
// Read-only mode (OpenReadOnly): the DB is a RocksDB secondary instance of a primary that is
// usually open in another process. It has no writer thread. Its view of the DB changes only in
// CatchUp (TryCatchUpWithPrimary, which replays the primary's MANIFEST and WAL tail; a WAL record
// is one whole WriteBatch), and CatchUp then advances each partition's published end offset over
// the event keys now present, stopping at the first missing offset. The stream index and versions
// are written in the same batches as the events; ReadStream ignores index entries at or past the
// published end, and StreamVersion is derived from the index the same way, never from the
// stream_versions family (which a catch-up may have moved past the published end offsets).
#include "adapters/rocksdb/rocksdb_event_log.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <limits>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include <nlohmann/json.hpp>
#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/write_batch.h>

#include "adapters/rocksdb/envelope_template.h"
#include "adapters/rocksdb/rocksdb_options.h"
#include "adapters/rocksdb/rocksdb_status.h"

namespace switchboard::adapters {

using commands::AppendRequest;
using commands::AppendResult;
using commands::ExpectedVersion;
using commands::LogError;
using commands::RecordedEvent;

namespace {

constexpr std::string_view kPartitionsKey = "partitions";
constexpr const char* kEventsCf = "events";
constexpr const char* kIndexCf = "stream_index";
constexpr const char* kVersionsCf = "stream_versions";
constexpr const char* kIdempotencyCf = "idempotency";

LogError Invalid(std::string message) {
  LogError e;
  e.code = LogError::Code::kInvalid;
  e.message = std::move(message);
  return e;
}

LogError Unavailable() {
  LogError e;
  e.code = LogError::Code::kUnavailable;
  e.message = "event log is closed";
  return e;
}

LogError ReadOnly() {
  LogError e;
  e.code = LogError::Code::kUnavailable;
  e.message = "read-only log: appends go to the process that has the event log open for writing";
  return e;
}

LogError Corrupt(std::string message) {
  LogError e;
  e.code = LogError::Code::kIo;
  e.message = "corrupt event log: " + std::move(message);
  return e;
}

// --- key encoding ------------------------------------------------------------------------------

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

std::uint32_t GetU32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

std::string EventKey(int partition, std::int64_t offset) {
  std::string k;
  k.reserve(12);
  PutU32(k, static_cast<std::uint32_t>(partition));
  PutU64(k, static_cast<std::uint64_t>(offset));
  return k;
}

std::string StreamKey(std::string_view tenant_id, std::string_view stream) {
  std::string k;
  k.reserve(8 + tenant_id.size() + stream.size() + 8);
  PutU32(k, static_cast<std::uint32_t>(tenant_id.size()));
  k.append(tenant_id);
  PutU32(k, static_cast<std::uint32_t>(stream.size()));
  k.append(stream);
  return k;
}

std::string IndexKey(const std::string& stream_key, std::int64_t version) {
  std::string k;
  k.reserve(stream_key.size() + 8);
  k.append(stream_key);
  PutU64(k, static_cast<std::uint64_t>(version));
  return k;
}

std::string IdempotencyKey(std::string_view tenant_id, std::string_view key) {
  std::string k;
  k.reserve(4 + tenant_id.size() + key.size());
  PutU32(k, static_cast<std::uint32_t>(tenant_id.size()));
  k.append(tenant_id);
  k.append(key);
  return k;
}




std::int64_t SteadyNanos(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}


// One stream of an append, prepared on the caller's thread.
struct PreparedStream {
  std::string key;  // StreamKey
  std::vector<EnvelopeTemplate> events;
};

// An append waiting for the writer. Lives on the appending thread's stack; the writer fills in
// result before it marks the append's group done.
struct Pending {
  const AppendRequest* request = nullptr;
  int partition = 0;
  std::string idempotency_key;  // IdempotencyKey(), empty when the request has none
  std::vector<PreparedStream> streams;

  std::optional<Result<AppendResult, LogError>> result;
  bool needs_durable_batch = false;  // the result holds only if the group's batch is written
};

// The appends committed together. Appenders join the open group and wait on `done`; the writer
// completes a whole group with one store and one futex wake-up (per-append condition variables
// cost a wake-up each plus a lock hand-off, which dominated the profile). Shared ownership keeps
// the atomic alive until the writer's notify_all has returned, whichever side finishes first.
struct Group {
  std::vector<Pending*> members;
  std::atomic<int> done{0};  // int: libstdc++ waits on int atomics with a direct futex

  void Complete() {
    done.store(1, std::memory_order_release);
    done.notify_all();
  }
  void Wait() {
    while (done.load(std::memory_order_acquire) == 0) done.wait(0, std::memory_order_acquire);
  }
};

}  // namespace

namespace detail {

struct RocksDbLogCore {
  int partitions = 0;

  // Null once closed. Readers hold close_mu shared while they use db; Close() holds it exclusively,
  // so the DB (and its column family handles) never close under a live iterator.
  std::shared_mutex close_mu;
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::ColumnFamilyHandle* meta_cf = nullptr;
  rocksdb::ColumnFamilyHandle* events_cf = nullptr;
  rocksdb::ColumnFamilyHandle* index_cf = nullptr;
  rocksdb::ColumnFamilyHandle* versions_cf = nullptr;
  rocksdb::ColumnFamilyHandle* idempotency_cf = nullptr;

  // Published end offset per partition: advanced only after the batch holding the offsets is durable.
  std::unique_ptr<std::atomic<std::int64_t>[]> end_offsets;
  // Signalled after each durable batch and on close; subscriptions wait on it.
  std::mutex commit_mu;
  std::condition_variable commit_cv;
  std::atomic<bool> closed{false};
  std::atomic<std::uint64_t> synced_batches{0};

  // Committed last version of every stream, by StreamKey. Kept whole in memory so that an append
  // never reads the DB to check its expected version (one entry per stream: a deliberate memory
  // for latency trade). Only the writer mutates it, under versions_mu exclusively; the writer
  // itself reads it unlocked.
  std::shared_mutex versions_mu;
  std::unordered_map<std::string, std::int64_t> versions;

  // The group appenders join; the writer swaps in a fresh one when it takes it.
  std::mutex queue_mu;
  std::condition_variable queue_cv;
  std::shared_ptr<Group> open_group = std::make_shared<Group>();
  bool stopping = false;
  std::thread writer;

  // Writer-thread-only state.
  std::vector<std::int64_t> next_offsets;
  rocksdb::WriteBatch batch;

  // Read-only (secondary) mode. catch_up_mu serializes catch-ups; last_catch_up_ns is the
  // steady-clock time at which the latest completed catch-up started (also readable lock-free).
  bool read_only = false;
  std::mutex catch_up_mu;
  std::atomic<std::int64_t> last_catch_up_ns{std::numeric_limits<std::int64_t>::min()};

  ~RocksDbLogCore() { Close(); }

  void Close() {
    {
      std::unique_lock lock(close_mu);
      if (db) {
        for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
        handles.clear();
        const rocksdb::Status s = db->Close();
        if (!s.ok()) std::fprintf(stderr, "RocksDbEventLog: close failed: %s\n", s.ToString().c_str());
        db.reset();
      }
    }
    {
      std::lock_guard lock(commit_mu);
      closed = true;
    }
    commit_cv.notify_all();
  }

  void WriterLoop();
  void CommitGroup(std::vector<Pending*>& group);
  void Publish();

  // Read-only mode: ensures the view includes everything the primary had written when some
  // catch-up started at or after not_before (so not_before = now - interval rate-limits, and
  // not_before = now is a fresh catch-up, shared with callers waiting for one concurrently).
  // kUnavailable once closed. Must not be called with close_mu held.
  Result<void, LogError> CatchUp(std::chrono::steady_clock::time_point not_before);
  // Advances the published end offsets over the contiguous event keys present (catch_up_mu and
  // close_mu held, db open).
  Result<void, LogError> AdvanceEndOffsets();

  // Events [from, to) of a partition; the caller guarantees to <= the published end offset.
  Result<std::vector<RecordedEvent>, LogError> ReadRange(int partition, std::int64_t from, std::int64_t to);
};

void RocksDbLogCore::WriterLoop() {
  for (;;) {
    std::shared_ptr<Group> group;
    {
      std::unique_lock lock(queue_mu);
      queue_cv.wait(lock, [&] { return stopping || !open_group->members.empty(); });
      if (stopping) return;  // the destructor fails whatever is still queued
      // Woken by the first appender of a wave: give the others that are runnable one time slice to
      // join, so the group (and what one fsync covers) is not just that first appender. Costs
      // nothing when no other thread is runnable.
      lock.unlock();
      std::this_thread::yield();
      lock.lock();
      if (stopping) return;
      group = std::exchange(open_group, std::make_shared<Group>());
    }
    CommitGroup(group->members);
    group->Complete();
  }
}

void RocksDbLogCore::CommitGroup(std::vector<Pending*>& group) {
  batch.Clear();
  // Versions and idempotency results created by earlier appends of this group, not yet durable.
  std::unordered_map<std::string, std::int64_t> overlay;
  std::unordered_map<std::string_view, const Pending*> keys_in_group;
  std::vector<std::int64_t> next = next_offsets;
  const std::string recorded_at = commands::NowRfc3339Millis();
  std::string envelope;
  std::vector<std::int64_t> current;

  auto version_of = [&](const std::string& key) -> std::int64_t {
    if (auto it = overlay.find(key); it != overlay.end()) return it->second;
    if (auto it = versions.find(key); it != versions.end()) return it->second;
    return 0;
  };

  for (Pending* p : group) {
    const AppendRequest& req = *p->request;
    if (!p->idempotency_key.empty()) {
      if (auto it = keys_in_group.find(p->idempotency_key); it != keys_in_group.end()) {
        AppendResult first = it->second->result->value();
        first.duplicate = true;
        p->result = std::move(first);
        p->needs_durable_batch = true;
        continue;
      }
      std::string stored;
      const rocksdb::Status s = db->Get(rocksdb::ReadOptions(), idempotency_cf, p->idempotency_key, &stored);
      if (s.ok()) {
        try {
          AppendResult first = commands::DecodeAppendResult(stored);
          first.duplicate = true;
          p->result = std::move(first);
        } catch (const nlohmann::json::exception& e) {
          p->result = MakeErr(Corrupt("idempotency record of " + req.idempotency_key + ": " + e.what()));
        }
        continue;
      }
      if (!s.IsNotFound()) {
        p->result = MakeErr(IoError("idempotency lookup", s));
        continue;
      }
    }

    current.clear();
    std::optional<LogError> conflict;
    for (std::size_t i = 0; i < p->streams.size(); ++i) {
      const auto& expected = req.streams[i].expected;
      const std::int64_t actual = version_of(p->streams[i].key);
      if (!expected.Matches(actual)) {
        conflict = commands::ConflictError(req.streams[i].stream, actual);
        break;
      }
      current.push_back(actual);
    }
    if (conflict) {
      p->result = MakeErr(std::move(*conflict));
      continue;
    }

    AppendResult r;
    r.partition = p->partition;
    r.first_offset = next[p->partition];
    r.stream_versions.reserve(p->streams.size());
    for (std::size_t i = 0; i < p->streams.size(); ++i) {
      const PreparedStream& ps = p->streams[i];
      std::int64_t version = current[i];
      for (const EnvelopeTemplate& t : ps.events) {
        ++version;
        const std::int64_t offset = next[p->partition]++;
        FinishEnvelope(t, offset, recorded_at, version, &envelope);
        const std::string event_key = EventKey(p->partition, offset);
        batch.Put(events_cf, event_key, envelope);
        batch.Put(index_cf, IndexKey(ps.key, version), event_key);
      }
      if (!ps.events.empty()) {
        std::string value;
        PutU64(value, static_cast<std::uint64_t>(version));
        batch.Put(versions_cf, ps.key, value);
        overlay[ps.key] = version;
      }
      r.stream_versions.push_back(version);
    }
    r.last_offset = next[p->partition] - 1;
    if (!p->idempotency_key.empty()) {
      batch.Put(idempotency_cf, p->idempotency_key, commands::EncodeAppendResult(r));
      keys_in_group.emplace(p->idempotency_key, p);
    }
    p->result = std::move(r);
    p->needs_durable_batch = true;
  }

  if (batch.Count() > 0) {
    rocksdb::WriteOptions options;
    options.sync = true;
    const rocksdb::Status s = db->Write(options, &batch);
    if (s.ok()) {
      synced_batches.fetch_add(1, std::memory_order_relaxed);
      {
        std::unique_lock lock(versions_mu);
        while (!overlay.empty()) {
          auto node = overlay.extract(overlay.begin());
          if (auto it = versions.find(node.key()); it != versions.end()) {
            it->second = node.mapped();
          } else {
            versions.insert(std::move(node));
          }
        }
      }
      next_offsets = std::move(next);
      Publish();
    } else {
      for (Pending* p : group) {
        if (p->needs_durable_batch) p->result = MakeErr(IoError("append", s));
      }
    }
  }
}

void RocksDbLogCore::Publish() {
  for (int p = 0; p < partitions; ++p) end_offsets[p].store(next_offsets[p], std::memory_order_release);
  // The empty critical section orders the stores before any waiter's predicate check, so a
  // subscription cannot miss this wake-up between checking and sleeping.
  { std::lock_guard lock(commit_mu); }
  commit_cv.notify_all();
}

Result<void, LogError> RocksDbLogCore::CatchUp(std::chrono::steady_clock::time_point not_before) {
  const std::int64_t wanted = SteadyNanos(not_before);
  if (last_catch_up_ns.load(std::memory_order_acquire) >= wanted) {
    if (closed.load()) return MakeErr(Unavailable());
    return {};
  }
  std::shared_lock close(close_mu);
  if (!db) return MakeErr(Unavailable());
  {
    std::lock_guard lock(catch_up_mu);
    if (last_catch_up_ns.load(std::memory_order_relaxed) >= wanted) return {};  // done while we waited
    const std::int64_t started = SteadyNanos(std::chrono::steady_clock::now());
    const rocksdb::Status s = db->TryCatchUpWithPrimary();
    if (!s.ok()) return MakeErr(IoError("catch up with the primary event log", s));
    if (auto advanced = AdvanceEndOffsets(); !advanced.ok()) return advanced;
    last_catch_up_ns.store(started, std::memory_order_release);
  }
  // Wake subscriptions waiting for events (theirs or anyone's catch-up may have brought some).
  { std::lock_guard lock(commit_mu); }
  commit_cv.notify_all();
  return {};
}

Result<void, LogError> RocksDbLogCore::AdvanceEndOffsets() {
  // One iterator: one consistent view of the events family for every partition.
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), events_cf));
  for (int p = 0; p < partitions; ++p) {
    std::int64_t end = end_offsets[p].load(std::memory_order_relaxed);
    std::string expected = EventKey(p, end);
    for (it->Seek(expected); it->Valid() && it->key() == expected; it->Next()) expected = EventKey(p, ++end);
    if (!it->status().ok()) return MakeErr(IoError("read partition end", it->status()));
    end_offsets[p].store(end, std::memory_order_release);
  }
  return {};
}

Result<std::vector<RecordedEvent>, LogError> RocksDbLogCore::ReadRange(int partition, std::int64_t from,
                                                                       std::int64_t to) {
  std::vector<RecordedEvent> out;
  if (from >= to) return out;
  std::shared_lock lock(close_mu);
  if (!db) return MakeErr(Unavailable());
  const std::string lower = EventKey(partition, from);
  const std::string upper = EventKey(partition, to);
  const rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions options;
  options.iterate_upper_bound = &upper_slice;
  out.reserve(static_cast<std::size_t>(std::min<std::int64_t>(to - from, 1024)));  // `to` may be far off
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(options, events_cf));
  std::int64_t expected = from;
  for (it->Seek(lower); it->Valid(); it->Next()) {
    const std::int64_t offset = static_cast<std::int64_t>(GetU64(it->key().data() + 4));
    if (offset != expected) {
      return MakeErr(Corrupt("partition " + std::to_string(partition) + " lacks offset " + std::to_string(expected)));
    }
    try {
      out.push_back(commands::DecodeEnvelope(it->value().ToStringView()));
    } catch (const nlohmann::json::exception& e) {
      return MakeErr(Corrupt("event " + std::to_string(partition) + ":" + std::to_string(offset) + ": " + e.what()));
    }
    ++expected;
  }
  if (!it->status().ok()) return MakeErr(IoError("read partition", it->status()));
  if (expected != to) {
    return MakeErr(Corrupt("partition " + std::to_string(partition) + " lacks offset " + std::to_string(expected)));
  }
  return out;
}

}  // namespace detail

namespace {

using detail::RocksDbLogCore;

class RocksDbSubscription final : public commands::Subscription {
 public:
  RocksDbSubscription(std::shared_ptr<RocksDbLogCore> core, int partition, std::int64_t from,
                      std::optional<LogError> error)
      : core_(std::move(core)), partition_(partition), position_(from), error_(std::move(error)) {}

  Result<std::vector<RecordedEvent>, LogError> Next(std::size_t max, std::chrono::milliseconds wait) override {
    if (error_) return MakeErr(*error_);
    if (max == 0) return std::vector<RecordedEvent>{};
    const std::atomic<std::int64_t>& end_offset = core_->end_offsets[partition_];
    std::int64_t end = end_offset.load(std::memory_order_acquire);
    if (end <= position_ && core_->read_only) {
      auto waited = WaitReadOnly(wait);
      if (!waited.ok()) return MakeErr(std::move(waited).error());
      end = *waited;
      if (end <= position_) return std::vector<RecordedEvent>{};
    } else if (end <= position_) {
      std::unique_lock lock(core_->commit_mu);
      core_->commit_cv.wait_for(lock, wait, [&] {
        return core_->closed.load() || end_offset.load(std::memory_order_acquire) > position_;
      });
      if (core_->closed.load()) return MakeErr(Unavailable());
      end = end_offset.load(std::memory_order_acquire);
      if (end <= position_) return std::vector<RecordedEvent>{};
    }
    const std::int64_t count = static_cast<std::int64_t>(
        std::min<std::uint64_t>(max, static_cast<std::uint64_t>(end - position_)));
    auto events = core_->ReadRange(partition_, position_, position_ + count);
    if (events.ok()) position_ += count;
    return events;
  }

  std::int64_t Position() const override { return position_; }

 private:
  // Read-only mode: catches up (rate-limited) until the partition has events past position_ or
  // `wait` has passed; returns the end offset then.
  Result<std::int64_t, LogError> WaitReadOnly(std::chrono::milliseconds wait) {
    using Clock = std::chrono::steady_clock;
    const std::atomic<std::int64_t>& end_offset = core_->end_offsets[partition_];
    const auto deadline = Clock::now() + wait;
    for (;;) {
      if (auto c = core_->CatchUp(Clock::now() - RocksDbEventLog::kCatchUpInterval); !c.ok()) {
        return MakeErr(std::move(c).error());
      }
      std::int64_t end = end_offset.load(std::memory_order_acquire);
      const auto now = Clock::now();
      if (end > position_ || now >= deadline) return end;
      // Sleep until the next catch-up is due; another caller's catch-up or Close wakes us early.
      const auto last = Clock::time_point(std::chrono::nanoseconds(core_->last_catch_up_ns.load()));
      const auto due = std::max(last + RocksDbEventLog::kCatchUpInterval + std::chrono::milliseconds(1), now);
      std::unique_lock lock(core_->commit_mu);
      core_->commit_cv.wait_until(lock, std::min(due, deadline), [&] {
        return core_->closed.load() || end_offset.load(std::memory_order_acquire) > position_;
      });
      if (core_->closed.load()) return MakeErr(Unavailable());
    }
  }

  std::shared_ptr<RocksDbLogCore> core_;
  int partition_;
  std::int64_t position_;
  std::optional<LogError> error_;  // set when the subscription was requested with bad arguments
};

}  // namespace

// --- RocksDbEventLog ---------------------------------------------------------------------------

namespace {

const std::vector<std::string>& ColumnFamilyNames() {
  static const std::vector<std::string> names = {rocksdb::kDefaultColumnFamilyName, kEventsCf, kIndexCf,
                                                 kVersionsCf, kIdempotencyCf};
  return names;
}

std::vector<rocksdb::ColumnFamilyDescriptor> ColumnFamilies() {
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const auto& name : ColumnFamilyNames()) families.emplace_back(name, LogColumnFamilyOptions(name));
  return families;
}

void AdoptDb(RocksDbLogCore& core, rocksdb::DB* raw, const std::vector<rocksdb::ColumnFamilyHandle*>& handles) {
  core.db.reset(raw);
  core.handles = handles;
  core.meta_cf = handles[0];
  core.events_cf = handles[1];
  core.index_cf = handles[2];
  core.versions_cf = handles[3];
  core.idempotency_cf = handles[4];
}

LogError OtherPartitionCount(const std::string& dir, const std::string& stored, int partitions) {
  return Invalid("event log in " + dir + " has " + stored + " partitions, not " + std::to_string(partitions) +
                 "; re-partitioning is not supported");
}

// Recovers the end offsets (last key of each partition + 1). The primary writes a partition's
// offsets in order in whole batches, so the keys below the last one are all present.
Result<void, LogError> RecoverEndOffsets(RocksDbLogCore& core) {
  const int partitions = core.partitions;
  core.end_offsets = std::make_unique<std::atomic<std::int64_t>[]>(static_cast<std::size_t>(partitions));
  core.next_offsets.assign(static_cast<std::size_t>(partitions), 0);
  std::unique_ptr<rocksdb::Iterator> it(core.db->NewIterator(rocksdb::ReadOptions(), core.events_cf));
  for (int p = 0; p < partitions; ++p) {
    it->SeekForPrev(EventKey(p, std::numeric_limits<std::int64_t>::max()));
    std::int64_t end = 0;
    if (it->Valid() && it->key().size() == 12 && static_cast<int>(GetU32(it->key().data())) == p) {
      end = static_cast<std::int64_t>(GetU64(it->key().data() + 4)) + 1;
    }
    core.next_offsets[p] = end;
    core.end_offsets[p].store(end);
  }
  if (!it->status().ok()) return MakeErr(IoError("recover end offsets", it->status()));
  return {};
}

}  // namespace

Result<std::unique_ptr<RocksDbEventLog>, LogError> RocksDbEventLog::Open(const std::string& dir, int partitions) {
  if (partitions < 1) return MakeErr(Invalid("partitions must be >= 1, got " + std::to_string(partitions)));
  auto core = std::make_shared<RocksDbLogCore>();
  core->partitions = partitions;

  rocksdb::DB* raw = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::Status s = rocksdb::DB::Open(LogDbOptions(), dir, ColumnFamilies(), &handles, &raw);
  if (!s.ok()) return MakeErr(IoError("open event log in " + dir, s));
  AdoptDb(*core, raw, handles);
  rocksdb::DB& db = *core->db;

  std::string stored;
  s = db.Get(rocksdb::ReadOptions(), core->meta_cf, kPartitionsKey, &stored);
  if (s.IsNotFound()) {
    rocksdb::WriteOptions sync;
    sync.sync = true;
    s = db.Put(sync, core->meta_cf, kPartitionsKey, std::to_string(partitions));
    if (!s.ok()) return MakeErr(IoError("record partition count", s));
  } else if (!s.ok()) {
    return MakeErr(IoError("read partition count", s));
  } else if (stored != std::to_string(partitions)) {
    return MakeErr(OtherPartitionCount(dir, stored, partitions));
  }

  if (auto recovered = RecoverEndOffsets(*core); !recovered.ok()) return MakeErr(std::move(recovered).error());
  {
    std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions(), core->versions_cf));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (it->value().size() != 8) return MakeErr(Corrupt("stream version record of size " + std::to_string(it->value().size())));
      core->versions.emplace(it->key().ToString(), static_cast<std::int64_t>(GetU64(it->value().data())));
    }
    if (!it->status().ok()) return MakeErr(IoError("recover stream versions", it->status()));
  }
  return std::unique_ptr<RocksDbEventLog>(new RocksDbEventLog(std::move(core)));
}

Result<std::unique_ptr<RocksDbEventLog>, LogError> RocksDbEventLog::OpenReadOnly(const std::string& dir,
                                                                                const std::string& secondary_dir,
                                                                                int partitions) {
  if (partitions < 0) return MakeErr(Invalid("partitions must be >= 0, got " + std::to_string(partitions)));
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::path(dir) / "CURRENT", ec)) {
    LogError e;
    e.code = LogError::Code::kIo;
    e.message = "no event log in " + dir;
    return MakeErr(std::move(e));
  }
  std::filesystem::create_directories(secondary_dir, ec);
  if (ec) {
    LogError e;
    e.code = LogError::Code::kIo;
    e.message = "cannot create " + secondary_dir + ": " + ec.message();
    return MakeErr(std::move(e));
  }
  auto core = std::make_shared<RocksDbLogCore>();
  core->read_only = true;

  rocksdb::DBOptions options = LogDbOptions();
  options.create_if_missing = false;
  options.create_missing_column_families = false;
  options.max_open_files = -1;  // required of a secondary: it keeps every table file it knows open
  rocksdb::DB* raw = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  const auto opening = std::chrono::steady_clock::now();  // opening catches up like TryCatchUpWithPrimary
  rocksdb::Status s = rocksdb::DB::OpenAsSecondary(options, dir, secondary_dir, ColumnFamilies(), &handles, &raw);
  if (!s.ok()) return MakeErr(IoError("open event log in " + dir + " read-only", s));
  AdoptDb(*core, raw, handles);
  rocksdb::DB& db = *core->db;

  // OpenAsSecondary already replayed the primary's MANIFEST and WAL: the view is current.
  std::string stored;
  s = db.Get(rocksdb::ReadOptions(), core->meta_cf, kPartitionsKey, &stored);
  if (s.IsNotFound()) {
    LogError e;
    e.code = LogError::Code::kIo;
    e.message = "event log in " + dir + " has no partition count yet";
    return MakeErr(std::move(e));
  }
  if (!s.ok()) return MakeErr(IoError("read partition count", s));
  int stored_count = 0;
  try {
    std::size_t used = 0;
    stored_count = std::stoi(stored, &used);
    if (used != stored.size()) stored_count = 0;
  } catch (const std::exception&) {
    stored_count = 0;
  }
  if (stored_count < 1) return MakeErr(Corrupt("partition count \"" + stored + "\""));
  if (partitions != 0 && stored_count != partitions) return MakeErr(OtherPartitionCount(dir, stored, partitions));
  core->partitions = stored_count;

  if (auto recovered = RecoverEndOffsets(*core); !recovered.ok()) return MakeErr(std::move(recovered).error());
  core->last_catch_up_ns.store(SteadyNanos(opening));
  return std::unique_ptr<RocksDbEventLog>(new RocksDbEventLog(std::move(core)));
}

RocksDbEventLog::RocksDbEventLog(std::shared_ptr<RocksDbLogCore> core) : core_(std::move(core)) {
  if (core_->read_only) return;  // nothing to write
  RocksDbLogCore* c = core_.get();
  core_->writer = std::thread([c] { c->WriterLoop(); });
}

RocksDbEventLog::~RocksDbEventLog() {
  {
    std::lock_guard lock(core_->queue_mu);
    core_->stopping = true;
  }
  core_->queue_cv.notify_all();
  if (core_->writer.joinable()) core_->writer.join();
  std::shared_ptr<Group> leftover;
  {
    std::lock_guard lock(core_->queue_mu);
    leftover = core_->open_group;
  }
  for (Pending* p : leftover->members) p->result = MakeErr(Unavailable());
  leftover->Complete();
  core_->Close();
}

Result<AppendResult, LogError> RocksDbEventLog::Append(const AppendRequest& request) {
  if (core_->read_only) return MakeErr(ReadOnly());
  if (auto invalid = commands::ValidateAppend(request)) return MakeErr(std::move(*invalid));
  Pending pending;
  pending.request = &request;
  pending.partition = commands::PartitionOf(request.tenant_id, core_->partitions);
  if (!request.idempotency_key.empty()) {
    pending.idempotency_key = IdempotencyKey(request.tenant_id, request.idempotency_key);
  }
  pending.streams.reserve(request.streams.size());
  try {
    for (const auto& s : request.streams) {
      PreparedStream& ps = pending.streams.emplace_back();
      ps.key = StreamKey(request.tenant_id, s.stream);
      ps.events.reserve(s.events.size());
      for (const auto& e : s.events) {
        ps.events.push_back(
            MakeEnvelopeTemplate(e, request.tenant_id, s.stream, pending.partition, request.idempotency_key));
      }
    }
  } catch (const nlohmann::json::exception& e) {
    return MakeErr(Invalid(std::string("event cannot be encoded as JSON: ") + e.what()));
  }

  std::shared_ptr<Group> group;
  {
    std::lock_guard lock(core_->queue_mu);
    if (core_->stopping) return MakeErr(Unavailable());
    group = core_->open_group;
    group->members.push_back(&pending);
  }
  core_->queue_cv.notify_one();
  group->Wait();
  return std::move(*pending.result);
}

Result<std::vector<RecordedEvent>, LogError> RocksDbEventLog::ReadStream(const std::string& tenant_id,
                                                                        const std::string& stream,
                                                                        std::int64_t from_version,
                                                                        std::size_t max) {
  if (tenant_id.empty() || stream.empty()) return MakeErr(Invalid("tenant_id and stream must not be empty"));
  std::vector<RecordedEvent> out;
  if (max == 0) return out;
  const std::int64_t from = std::max<std::int64_t>(from_version, 1);
  const int partition = commands::PartitionOf(tenant_id, core_->partitions);
  if (core_->read_only) {
    if (auto c = core_->CatchUp(std::chrono::steady_clock::now()); !c.ok()) return MakeErr(std::move(c).error());
  }
  // Index entries past the published end belong to a batch whose append has not returned yet.
  const std::int64_t end = core_->end_offsets[partition].load(std::memory_order_acquire);
  const std::string prefix = StreamKey(tenant_id, stream);

  std::shared_lock lock(core_->close_mu);
  if (!core_->db) return MakeErr(Unavailable());
  std::vector<std::string> event_keys;
  {
    std::unique_ptr<rocksdb::Iterator> it(core_->db->NewIterator(rocksdb::ReadOptions(), core_->index_cf));
    std::int64_t expected = from;
    for (it->Seek(IndexKey(prefix, from)); it->Valid() && event_keys.size() < max; it->Next()) {
      const rocksdb::Slice key = it->key();
      if (!key.starts_with(prefix) || key.size() != prefix.size() + 8) break;
      const std::int64_t version = static_cast<std::int64_t>(GetU64(key.data() + prefix.size()));
      if (version != expected) {
        return MakeErr(Corrupt("stream " + stream + " lacks version " + std::to_string(expected)));
      }
      if (it->value().size() != 12) return MakeErr(Corrupt("index entry of stream " + stream));
      if (static_cast<std::int64_t>(GetU64(it->value().data() + 4)) >= end) break;
      event_keys.push_back(it->value().ToString());
      ++expected;
    }
    if (!it->status().ok()) return MakeErr(IoError("read stream index", it->status()));
  }
  if (event_keys.empty()) return out;

  std::vector<rocksdb::Slice> keys(event_keys.begin(), event_keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  core_->db->MultiGet(rocksdb::ReadOptions(), core_->events_cf, keys.size(), keys.data(), values.data(),
                      statuses.data());
  out.reserve(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) return MakeErr(Corrupt("stream " + stream + " points at a missing event"));
    if (!statuses[i].ok()) return MakeErr(IoError("read stream events", statuses[i]));
    try {
      out.push_back(commands::DecodeEnvelope(values[i].ToStringView()));
    } catch (const nlohmann::json::exception& e) {
      return MakeErr(Corrupt("event of stream " + stream + ": " + e.what()));
    }
  }
  return out;
}

Result<std::int64_t, LogError> RocksDbEventLog::StreamVersion(const std::string& tenant_id,
                                                              const std::string& stream) {
  if (tenant_id.empty() || stream.empty()) return MakeErr(Invalid("tenant_id and stream must not be empty"));
  const std::string key = StreamKey(tenant_id, stream);
  if (core_->read_only) return ReadOnlyStreamVersion(tenant_id, key);
  std::shared_lock lock(core_->versions_mu);
  const auto it = core_->versions.find(key);
  return it == core_->versions.end() ? std::int64_t{0} : it->second;
}

Result<std::vector<RecordedEvent>, LogError> RocksDbEventLog::ReadPartition(int partition, std::int64_t from_offset,
                                                                           std::size_t max) {
  if (partition < 0 || partition >= core_->partitions) {
    return MakeErr(Invalid("no partition " + std::to_string(partition)));
  }
  if (from_offset < 0) return MakeErr(Invalid("negative offset"));
  if (max == 0) return std::vector<RecordedEvent>{};
  std::int64_t end = core_->end_offsets[partition].load(std::memory_order_acquire);
  // Read-only: a request reaching past the known end may be after events the primary has.
  if (core_->read_only && (from_offset >= end || static_cast<std::uint64_t>(end - from_offset) < max)) {
    if (auto c = core_->CatchUp(std::chrono::steady_clock::now()); !c.ok()) return MakeErr(std::move(c).error());
    end = core_->end_offsets[partition].load(std::memory_order_acquire);
  }
  if (from_offset >= end) return std::vector<RecordedEvent>{};
  const std::int64_t count =
      static_cast<std::int64_t>(std::min<std::uint64_t>(max, static_cast<std::uint64_t>(end - from_offset)));
  return core_->ReadRange(partition, from_offset, from_offset + count);
}

Result<std::int64_t, LogError> RocksDbEventLog::EndOffset(int partition) {
  if (partition < 0 || partition >= core_->partitions) {
    return MakeErr(Invalid("no partition " + std::to_string(partition)));
  }
  if (core_->read_only) {
    const auto not_before = std::chrono::steady_clock::now() - kCatchUpInterval;
    if (auto c = core_->CatchUp(not_before); !c.ok()) return MakeErr(std::move(c).error());
  }
  return core_->end_offsets[partition].load(std::memory_order_acquire);
}

std::unique_ptr<commands::Subscription> RocksDbEventLog::Subscribe(int partition, std::int64_t from_offset) {
  std::optional<LogError> error;
  if (partition < 0 || partition >= core_->partitions) {
    error = Invalid("no partition " + std::to_string(partition));
    partition = 0;
  } else if (from_offset < 0) {
    error = Invalid("negative offset");
  }
  return std::make_unique<RocksDbSubscription>(core_, partition, from_offset, std::move(error));
}

int RocksDbEventLog::Partitions() const { return core_->partitions; }

std::uint64_t RocksDbEventLog::SyncedBatches() const {
  return core_->synced_batches.load(std::memory_order_relaxed);
}

bool RocksDbEventLog::IsReadOnly() const { return core_->read_only; }

// Read-only mode: the highest version whose index entry points below the published end offset.
// Versions of a stream take increasing offsets of one partition, so that is a suffix walk back.
Result<std::int64_t, LogError> RocksDbEventLog::ReadOnlyStreamVersion(const std::string& tenant_id,
                                                                      const std::string& stream_key) {
  if (auto c = core_->CatchUp(std::chrono::steady_clock::now()); !c.ok()) return MakeErr(std::move(c).error());
  const int partition = commands::PartitionOf(tenant_id, core_->partitions);
  const std::int64_t end = core_->end_offsets[partition].load(std::memory_order_acquire);
  std::shared_lock lock(core_->close_mu);
  if (!core_->db) return MakeErr(Unavailable());
  std::unique_ptr<rocksdb::Iterator> it(core_->db->NewIterator(rocksdb::ReadOptions(), core_->index_cf));
  std::int64_t version = 0;
  for (it->SeekForPrev(IndexKey(stream_key, std::numeric_limits<std::int64_t>::max())); it->Valid(); it->Prev()) {
    const rocksdb::Slice key = it->key();
    if (!key.starts_with(stream_key) || key.size() != stream_key.size() + 8) break;
    if (it->value().size() != 12) return MakeErr(Corrupt("index entry of a stream of " + tenant_id));
    if (static_cast<std::int64_t>(GetU64(it->value().data() + 4)) < end) {
      version = static_cast<std::int64_t>(GetU64(key.data() + stream_key.size()));
      break;
    }
  }
  if (!it->status().ok()) return MakeErr(IoError("read stream index", it->status()));
  return version;
}

}  // namespace switchboard::adapters
