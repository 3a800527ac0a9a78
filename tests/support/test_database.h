// TestDatabase: a fresh PostgreSQL database on the test cluster (ctest fixture `pg`, whose libpq
// URL is in $SB_TEST_PG_DIR/url), created in the constructor and dropped WITH (FORCE) in the
// destructor, so every test owns its data. One object per test; not shared between threads.
//
//   switchboard::testing::TestDatabase db;              // throws with a clear message if no cluster
//   auto pool = adapters::PgPool::Open(db.conninfo(), 4);
#pragma once

#include <string>

namespace switchboard::testing {

class TestDatabase {
 public:
  // Throws std::runtime_error (which fails the test, naming the cause) when the cluster URL is
  // missing or the database cannot be created.
  TestDatabase();
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& conninfo() const { return conninfo_; }  // libpq keyword/value string
  const std::string& name() const { return name_; }

  // The cluster's URL (its maintenance database), read from $SB_TEST_PG_DIR/url; throws if absent.
  static std::string ClusterUrl();
  // `url` with its database replaced by `database` (keyword/value output, URI or keyword input).
  static std::string WithDatabase(const std::string& url, const std::string& database);

 private:
  std::string admin_;  // conninfo of the maintenance database
  std::string name_;
  std::string conninfo_;
};

}  // namespace switchboard::testing
