// Shared by the engine suites: a counting test projection, a migrated per-test database, a temp
// RocksDB log directory, deterministic event generation and the expected fold to compare with.
// Header-only (tests/CMakeLists globs *.cc); everything is used by one test thread unless noted.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "adapters/postgres/migrations.h"
#include "adapters/postgres/pg_pool.h"
#include "adapters/rocksdb/rocksdb_event_log.h"
#include "projections/projection.h"
#include "support/test_database.h"

namespace switchboard::enginetest {

using commands::RecordedEvent;
using projections::SqlConnection;
using projections::SqlError;

// Records every event id in `applied` (primary key: a second application fails loudly) and counts
// events per stream, via COPY into a session temp table and set-based inserts (the pattern real
// projections use). Thread-safe: all state is in the database; the temp table is per session.
class CountingProjection final : public projections::Projection {
 public:
  explicit CountingProjection(std::string name = "seen") : name_(std::move(name)), stage_(name_ + "_stage") {}
  std::string_view Name() const override { return name_; }

  Result<void, SqlError> CreateTables(SqlConnection& sql, std::string_view schema) override {
    const std::string s(schema);
    return sql.ExecScript("CREATE TABLE IF NOT EXISTS " + s +
                          ".applied (event_id text PRIMARY KEY, tenant_id text NOT NULL, stream text NOT NULL,"
                          " part int NOT NULL, off bigint NOT NULL);"
                          "CREATE TABLE IF NOT EXISTS " + s +
                          ".stream_counts (tenant_id text, stream text, n bigint NOT NULL,"
                          " PRIMARY KEY (tenant_id, stream))");
  }

  Result<void, SqlError> Apply(SqlConnection& sql, std::string_view schema,
                               std::span<const RecordedEvent> batch) override {
    const std::string s(schema);
    // TRUNCATE, not only ON COMMIT DELETE ROWS: Apply may run several times in one transaction.
    if (auto r = sql.ExecScript("CREATE TEMP TABLE IF NOT EXISTS " + stage_ +
                                " (event_id text, tenant_id text, stream text, part int, off bigint)"
                                " ON COMMIT DELETE ROWS; TRUNCATE " + stage_);
        !r.ok()) {
      return r;
    }
    std::string data;
    for (const auto& e : batch) {
      projections::AppendCopyField(data, e.event_id);
      data += '\t';
      projections::AppendCopyField(data, e.tenant_id);
      data += '\t';
      projections::AppendCopyField(data, e.stream);
      data += '\t' + std::to_string(e.partition) + '\t' + std::to_string(e.offset) + '\n';
    }
    if (auto r = sql.CopyIn("COPY " + stage_ + " FROM STDIN", data); !r.ok()) return MakeErr(std::move(r).error());
    if (auto r = sql.Exec("INSERT INTO " + s + ".applied SELECT * FROM " + stage_); !r.ok()) {
      return MakeErr(std::move(r).error());
    }
    auto counted = sql.Exec("INSERT INTO " + s + ".stream_counts SELECT tenant_id, stream, count(*) FROM " + stage_ +
                            " GROUP BY 1, 2 ON CONFLICT (tenant_id, stream) DO UPDATE SET n = " + s +
                            ".stream_counts.n + excluded.n");
    if (!counted.ok()) return MakeErr(std::move(counted).error());
    if (const int ms = delay_ms.load(); ms > 0) {
      // Widens the window in which a crash lands mid-transaction (exactly-once test).
      if (auto r = sql.Exec("SELECT pg_sleep($1::float8 / 1000)", {std::to_string(ms)}); !r.ok()) {
        return MakeErr(std::move(r).error());
      }
    }
    return {};
  }

  std::atomic<int> delay_ms{0};

