// ThrowawayPg: the PostgreSQL cluster a benchmark writes to. $SB_BENCH_PG_URL when set (left as it
// is); otherwise a throwaway cluster started with `infra/scripts/pg-cluster.sh test-start` (fsync
// off) and stopped, its files deleted, by the destructor, and also on SIGINT/SIGTERM/SIGHUP or a
// crash (a signal handler runs `test-stop`, then re-raises), so an interrupted bench leaves no
// postgres behind. At most one started cluster per process. Not thread-safe; create it in main().
//
//   switchboard::testing::ThrowawayPg pg;   // throws std::runtime_error when it cannot start one
//   auto admin = adapters::PgConnect(pg.url());
#pragma once

#include <string>

namespace switchboard::testing {

class ThrowawayPg {
 public:
  // `prefix` names the state directory under the temp directory (e.g. "sb-bench-pg-").
  explicit ThrowawayPg(const std::string& prefix = "sb-bench-pg-");
  ~ThrowawayPg();
  ThrowawayPg(const ThrowawayPg&) = delete;
  ThrowawayPg& operator=(const ThrowawayPg&) = delete;

  // libpq URL of the cluster's maintenance database (keyword/value from the script, or the env's).
  const std::string& url() const { return url_; }
  // True when this object started the cluster (and will stop it).
  bool started() const { return !state_dir_.empty(); }

  // Stops the cluster this process started, if any; async-signal-safe. For a program that installs
  // its own fatal-signal handler after constructing a ThrowawayPg (which replaces this one's).
  static void StopFromSignalHandler();

  // The source tree: $SB_SOURCE_DIR (run-bench.sh sets it), else derived from this file's path.
  static std::string SourceDir();

 private:
  std::string url_;
  std::string state_dir_;
};

}  // namespace switchboard::testing
