// bench_projection: the projection engine's throughput against the raw PostgreSQL limit measured
// in the same run (DESIGN.md §7): COPY (text) of 8-column rows with a ~200 B jsonb, versus the
// engine applying the same rows as events from a RocksDB log (COPY into staging + one upsert per
// batch). Uses $SB_BENCH_PG_URL, or starts (and stops) a throwaway cluster. Never fails on timing.
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "adapters/postgres/migrations.h"
#include "adapters/postgres/pg_pool.h"
#include "adapters/rocksdb/rocksdb_event_log.h"
#include "projections/engine/projection_engine.h"
#include "projections/projection.h"
#include "projections/sql.h"
#include "tests/support/throwaway_pg.h"

namespace {

using namespace switchboard;
using Clock = std::chrono::steady_clock;

constexpr int kRows = 200'000;
constexpr int kPartitions = 4;
constexpr const char* kColumns = "tenant_id text, item_id text, stream text, seq bigint, kind text,"
                                 " occurred_at timestamptz, amount bigint, doc jsonb";

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string Check(const projections::SqlError& e, const std::string& what) { return what + ": " + e.message; }

template <class T>
T Must(Result<T, projections::SqlError> r, const std::string& what) {
  if (!r.ok()) throw std::runtime_error(Check(r.error(), what));
  return std::move(r).value();
}
void Must(Result<void, projections::SqlError> r, const std::string& what) {
  if (!r.ok()) throw std::runtime_error(Check(r.error(), what));
}

// ~200 bytes of JSON, different per row.
std::string Doc(int i) {
  return R"({"caller":"+1555)" + std::to_string(1000000 + i) +
         R"(","summary":"Caller asked to move the appointment to next week","tags":["reschedule","vip"],)"
         R"("score":)" + std::to_string(i % 100) + R"(,"channel":"voice","agent":"ai-frontdesk-v3"})";
}

// projections::AppendCopyField escapes char by char; a value without special characters (nearly
// all of them) can be appended in one go. Same output; see the report for moving this into sql.cc.
void CopyField(std::string& out, const std::string& value) {
  if (value.find_first_of("\\\t\n\r") == std::string::npos) {
    out += value;
  } else {
    projections::AppendCopyField(out, value);
  }
}

// A read model of one 8-column table, written set-based: COPY into a session temp table, then one
// INSERT ... ON CONFLICT upsert per batch.
class ItemsProjection final : public projections::Projection {
 public:
  std::string_view Name() const override { return "bench_items"; }
  Result<void, projections::SqlError> CreateTables(projections::SqlConnection& sql, std::string_view schema) override {
    return sql.ExecScript("CREATE TABLE IF NOT EXISTS " + std::string(schema) + ".items (" + kColumns +
                          ", PRIMARY KEY (tenant_id, item_id))");
  }
  Result<void, projections::SqlError> Apply(projections::SqlConnection& sql, std::string_view schema,
                                            std::span<const commands::RecordedEvent> batch) override {
    // DELETE, not TRUNCATE: the table is already empty at the start of a transaction (ON COMMIT
    // DELETE ROWS), and DELETE of nothing is free, while TRUNCATE swaps files every batch.
    if (auto r = sql.ExecScript(std::string("CREATE TEMP TABLE IF NOT EXISTS items_stage (") + kColumns +
                                ") ON COMMIT DELETE ROWS; DELETE FROM items_stage");
        !r.ok()) {
      return r;
    }
    // The last event per key wins; deduplicating here keeps the upsert free of DISTINCT ON and its
    // sort (ON CONFLICT DO UPDATE may not touch one row twice in a statement).
    std::vector<std::string> keys(batch.size());
    std::unordered_map<std::string_view, std::size_t> last_of;
    last_of.reserve(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (batch[i].type != "ItemRecorded") continue;
      keys[i] = batch[i].tenant_id + '\0' + batch[i].data.at("item_id").get_ref<const std::string&>();
      last_of.insert_or_assign(keys[i], i);
    }
    std::string data;
    data.reserve(batch.size() * 320);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const auto& e = batch[i];
      if (e.type != "ItemRecorded") continue;
      const auto& d = e.data;
      if (last_of[keys[i]] != i) continue;
      CopyField(data, e.tenant_id);
      data += '\t';
      CopyField(data, d.at("item_id").get_ref<const std::string&>());
      data += '\t';
      CopyField(data, e.stream);
      data += '\t' + std::to_string(e.stream_version) + '\t';
      CopyField(data, d.at("kind").get_ref<const std::string&>());
      data += '\t';
      CopyField(data, e.occurred_at);
      data += '\t' + std::to_string(d.at("amount").get<std::int64_t>()) + '\t';
      CopyField(data, d.at("doc").dump());
      data += '\n';
    }
    if (auto r = sql.CopyIn("COPY items_stage FROM STDIN", data); !r.ok()) return MakeErr(std::move(r).error());
    const std::string t = std::string(schema) + ".items";
    auto up = sql.Exec("INSERT INTO " + t + " SELECT * FROM items_stage ON CONFLICT (tenant_id, item_id) DO UPDATE SET" +
                       " stream = excluded.stream, seq = excluded.seq, kind = excluded.kind," +
                       " occurred_at = excluded.occurred_at, amount = excluded.amount, doc = excluded.doc");
    if (!up.ok()) return MakeErr(std::move(up).error());
    return {};
  }
};

double CpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

std::string ReplaceDb(const std::string& url, const std::string& db) {
  // The script's URL is keyword/value; a later keyword wins in libpq.
  return url + " dbname=" + db;
}

double RawCopy(projections::SqlConnection& sql) {
  Must(sql.ExecScript(std::string("DROP TABLE IF EXISTS raw_items; CREATE TABLE raw_items (") + kColumns + ")"),
       "create raw_items");
  std::string data;
  data.reserve(static_cast<std::size_t>(kRows) * 320);
  for (int i = 0; i < kRows; ++i) {
    data += "t_" + std::to_string(i % 64) + "\titem-" + std::to_string(i) + "\titem-" + std::to_string(i) + "\t1\t";
    data += "recorded\t2026-11-24T15:04:05.123Z\t" + std::to_string(i * 7) + '\t';
    projections::AppendCopyField(data, Doc(i));
    data += '\n';
  }
  const auto start = Clock::now();
  Must(sql.ExecScript("BEGIN"), "begin");
  Must(sql.CopyIn("COPY raw_items FROM STDIN", data), "copy");
  Must(sql.ExecScript("COMMIT"), "commit");
  const double s = std::chrono::duration<double>(Clock::now() - start).count();
  return kRows / s;
}

double Engine(const std::string& conninfo, const std::string& log_dir, std::size_t batch) {
  auto log = adapters::RocksDbEventLog::Open(log_dir, kPartitions);
  if (!log.ok()) throw std::runtime_error("log: " + log.error().message);
  std::int64_t total = 0;
  for (int p = 0; p < kPartitions; ++p) total += *(*log)->EndOffset(p);
  if (total == 0) {
    // 1000 events per append: the log's group commit is not what this measures.
    for (int i = 0; i < kRows;) {
      commands::AppendRequest req;
      req.tenant_id = "t_" + std::to_string((i / 1000) % 64);
      commands::StreamAppend s{"items-" + std::to_string(i / 1000), commands::ExpectedVersion::Any(), {}};
      for (int k = 0; k < 1000 && i < kRows; ++k, ++i) {
        commands::NewEvent e;
        e.event_id = "ev-" + std::to_string(i);
        e.type = "ItemRecorded";
        e.data = {{"item_id", "item-" + std::to_string(i)}, {"kind", "recorded"}, {"amount", i * 7},
                  {"doc", nlohmann::json::parse(Doc(i))}};
        e.occurred_at = "2026-11-24T15:04:05.123Z";
        e.actor = {"system", "bench"};
        s.events.push_back(std::move(e));
      }
      req.streams.push_back(std::move(s));
      if (auto r = (*log)->Append(req); !r.ok()) throw std::runtime_error("append: " + r.error().message);
    }
  }
  auto pool = Must(adapters::PgPool::Open(conninfo, kPartitions + 1), "pool");
  {
    auto lease = Must(pool->Acquire(), "lease");
    Must((*lease)->ExecScript("DROP SCHEMA IF EXISTS bench_items_v1 CASCADE;"
                              " DELETE FROM projection_schemas; DELETE FROM projection_checkpoints"),
         "reset");
  }
  ItemsProjection items;
  std::atomic<std::int64_t> batches{0}, txn_us{0};
  projections::ProjectionEngine engine(**log, *pool, {&items},
                                       {.max_batch_events = batch, .on_batch = [&](const projections::BatchReport& r) {
                                          ++batches;
                                          txn_us += r.duration.count();
                                        }});
  const double cpu_before = CpuSeconds();
  const auto start = Clock::now();
  Must(engine.Start(), "engine start");
  for (int p = 0; p < kPartitions; ++p) {
    const auto end = *(*log)->EndOffset(p);
    if (end > 0 && !engine.WaitFor(p, end - 1, std::chrono::minutes(5))) throw std::runtime_error("engine timed out");
  }
  const double s = std::chrono::duration<double>(Clock::now() - start).count();
  engine.Stop();
  std::printf("# engine run: %.2f s (client CPU %.2f s), %lld batches, %.2f ms mean transaction (%d workers)\n", s,
              CpuSeconds() - cpu_before,
              static_cast<long long>(batches.load()), batches ? txn_us.load() / 1000.0 / batches.load() : 0.0,
              kPartitions);
  auto lease = Must(pool->Acquire(), "lease");
  const auto rows = Must((*lease)->Exec("SELECT count(*) FROM bench_items_v1.items"), "count");
  if (rows.rows.at(0).at(0) != std::to_string(kRows)) throw std::runtime_error("engine wrote a wrong row count");
  return kRows / s;
}

}  // namespace

