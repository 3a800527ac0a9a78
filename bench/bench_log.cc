// bench_log: throughput of RocksDbEventLog against raw RocksDB measured in the same run, on the same
// disk and options (DESIGN.md §7: print ratios against the raw limits, never fail on timing).
// Prints `name value` lines; runs about 15 s. Single-threaded driver, multi-threaded appenders.
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "adapters/rocksdb/rocksdb_event_log.h"
#include "adapters/rocksdb/rocksdb_options.h"
#include "tests/support/temp_dir.h"

namespace {

using Clock = std::chrono::steady_clock;
using switchboard::adapters::RocksDbEventLog;
namespace commands = switchboard::commands;

constexpr std::size_t kValueBytes = 300;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::string Key(std::uint64_t n) {
  std::string k(8, '\0');
  for (int i = 7; i >= 0; --i, n >>= 8) k[i] = static_cast<char>(n & 0xff);
  return k;
}

std::unique_ptr<rocksdb::DB> OpenRaw(const std::string& dir) {
  rocksdb::Options options(switchboard::adapters::LogDbOptions(),
                           switchboard::adapters::LogColumnFamilyOptions("events"));
  rocksdb::DB* db = nullptr;
  const rocksdb::Status s = rocksdb::DB::Open(options, dir, &db);
  if (!s.ok()) {
    std::fprintf(stderr, "open %s: %s\n", dir.c_str(), s.ToString().c_str());
    std::exit(1);
  }
  return std::unique_ptr<rocksdb::DB>(db);
}

// (a) The ceiling: WriteBatches of 1000 x 300 B values, one synced WAL write each.
double RawBatchedEventsPerSecond(rocksdb::DB& db, std::uint64_t& next_key, Clock::duration budget) {
  const std::string value(kValueBytes, 'v');
  rocksdb::WriteOptions sync;
  sync.sync = true;
  std::uint64_t written = 0;
  const auto start = Clock::now();
  while (Clock::now() - start < budget) {
    rocksdb::WriteBatch batch;
    for (int i = 0; i < 1000; ++i) batch.Put(Key(next_key++), value);
    const rocksdb::Status s = db.Write(sync, &batch);
    if (!s.ok()) {
      std::fprintf(stderr, "raw write: %s\n", s.ToString().c_str());
      std::exit(1);
    }
    written += 1000;
  }
  return static_cast<double>(written) / Seconds(Clock::now() - start);
}

// Context: one synced 300 B Put at a time, i.e. roughly the fsync rate of this disk. With N
// appenders each waiting for its own append, at most N appends share one fsync, so the 1-event
// figure is bounded near N x (synced batches per second), far below the 1000-event raw batch.
double RawSyncedPutsPerSecond(rocksdb::DB& db, std::uint64_t& next_key, Clock::duration budget) {
  const std::string value(kValueBytes, 'v');
  rocksdb::WriteOptions sync;
  sync.sync = true;
  std::uint64_t written = 0;
  const auto start = Clock::now();
  while (Clock::now() - start < budget) {
    if (!db.Put(sync, Key(next_key++), value).ok()) std::exit(1);
    ++written;
  }
  return static_cast<double>(written) / Seconds(Clock::now() - start);
}

// The same-concurrency ceiling: `threads` writers each doing one synced 1-event WriteBatch at a
// time, merged by RocksDB's own write-group commit. The log's 1-event appends face the same limit
// (each appender waits for its fsync), so this is the like-for-like raw figure for log.ratio_concurrent.
double RawConcurrentEventsPerSecond(rocksdb::DB& db, std::atomic<std::uint64_t>& next_key, int threads,
                                    Clock::duration budget) {
  const std::string value(kValueBytes, 'v');
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> written{0};
  std::vector<std::thread> writers;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    writers.emplace_back([&] {
      rocksdb::WriteOptions sync;
      sync.sync = true;
      while (!stop.load(std::memory_order_relaxed)) {
        rocksdb::WriteBatch batch;
        batch.Put(Key(next_key.fetch_add(1)), value);
        if (!db.Write(sync, &batch).ok()) std::exit(1);
        written.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::this_thread::sleep_for(budget);
  stop = true;
  for (auto& w : writers) w.join();
  return static_cast<double>(written.load()) / Seconds(Clock::now() - start);
}

struct LogRun {
  double events_per_s = 0;
  double appends_per_batch = 0;
};

// (b) The log: `threads` appenders, each appending `events_per_append` ~300 B events to a new stream
// per append, for `budget`. `round` keeps stream names unique across runs on one log.
LogRun LogEventsPerSecond(RocksDbEventLog& log, int round, int threads, int events_per_append,
                          Clock::duration budget) {
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> events{0};
  std::atomic<std::uint64_t> appends{0};
  std::atomic<std::uint64_t> failures{0};
  const std::uint64_t batches_before = log.SyncedBatches();
  std::vector<std::thread> workers;
  const auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      // The request is built once and only renamed per append, so the figure is the log's cost,
      // not the benchmark's JSON construction.
      commands::AppendRequest request;
      request.tenant_id = "t_bench_" + std::to_string(t % 16);
      commands::StreamAppend& stream = request.streams.emplace_back();
      stream.expected = commands::ExpectedVersion::NoStream();
      for (int i = 0; i < events_per_append; ++i) {
        commands::NewEvent& e = stream.events.emplace_back();
        e.type = "CallerTurnRecorded";
        e.occurred_at = "2026-11-24T15:04:05.123Z";
        e.actor = {"provider", "twilio"};
        e.correlation_id = "call-" + std::to_string(t);
        e.data = {{"call_id", "CA0123456789abcdef0123456789abcdef"},
                  {"turn", i},
                  {"speaker", "caller"},
                  {"text", std::string(220, 't')}};
      }
      const std::string prefix = "call-" + std::to_string(round) + "-" + std::to_string(t) + "-";
      std::uint64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        stream.stream = prefix + std::to_string(n++);
        for (int i = 0; i < events_per_append; ++i) stream.events[i].event_id = stream.stream + "-" + std::to_string(i);
        auto r = log.Append(request);
        if (!r.ok()) {
          failures.fetch_add(1);
          continue;
        }
        events.fetch_add(static_cast<std::uint64_t>(events_per_append), std::memory_order_relaxed);
        appends.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::this_thread::sleep_for(budget);
  stop = true;
  for (auto& w : workers) w.join();
  const double elapsed = Seconds(Clock::now() - start);
  if (failures.load() > 0) {
    std::fprintf(stderr, "log: %llu failed appends\n", static_cast<unsigned long long>(failures.load()));
  }
  LogRun run;
  run.events_per_s = static_cast<double>(events.load()) / elapsed;
  run.appends_per_batch = static_cast<double>(appends.load()) /
                          static_cast<double>(std::max<std::uint64_t>(1, log.SyncedBatches() - batches_before));
  return run;
}

std::unique_ptr<RocksDbEventLog> OpenLog(const std::string& dir) {
  auto opened = RocksDbEventLog::Open(dir, 8);
  if (!opened.ok()) {
    std::fprintf(stderr, "open log: %s\n", opened.error().message.c_str());
    std::exit(1);
  }
  return std::move(*opened);
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

// Usage: bench_log [parent dir, default /tmp] — put it on the disk the data will live on.
// The disk is shared and noisy, so raw and log runs are interleaved in short rounds and each figure
// is the median over the rounds; the ratios are medians of per-round ratios.
int main(int argc, char** argv) {
  switchboard::testing::TempDir dir("sb-bench-log-", argc > 1 ? argv[1] : "/tmp");
  constexpr int kRounds = 3;
  constexpr int kThreads = 64;
  auto raw_db = OpenRaw(dir.Sub("raw"));
  auto log_one = OpenLog(dir.Sub("log-1"));
  auto log_ten = OpenLog(dir.Sub("log-10"));
  std::uint64_t next_key = 0;
  std::vector<double> raw, puts, concurrent, one, ten, one_batch, ten_batch, ratio_one, ratio_ten, ratio_concurrent;
  for (int round = 0; round < kRounds; ++round) {
    raw.push_back(RawBatchedEventsPerSecond(*raw_db, next_key, std::chrono::milliseconds(1000)));
    puts.push_back(RawSyncedPutsPerSecond(*raw_db, next_key, std::chrono::milliseconds(300)));
    std::atomic<std::uint64_t> shared_key{next_key};
    concurrent.push_back(RawConcurrentEventsPerSecond(*raw_db, shared_key, kThreads, std::chrono::milliseconds(1000)));
    next_key = shared_key.load();
    const LogRun a = LogEventsPerSecond(*log_one, round, kThreads, 1, std::chrono::milliseconds(1500));
    const LogRun b = LogEventsPerSecond(*log_ten, round, kThreads, 10, std::chrono::milliseconds(1500));
    one.push_back(a.events_per_s);
    one_batch.push_back(a.appends_per_batch);
    ten.push_back(b.events_per_s);
    ten_batch.push_back(b.appends_per_batch);
    ratio_one.push_back(a.events_per_s / raw.back());
    ratio_ten.push_back(b.events_per_s / raw.back());
    ratio_concurrent.push_back(a.events_per_s / concurrent.back());
  }
  log_one.reset();
  log_ten.reset();
  if (!raw_db->Close().ok()) std::fprintf(stderr, "raw close failed\n");

  std::printf("log.raw_rocksdb_events_per_s %.0f\n", Median(raw));
  std::printf("log.raw_synced_puts_per_s %.0f\n", Median(puts));
  std::printf("log.append_events_per_s %.0f\n", Median(one));
  std::printf("log.appends_per_synced_batch %.1f\n", Median(one_batch));
  std::printf("log.ratio %.2f\n", Median(ratio_one));
  std::printf("log.raw_concurrent_events_per_s %.0f\n", Median(concurrent));
  std::printf("log.ratio_concurrent %.2f\n", Median(ratio_concurrent));
  std::printf("log.append10_events_per_s %.0f\n", Median(ten));
  std::printf("log.append10_appends_per_synced_batch %.1f\n", Median(ten_batch));
  std::printf("log.ratio_10 %.2f\n", Median(ratio_ten));
  return 0;
}
