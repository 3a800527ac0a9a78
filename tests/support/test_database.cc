// Per-test databases on the shared throwaway cluster. Uses libpq directly (tests may); the unique
// name mixes pid, a counter and the clock so parallel ctest processes never collide.
#include "support/test_database.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace switchboard::testing {

namespace {

struct ConnCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};

void Run(const std::string& conninfo, const std::string& sql) {
  std::unique_ptr<PGconn, ConnCloser> conn(PQconnectdb(conninfo.c_str()));
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    throw std::runtime_error("TestDatabase: cannot connect to the test cluster (" + conninfo +
                             "): " + PQerrorMessage(conn.get()));
  }
  PGresult* r = PQexec(conn.get(), sql.c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
  std::string error = ok ? "" : PQresultErrorMessage(r);
  PQclear(r);
  if (!ok) throw std::runtime_error("TestDatabase: " + sql + ": " + error);
}

std::string Quoted(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

}  // namespace

std::string TestDatabase::ClusterUrl() {
  const char* dir = std::getenv("SB_TEST_PG_DIR");
  if (dir == nullptr || *dir == '\0') {
    throw std::runtime_error(
        "TestDatabase: SB_TEST_PG_DIR is not set; run this suite through ctest (fixture `pg`) or start a "
        "cluster with `infra/scripts/pg-cluster.sh test-start DIR` and export SB_TEST_PG_DIR=DIR");
  }
  std::ifstream in(std::string(dir) + "/url");
  std::string url;
  if (!in || !std::getline(in, url) || url.empty()) {
    throw std::runtime_error("TestDatabase: no cluster URL in " + std::string(dir) +
                             "/url; is the ctest fixture pg_cluster_start running/passing?");
  }
  return url;
}

std::string TestDatabase::WithDatabase(const std::string& url, const std::string& database) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
  if (options == nullptr) {
    std::string message = error ? error : "out of memory";
    PQfreemem(error);
    throw std::runtime_error("TestDatabase: bad cluster URL \"" + url + "\": " + message);
  }
  std::string out;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (std::string(o->keyword) == "dbname" || o->val == nullptr) continue;
    out += std::string(o->keyword) + "=" + Quoted(o->val) + " ";
  }
  PQconninfoFree(options);
  return out + "dbname=" + Quoted(database);
}

TestDatabase::TestDatabase() {
  static std::atomic<int> counter{0};
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  name_ = "sb_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
          std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(now).count() % 1000000000);
  const std::string url = ClusterUrl();
  admin_ = WithDatabase(url, "postgres");
  conninfo_ = WithDatabase(url, name_);
  Run(admin_, "CREATE DATABASE " + name_);
}

TestDatabase::~TestDatabase() {
  try {
    Run(admin_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (const std::exception&) {
    // A leaked database dies with the throwaway cluster; never throw from a destructor.
  }
}

}  // namespace switchboard::testing
