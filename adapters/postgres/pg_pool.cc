// libpq behind the Sql port: every libpq status and error is translated to SqlError here, and no
// libpq type leaves this file. The pool's mutex guards only the idle list; statements run unlocked.
#include "adapters/postgres/pg_pool.h"

#include <libpq-fe.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <utility>
#include <vector>

namespace switchboard::adapters {

using projections::SqlConnection;
using projections::SqlError;
using projections::SqlLease;
using projections::SqlParams;
using projections::SqlRows;

namespace {

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

std::string Trimmed(const char* message) {
  std::string s = message ? message : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

SqlError ErrorOf(PGconn* conn, const PGresult* result) {
  SqlError error;
  if (result != nullptr) {
    error.message = Trimmed(PQresultErrorMessage(result));
    const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    if (state != nullptr) error.sqlstate = state;
  }
  if (error.message.empty()) error.message = Trimmed(PQerrorMessage(conn));
  if (error.message.empty()) error.message = "postgres: unknown error";
  return error;
}

std::int64_t AffectedOf(PGresult* result) {
  const char* tuples = PQcmdTuples(result);
  return (tuples != nullptr && *tuples != '\0') ? std::strtoll(tuples, nullptr, 10) : 0;
}

// NOTICEs ("schema already exists, skipping") would otherwise go to stderr of every process.
void IgnoreNotice(void*, const char*) {}

class PgConnection final : public SqlConnection {
 public:
  static Result<std::unique_ptr<PgConnection>, SqlError> Connect(const std::string& conninfo) {
    PGconn* conn = PQconnectdb(conninfo.c_str());
    if (conn == nullptr) return MakeErr(SqlError{"postgres: out of memory while connecting", ""});
    auto owned = std::unique_ptr<PgConnection>(new PgConnection(conn));
    if (PQstatus(conn) != CONNECTION_OK) {
      return MakeErr(SqlError{"postgres: cannot connect: " + Trimmed(PQerrorMessage(conn)), ""});
    }
    PQsetNoticeProcessor(conn, IgnoreNotice, nullptr);
    return owned;
  }

  ~PgConnection() override { PQfinish(conn_); }
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  Result<SqlRows, SqlError> Exec(std::string_view sql, const SqlParams& params) override {
    const std::string statement(sql);  // libpq wants NUL-terminated text
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    ResultPtr result(PQexecParams(conn_, statement.c_str(), static_cast<int>(values.size()), nullptr,
                                  values.data(), nullptr, nullptr, 0));
    const auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
      return MakeErr(ErrorOf(conn_, result.get()));
    }
    SqlRows rows;
    rows.affected = AffectedOf(result.get());
    if (status == PGRES_TUPLES_OK) {
      const int ncols = PQnfields(result.get());
      const int nrows = PQntuples(result.get());
      rows.columns.reserve(ncols);
      for (int c = 0; c < ncols; ++c) rows.columns.emplace_back(PQfname(result.get(), c));
      rows.rows.reserve(nrows);
      for (int r = 0; r < nrows; ++r) {
        auto& row = rows.rows.emplace_back();
        row.reserve(ncols);
        for (int c = 0; c < ncols; ++c) {
          if (PQgetisnull(result.get(), r, c)) {
            row.emplace_back(std::nullopt);
          } else {
            row.emplace_back(std::string(PQgetvalue(result.get(), r, c),
                                         static_cast<std::size_t>(PQgetlength(result.get(), r, c))));
          }
        }
      }
    }
    return rows;
  }

  Result<void, SqlError> ExecScript(std::string_view sql) override {
    const std::string script(sql);
    ResultPtr result(PQexec(conn_, script.c_str()));
    const auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
      return MakeErr(ErrorOf(conn_, result.get()));
    }
    return {};
  }

  Result<std::int64_t, SqlError> CopyIn(std::string_view copy_statement, std::string_view data) override {
    const std::string statement(copy_statement);
    {
      ResultPtr start(PQexec(conn_, statement.c_str()));
      const auto status = start ? PQresultStatus(start.get()) : PGRES_FATAL_ERROR;
      if (status != PGRES_COPY_IN) {
        SqlError error = ErrorOf(conn_, start.get());
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
          error.message = "postgres: not a COPY ... FROM STDIN statement: " + statement;
        }
        return MakeErr(std::move(error));
      }
    }
    // Chunks keep libpq's output buffer small; the server sees one stream either way.
    constexpr std::size_t kChunk = 1 << 20;
    bool sent = true;
    for (std::size_t at = 0; at < data.size() && sent; at += kChunk) {
      const auto n = std::min(kChunk, data.size() - at);
      sent = PQputCopyData(conn_, data.data() + at, static_cast<int>(n)) == 1;
    }
    const bool ended = PQputCopyEnd(conn_, sent ? nullptr : "client failed to send COPY data") == 1;
    // Drain every result so the connection is ready for the next statement.
    std::optional<SqlError> error;
    std::int64_t count = 0;
    while (ResultPtr result{PQgetResult(conn_)}) {
      if (PQresultStatus(result.get()) == PGRES_COMMAND_OK) {
        count = AffectedOf(result.get());
      } else if (!error) {
        error = ErrorOf(conn_, result.get());
      }
      if (PQstatus(conn_) == CONNECTION_BAD) break;
    }
    if (!error && (!sent || !ended)) error = ErrorOf(conn_, nullptr);
    if (error) return MakeErr(std::move(*error));
    return count;
  }