int main() {
  try {
    testing::ThrowawayPg cluster;  // $SB_BENCH_PG_URL, or a throwaway cluster stopped at exit
    const std::string db = "sb_bench_" + std::to_string(::getpid());
    auto admin = Must(adapters::PgConnect(cluster.url()), "connect");
    Must(admin->ExecScript("CREATE DATABASE " + db), "create database");
    const std::string conninfo = ReplaceDb(cluster.url(), db);
    std::string log_dir = (std::filesystem::temp_directory_path() / "sb-bench-log-XXXXXX").string();
    if (::mkdtemp(log_dir.data()) == nullptr) throw std::runtime_error("mkdtemp");

    double raw = 0, engine = 0;
    {
      auto sql = Must(adapters::PgConnect(conninfo), "connect bench db");
      Must(adapters::ApplyMigrations(*sql, adapters::CoreMigrations()), "migrations");
      // Best of two for each, so a cold cache does not decide the ratio.
      for (int run = 0; run < 2; ++run) raw = std::max(raw, RawCopy(*sql));
      Must(sql->ExecScript("DROP TABLE raw_items"), "drop raw_items");
    }
    const std::size_t batch = Env("SB_BENCH_BATCH").empty() ? 1000 : std::stoul(Env("SB_BENCH_BATCH"));
    for (int run = 0; run < 2; ++run) engine = std::max(engine, Engine(conninfo, log_dir + "/log", batch));

    std::filesystem::remove_all(log_dir);
    Must(admin->ExecScript("DROP DATABASE " + db + " WITH (FORCE)"), "drop database");
    std::printf("projection.raw_copy_rows_per_s %.0f\n", raw);
    std::printf("projection.events_per_s %.0f\n", engine);
    std::printf("projection.ratio %.3f\n", engine / raw);
    std::printf("# %d rows/events, 8 columns with ~200 B jsonb; engine: %d partitions, batch %zu, "
                "COPY into staging + one upsert per batch\n",
                kRows, kPartitions, batch);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_projection: %s\n", e.what());
    return 1;
  }
}