 private:
  std::string name_;
  std::string stage_;
};

inline std::unique_ptr<projections::SqlConnection> Connect(const std::string& conninfo) {
  auto conn = adapters::PgConnect(conninfo);
  if (!conn.ok()) throw std::runtime_error("PgConnect: " + conn.error().message);
  return std::move(conn).value();
}

inline projections::SqlRows Query(SqlConnection& sql, const std::string& query, const projections::SqlParams& params = {}) {
  auto r = sql.Exec(query, params);
  if (!r.ok()) throw std::runtime_error(query + ": " + r.error().message);
  return std::move(r).value();
}

inline std::string Scalar(SqlConnection& sql, const std::string& query, const projections::SqlParams& params = {}) {
  return Query(sql, query, params).rows.at(0).at(0).value_or("<null>");
}

// A TestDatabase with the core migrations applied.
struct MigratedDatabase {
  testing::TestDatabase db;
  MigratedDatabase() {
    auto conn = Connect(db.conninfo());
    auto r = adapters::ApplyMigrations(*conn, adapters::CoreMigrations());
    if (!r.ok()) throw std::runtime_error("migrations: " + r.error().message);
  }
  const std::string& conninfo() const { return db.conninfo(); }
};

inline std::unique_ptr<adapters::PgPool> OpenPool(const std::string& conninfo, int size) {
  auto pool = adapters::PgPool::Open(conninfo, size);
  if (!pool.ok()) throw std::runtime_error("PgPool::Open: " + pool.error().message);
  return std::move(pool).value();
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sb-engine-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::unique_ptr<adapters::RocksDbEventLog> OpenLog(const std::string& dir, int partitions) {
  auto log = adapters::RocksDbEventLog::Open(dir + "/log", partitions);
  if (!log.ok()) throw std::runtime_error("RocksDbEventLog::Open: " + log.error().message);
  return std::move(log).value();
}

// Appends `count` events numbered from `first`, `per_append` per atomic append, spread over
// `tenants` tenants and 3 streams each. Event ids are "ev-<n>", so they never collide.
inline void AppendEvents(commands::EventLog& log, int first, int count, int tenants = 8, int per_append = 50) {
  for (int n = first; n < first + count;) {
    const int tenant = (n / per_append) % tenants;
    commands::AppendRequest req;
    req.tenant_id = "t_" + std::to_string(tenant);
    commands::StreamAppend stream;
    stream.stream = "counter-" + std::to_string((n / per_append / tenants) % 3);
    stream.expected = commands::ExpectedVersion::Any();
    for (int k = 0; k < per_append && n < first + count; ++k, ++n) {
      commands::NewEvent e;
      e.event_id = "ev-" + std::to_string(n);
      e.type = "Counted";
      e.data = {{"n", n}, {"note", "tab\there, quote ' and backslash \\"}};
      e.occurred_at = "2026-11-24T15:04:05.123Z";
      e.actor = {"system", "test"};
      stream.events.push_back(std::move(e));
    }
    req.streams.push_back(std::move(stream));
    auto r = log.Append(req);
    if (!r.ok()) throw std::runtime_error("Append: " + r.error().message);
  }
}

inline std::vector<RecordedEvent> AllEvents(commands::EventLog& log) {
  std::vector<RecordedEvent> all;
  for (int p = 0; p < log.Partitions(); ++p) {
    for (std::int64_t at = 0;;) {
      auto batch = log.ReadPartition(p, at, 5000);
      if (!batch.ok()) throw std::runtime_error("ReadPartition: " + batch.error().message);
      if (batch->empty()) break;
      at = batch->back().offset + 1;
      std::move(batch->begin(), batch->end(), std::back_inserter(all));
    }
  }
  return all;
}

// What CountingProjection's tables must hold after applying `events` exactly once.
struct Fold {
  std::set<std::string> event_ids;
  std::map<std::pair<std::string, std::string>, std::int64_t> counts;
  friend bool operator==(const Fold&, const Fold&) = default;
};

inline Fold Expected(const std::vector<RecordedEvent>& events) {
  Fold f;
  for (const auto& e : events) {
    f.event_ids.insert(e.event_id);
    ++f.counts[{e.tenant_id, e.stream}];
  }
  return f;
}

// Reads the fold from `schema`; an event id applied twice would have failed its primary key, and a
// count incremented twice shows up as a mismatch.
inline Fold Actual(SqlConnection& sql, const std::string& schema) {
  Fold f;
  for (auto& row : Query(sql, "SELECT event_id FROM " + schema + ".applied").rows) f.event_ids.insert(*row[0]);
  for (auto& row : Query(sql, "SELECT tenant_id, stream, n FROM " + schema + ".stream_counts").rows) {
    f.counts[{*row[0], *row[1]}] = std::stoll(*row[2]);
  }
  return f;
}

inline std::map<int, std::int64_t> EndOffsets(commands::EventLog& log) {
  std::map<int, std::int64_t> out;
  for (int p = 0; p < log.Partitions(); ++p) out[p] = *log.EndOffset(p);
  return out;
}

inline std::map<int, std::int64_t> Checkpoints(SqlConnection& sql, const std::string& projection) {
  std::map<int, std::int64_t> out;
  for (auto& row : Query(sql, "SELECT partition, next_offset FROM projection_checkpoints WHERE projection = $1",
                         {projection})
                       .rows) {
    out[std::stoi(*row[0])] = std::stoll(*row[1]);
  }
  return out;
}

}  // namespace switchboard::enginetest