  bool Broken() const { return PQstatus(conn_) != CONNECTION_OK; }

  Result<void, SqlError> Reconnect() {
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) {
      return MakeErr(SqlError{"postgres: cannot reconnect: " + Trimmed(PQerrorMessage(conn_)), ""});
    }
    PQsetNoticeProcessor(conn_, IgnoreNotice, nullptr);
    return {};
  }

  // A lease given back inside a transaction (open, or failed after an error) must not leak it into
  // the next borrower's statements.
  void PrepareForReuse() {
    const auto tx = PQtransactionStatus(conn_);
    if (tx == PQTRANS_INTRANS || tx == PQTRANS_INERROR) {
      ResultPtr result(PQexec(conn_, "ROLLBACK"));
    }
  }

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  PGconn* conn_;
};

}  // namespace

struct PgPool::State {
  std::string conninfo;
  int size = 0;
  std::mutex mu;
  std::condition_variable freed;
  std::vector<std::unique_ptr<PgConnection>> idle;  // guarded by mu
  bool closed = false;                              // guarded by mu; set when the pool is destroyed

  void Return(std::unique_ptr<PgConnection> conn) {
    {
      std::lock_guard lock(mu);
      if (closed) return;  // the pool is gone: the connection closes as `conn` goes out of scope
      idle.push_back(std::move(conn));
    }
    freed.notify_one();
  }
};

namespace {

class PgLease final : public SqlLease {
 public:
  PgLease(std::shared_ptr<PgPool::State> state, std::unique_ptr<PgConnection> conn)
      : state_(std::move(state)), conn_(std::move(conn)) {}
  ~PgLease() override {
    conn_->PrepareForReuse();
    state_->Return(std::move(conn_));
  }
  PgLease(const PgLease&) = delete;
  PgLease& operator=(const PgLease&) = delete;

  SqlConnection& operator*() override { return *conn_; }

 private:
  std::shared_ptr<PgPool::State> state_;
  std::unique_ptr<PgConnection> conn_;
};

}  // namespace

PgPool::PgPool(std::shared_ptr<State> state) : state_(std::move(state)) {}

PgPool::~PgPool() {
  std::vector<std::unique_ptr<PgConnection>> idle;
  {
    std::lock_guard lock(state_->mu);
    state_->closed = true;
    idle.swap(state_->idle);
  }
  // `idle` closes its connections here, outside the lock.
}

Result<std::unique_ptr<PgPool>, SqlError> PgPool::Open(const std::string& conninfo, int size) {
  if (size < 1) return MakeErr(SqlError{"postgres: pool size must be at least 1", ""});
  auto state = std::make_shared<State>();
  state->conninfo = conninfo;
  state->size = size;
  for (int i = 0; i < size; ++i) {
    auto conn = PgConnection::Connect(conninfo);
    if (!conn.ok()) return MakeErr(std::move(conn).error());
    state->idle.push_back(std::move(conn).value());
  }
  return std::unique_ptr<PgPool>(new PgPool(std::move(state)));
}

Result<std::unique_ptr<SqlLease>, SqlError> PgPool::Acquire(std::chrono::milliseconds wait) {
  std::unique_ptr<PgConnection> conn;
  {
    std::unique_lock lock(state_->mu);
    if (!state_->freed.wait_for(lock, wait, [&] { return !state_->idle.empty(); })) {
      return MakeErr(SqlError{"postgres: no pooled connection free within " + std::to_string(wait.count()) +
                                  " ms (pool size " + std::to_string(state_->size) + ")",
                              ""});
    }
    conn = std::move(state_->idle.back());
    state_->idle.pop_back();
  }
  if (conn->Broken()) {
    if (auto r = conn->Reconnect(); !r.ok()) {
      state_->Return(std::move(conn));  // keep the slot; the next Acquire tries again
      return MakeErr(std::move(r).error());
    }
  }
  return std::unique_ptr<SqlLease>(new PgLease(state_, std::move(conn)));
}

int PgPool::Size() const { return state_->size; }

Result<std::unique_ptr<SqlConnection>, SqlError> PgConnect(const std::string& conninfo) {
  auto conn = PgConnection::Connect(conninfo);
  if (!conn.ok()) return MakeErr(std::move(conn).error());
  return std::unique_ptr<SqlConnection>(std::move(conn).value());
}

}  // namespace switchboard::adapters
