// bench_http: the real Release `switchboard serve` binary over HTTP against a throwaway PostgreSQL.
//   (a) appointment bookings per second through everything: HTTP (Pistache, keep-alive), command
//       pipeline, RocksDB group commit, projection into PostgreSQL, and the response rendered from
//       the read model (a write answers once its events are projected); 64 client threads; on the
//       server's default configuration, then again after a restart with 64 worker threads.
//   (b) customer creates per second the same way (64 workers), seeding one tenant with 100k customers.
//   (c) p50/p99 latency of GET /v1/crm/customers/search on that tenant, a mix of name and phone
//       substrings, 8 client threads.
// Prints `name value` lines (DESIGN.md §7); never fails on timing. Runs 1-3 minutes.
//
// Environment:
//   SB_BINARY             the server binary (default: the one of this build tree)
//   SB_BENCH_PG_URL       an existing cluster to use (default: pg-cluster.sh test-start, stopped at exit)
//   SB_BENCH_CUSTOMERS    customers to seed for search (default 100000)
//   SB_BENCH_SEED_SECONDS cap on seeding time (default 120); search then runs on what was seeded
//   SB_BENCH_SECONDS      duration of the booking run (default 5)
//   SB_BENCH_QUERIES      search queries measured (default 2000)
//   SB_BENCH_KEEP_DB      if set, the bench database is kept (with SB_BENCH_PG_URL) for EXPLAIN
//   SB_BENCH_SERVER_ARGS  extra `switchboard serve` flags, e.g. "--worker-threads 64"
//   SB_BENCH_SEED_WORKERS worker threads of the restarted server that seeds and is searched (64; 0:
//                         no restart, all on the default configuration)
#include <dirent.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/http_client.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/throwaway_pg.h"
#include "tests/support/test_database.h"

namespace {

using switchboard::testing::HttpClient;
using switchboard::testing::HttpReply;
using switchboard::testing::ServerOptions;
using switchboard::testing::ServerProcess;
using switchboard::testing::TempDir;
using switchboard::testing::TestDatabase;
using switchboard::testing::ThrowawayPg;
using switchboard::testing::UrlEncode;
using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

constexpr int kWriteThreads = 64;
constexpr int kSearchThreads = 8;
constexpr const char* kAdminKey = "bench-admin-key";

std::string Env(const char* name, const std::string& fallback = "") {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> out;
  std::string word;
  for (char c : text + ' ') {
    if (c != ' ') {
      word += c;
    } else if (!word.empty()) {
      out.push_back(std::move(word));
      word.clear();
    }
  }
  return out;
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
double Millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  const std::size_t at = std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(at), v.end());
  return v[at];
}


// --- clean-up on failure --------------------------------------------------------------------------
// The cluster we started and the server child must not outlive the bench, also when it crashes or
// is interrupted: a signal handler stops the children, then the cluster (fork/exec only).

char g_data_dir[4096];

void StopChildren() {
  const pid_t self = ::getpid();
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return;
  std::vector<pid_t> children;
  while (dirent* e = ::readdir(proc)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0) continue;
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE* f = std::fopen(path, "r");
    if (f == nullptr) continue;
    int ppid = 0;
    // pid (comm) state ppid: comm may hold spaces, so skip to the last ')'.
    char line[1024] = {0};
    if (std::fgets(line, sizeof line, f) != nullptr) {
      if (const char* close = std::strrchr(line, ')')) std::sscanf(close + 1, " %*c %d", &ppid);
    }
    std::fclose(f);
    if (ppid == self) children.push_back(pid);
  }
  ::closedir(proc);
  for (pid_t c : children) ::kill(c, SIGTERM);
  for (int i = 0; i < 100 && !children.empty(); ++i) {  // up to ~10 s
    std::erase_if(children, [](pid_t c) { return ::waitpid(c, nullptr, WNOHANG) == c; });
    ::usleep(100'000);
  }
  for (pid_t c : children) ::kill(c, SIGKILL);
}

void RemoveDataDir() {
  if (g_data_dir[0] == '\0') return;
  const pid_t pid = ::fork();
  if (pid == 0) {
    char rm[] = "/bin/rm";
    char rf[] = "-rf";
    char* argv[] = {rm, rf, g_data_dir, nullptr};
    ::execv(rm, argv);
    ::_exit(127);
  }
  if (pid > 0) ::waitpid(pid, nullptr, 0);
}

void OnFatalSignal(int sig) {
  StopChildren();
  ThrowawayPg::StopFromSignalHandler();
  RemoveDataDir();
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void Sql(const std::string& conninfo, const std::string& statement) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  std::string error;
  if (PQstatus(conn) != CONNECTION_OK) {
    error = PQerrorMessage(conn);
  } else {
    PGresult* r = PQexec(conn, statement.c_str());
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
      error = PQerrorMessage(conn);
    PQclear(r);
  }
  PQfinish(conn);
  if (!error.empty()) throw std::runtime_error(statement + ": " + error);
}

// The first cell of a one-row query.
std::string SqlValue(const std::string& conninfo, const std::string& query) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  std::string value, error;
  if (PQstatus(conn) != CONNECTION_OK) {
    error = PQerrorMessage(conn);
  } else {
    PGresult* r = PQexec(conn, query.c_str());
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
      error = std::string("no single row: ") + PQerrorMessage(conn);
    } else {
      value = PQgetvalue(r, 0, 0);
    }
    PQclear(r);
  }
  PQfinish(conn);
  if (!error.empty()) throw std::runtime_error(query + ": " + error);
  return value;
}

// A fresh database on the cluster, dropped at the end unless SB_BENCH_KEEP_DB is set.
struct Database {
  std::string admin, conninfo, name;
  explicit Database(const std::string& url) {
    name = "sb_bench_http_" + std::to_string(::getpid());
    admin = TestDatabase::WithDatabase(url, "postgres");
    conninfo = TestDatabase::WithDatabase(url, name);
    Sql(admin, "CREATE DATABASE " + name);
  }
  ~Database() {
    if (!Env("SB_BENCH_KEEP_DB").empty()) {
      std::printf("# kept database: %s\n", conninfo.c_str());
      return;
    }
    try {
      Sql(admin, "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    } catch (const std::exception&) {
    }
  }
};

// --- workload ------------------------------------------------------------------------------------

std::unique_ptr<HttpClient> Client(const std::string& base_url, const std::string& api_key) {
  auto c = std::make_unique<HttpClient>(base_url);
  c->SetDefaultHeader("X-API-Key", api_key);
  return c;
}

struct Tenant {
  std::string id, api_key;
};

Tenant CreateTenant(HttpClient& admin, const std::string& name) {
  json hours;
  for (const char* day : {"mon", "tue", "wed", "thu", "fri", "sat", "sun"})
    hours[day] = {{"open", "00:00"}, {"close", "23:59"}};
  auto reply =
      admin.Post("/v1/admin/businesses", {{"name", name}, {"timezone", "UTC"}, {"business_hours", hours}});
  if (reply.status != 201)
    throw std::runtime_error("create tenant: " + std::to_string(reply.status) + " " + reply.body +
                             reply.error);
  const json j = reply.Json();
  return {j.value("id", ""), j.value("api_key", "")};
}

// Realistic-looking customers: 80 x 80 first/last names and unique phones in 12 area codes.
constexpr const char* kFirst[] = {
    "James",    "Mary",      "Robert",  "Patricia", "John",     "Jennifer", "Michael", "Linda",
    "David",    "Elizabeth", "William", "Barbara",  "Richard",  "Susan",    "Joseph",  "Jessica",
    "Thomas",   "Sarah",     "Charles", "Karen",    "Chris",    "Lisa",     "Daniel",  "Nancy",
    "Matthew",  "Betty",     "Anthony", "Sandra",   "Mark",     "Margaret", "Donald",  "Ashley",
    "Steven",   "Kimberly",  "Andrew",  "Emily",    "Paul",     "Donna",    "Joshua",  "Michelle",
    "Kenneth",  "Carol",     "Kevin",   "Amanda",   "Brian",    "Melissa",  "George",  "Deborah",
    "Timothy",  "Stephanie", "Ronald",  "Rebecca",  "Jason",    "Sharon",   "Edward",  "Laura",
    "Jeffrey",  "Cynthia",   "Ryan",    "Dorothy",  "Jacob",    "Amy",      "Gary",    "Kathleen",
    "Nicholas", "Angela",    "Eric",    "Shirley",  "Jonathan", "Emma",     "Stephen", "Brenda",
    "Larry",    "Pamela",    "Justin",  "Nicole",   "Scott",    "Anna",     "Brandon", "Samantha"};
constexpr const char* kLast[] = {
    "Smith",     "Johnson",  "Williams",  "Brown",    "Jones",    "Garcia",   "Miller",   "Davis",
    "Rodriguez", "Martinez", "Hernandez", "Lopez",    "Gonzalez", "Wilson",   "Anderson", "Thomas",
    "Taylor",    "Moore",    "Jackson",   "Martin",   "Lee",      "Perez",    "Thompson", "White",
    "Harris",    "Sanchez",  "Clark",     "Ramirez",  "Lewis",    "Robinson", "Walker",   "Young",
    "Allen",     "King",     "Wright",    "Scott",    "Torres",   "Nguyen",   "Hill",     "Flores",
    "Green",     "Adams",    "Nelson",    "Baker",    "Hall",     "Rivera",   "Campbell", "Mitchell",
    "Carter",    "Roberts",  "Gomez",     "Phillips", "Evans",    "Turner",   "Diaz",     "Parker",
    "Cruz",      "Edwards",  "Collins",   "Reyes",    "Stewart",  "Morris",   "Morales",  "Murphy",
    "Cook",      "Rogers",   "Gutierrez", "Ortiz",    "Morgan",   "Cooper",   "Peterson", "Bailey",
    "Reed",      "Kelly",    "Howard",    "Ramos",    "Kim",      "Cox",      "Ward",     "Richardson"};
constexpr const char* kAreas[] = {"212", "310", "415", "312", "617", "206",
                                  "303", "512", "404", "702", "305", "503"};

std::string FirstName(std::uint64_t n) { return kFirst[(n * 2654435761u >> 7) % std::size(kFirst)]; }
std::string LastName(std::uint64_t n) { return kLast[(n * 40503u + 17) % std::size(kLast)]; }
// Unique per n below 8 * 10^6 (n -> n * 7919 + 1234567 mod 8 * 10^6 is a bijection), exchange 2xx-9xx.
std::string Phone(std::uint64_t n) {
  const std::uint64_t local = 2'000'000 + (n * 7919 + 1234567) % 8'000'000;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%07llu", static_cast<unsigned long long>(local));
  return std::string("+1") + kAreas[n % std::size(kAreas)] + buf;
}

json CustomerBody(std::uint64_t n) {
  const std::string first = FirstName(n), last = LastName(n);
  std::string email = first + "." + last + std::to_string(n) + "@example.com";
  std::transform(email.begin(), email.end(), email.begin(), [](unsigned char c) { return std::tolower(c); });
  return {{"name", first + " " + last},
          {"phone", Phone(n)},
          {"email", email},
          {"zip", std::to_string(10000 + n % 90000)}};
}

std::string SlotTime(int i, int minute_offset) {
  // 8 visits a day per technician, hourly from 08:00, from the day after tomorrow on (as bench_pipeline).
  using namespace std::chrono;
  const auto t =
      floor<days>(system_clock::now()) + days(2) + days(i / 8) + hours(8 + i % 8) + minutes(minute_offset);
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:00Z", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()));
  return buf;
}

struct Run {
  double per_s = 0, p50 = 0, p99 = 0, seconds = 0;
  std::uint64_t ok = 0, errors = 0;
};

// Calls `request(client, thread, i)` from one keep-alive client per thread until `deadline` or
// until `request` returns an empty reply (no more work); a 2xx status counts as done.
template <class Request>
Run Drive(const std::string& base_url, const std::string& api_key, int threads, Clock::duration budget,
          Request request) {
  std::vector<std::unique_ptr<HttpClient>> clients;  // made here: curl's global init is not thread-safe
  for (int t = 0; t < threads; ++t) clients.push_back(Client(base_url, api_key));
  std::atomic<std::uint64_t> ok{0}, errors{0};
  std::vector<std::vector<double>> latencies(threads);
  std::mutex print;
  const auto start = Clock::now();
  const auto deadline = start + budget;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; Clock::now() < deadline; ++i) {
        const auto begin = Clock::now();
        std::optional<HttpReply> reply = request(*clients[t], t, i);
        if (!reply) break;
        latencies[t].push_back(Millis(Clock::now() - begin));
        if (reply->status >= 200 && reply->status < 300) {
          ok.fetch_add(1, std::memory_order_relaxed);
        } else if (errors.fetch_add(1) < 3) {
          std::lock_guard lock(print);
          std::fprintf(stderr, "bench_http: %ld %s%s\n", reply->status, reply->body.substr(0, 300).c_str(),
                       reply->error.c_str());
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  Run r;
  r.seconds = Seconds(Clock::now() - start);
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  r.ok = ok.load();
  r.errors = errors.load();
  r.per_s = static_cast<double>(r.ok) / r.seconds;
  r.p50 = Percentile(all, 0.50);
  r.p99 = Percentile(all, 0.99);
  return r;
}

// Search terms: what a receptionist types. Names: a last-name fragment of 3-5 letters (broad: ~1-5%
// of customers), a first name (~1%), or a full name (~0.02%). Phones: 4-7 consecutive digits of an
// existing number, some typed with punctuation.
struct Query {
  std::string q;
  bool phone = false;
};

std::vector<Query> Queries(std::size_t count, std::uint64_t customers) {
  std::mt19937_64 rng(42);
  std::vector<Query> out;
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint64_t n = rng() % std::max<std::uint64_t>(1, customers);
    switch (i % 5) {
      case 0: {
        const std::string last = LastName(rng());
        const std::size_t len = std::min<std::size_t>(last.size(), 3 + rng() % 3);
        std::string frag = last.substr(0, len);
        std::transform(frag.begin(), frag.end(), frag.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        out.push_back({frag, false});
        break;
      }
      case 1:
        out.push_back({FirstName(n), false});
        break;
      case 2:
        out.push_back({FirstName(n) + " " + LastName(n), false});
        break;
      case 3: {
        const std::string digits = Phone(n).substr(2);  // 10 digits
        const std::size_t len = 4 + rng() % 4;
        out.push_back({digits.substr(rng() % (digits.size() - len + 1), len), true});
        break;
      }
      default: {
        const std::string digits = Phone(n).substr(2);
        out.push_back(
            {"(" + digits.substr(0, 3) + ") " + digits.substr(3, 3) + "-" + digits.substr(6), true});
        break;
      }
    }
  }
  return out;
}

void LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  std::printf("# load average %s %s %s (%u cores)\n", a.c_str(), b.c_str(), c.c_str(),
              std::thread::hardware_concurrency());
}

int Main() {
  const double booking_seconds = std::stod(Env("SB_BENCH_SECONDS", "5"));
  const std::uint64_t target_customers = std::stoull(Env("SB_BENCH_CUSTOMERS", "100000"));
  const double seed_seconds = std::stod(Env("SB_BENCH_SEED_SECONDS", "120"));
  const std::size_t query_count = std::stoul(Env("SB_BENCH_QUERIES", "2000"));

  ThrowawayPg cluster("sb-bench-http-pg-");
  // ThrowawayPg put its own handler in; ours also stops the server and removes the data dir.
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGSEGV, SIGABRT, SIGBUS, SIGFPE}) ::signal(sig, OnFatalSignal);
  Database db(cluster.url());
  TempDir data("sb-bench-http-");
  std::snprintf(g_data_dir, sizeof g_data_dir, "%s", data.path().c_str());
  ServerOptions options;
  options.data_dir = data.path();
  options.pg_url = db.conninfo;
  options.admin_key = kAdminKey;
  options.partitions = 8;  // the server's default
  // Extra `serve` flags for experiments, e.g. "--worker-threads 64" (later flags win).
  options.extra_args = Words(Env("SB_BENCH_SERVER_ARGS"));
  if (!options.extra_args.empty())
    std::printf("# server flags added: %s\n", Env("SB_BENCH_SERVER_ARGS").c_str());
  auto server = std::make_unique<ServerProcess>(options);
  std::string base = server->base_url();
  auto admin = std::make_unique<HttpClient>(base);
  admin->SetDefaultHeader("X-Admin-API-Key", kAdminKey);
  LoadAverage();

  // (a) Bookings: 64 customers of one tenant, one per client thread, each with its own technician.
  const Tenant booking_tenant = CreateTenant(*admin, "Bench Bookings");
  std::vector<std::string> customers(kWriteThreads);
  {
    auto crm = Client(base, booking_tenant.api_key);
    for (int t = 0; t < kWriteThreads; ++t) {
      auto r = crm->Post("/v1/crm/customers", {{"name", "Booker " + std::to_string(t)}});
      if (r.status != 201)
        throw std::runtime_error("create customer: " + std::to_string(r.status) + " " + r.body);
      customers[t] = r.Json().value("id", "");
    }
  }
  auto book = [&](HttpClient& c, int t, int i) -> std::optional<HttpReply> {
    return c.Post("/v1/crm/appointments", {{"customer_id", customers[t]},
                                           {"service_type", "Drain cleaning"},
                                           {"start_time", SlotTime(i, 0)},
                                           {"end_time", SlotTime(i, 30)},
                                           {"technician", "tech-" + std::to_string(t)},
                                           {"estimated_value_cents", 15000},
                                           {"notes", "gate code 1234"}});
  };
  const auto booking_budget =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(booking_seconds));
  auto measure_bookings = [&](int first_slot, const std::string& suffix) {
    Drive(base, booking_tenant.api_key, kWriteThreads, std::chrono::milliseconds(500),
          [&](HttpClient& c, int t, int i) { return book(c, t, first_slot + i); });  // warm-up
    const Run r = Drive(base, booking_tenant.api_key, kWriteThreads, booking_budget,
                        [&](HttpClient& c, int t, int i) { return book(c, t, first_slot + 10'000 + i); });
    std::printf("http.bookings_per_s%s %.0f\n", suffix.c_str(), r.per_s);
    std::printf("http.booking_p50_ms%s %.2f\n", suffix.c_str(), r.p50);
    std::printf("http.booking_p99_ms%s %.2f\n", suffix.c_str(), r.p99);
    std::printf("http.booking_errors%s %llu\n", suffix.c_str(), static_cast<unsigned long long>(r.errors));
    std::fflush(stdout);
  };
  measure_bookings(0, "");

  // A write holds a worker thread until the read model has applied it (~20-30 ms), so the default
  // 8 workers cap writes near 8 / 25 ms; seeding 100k customers that way takes ~6 minutes. The
  // server is restarted on the same data with more workers for the rest (search uses 8 clients, so
  // the worker count does not change its figures), and the bookings are measured again.
  const int seed_workers = std::stoi(Env("SB_BENCH_SEED_WORKERS", "64"));
  std::string suffix;
  if (seed_workers > 0) {
    admin.reset();
    if (const int status = server->Stop(); status != 0) {
      throw std::runtime_error("server stopped with status " + std::to_string(status));
    }
    server.reset();
    options.extra_args.push_back("--worker-threads");
    options.extra_args.push_back(std::to_string(seed_workers));
    server = std::make_unique<ServerProcess>(options);
    base = server->base_url();
    admin = std::make_unique<HttpClient>(base);
    admin->SetDefaultHeader("X-Admin-API-Key", kAdminKey);
    suffix = "_" + std::to_string(seed_workers) + "_workers";
    std::printf(
        "# restarted with --worker-threads %d: figures below with a _%d_workers suffix, seeding "
        "and search ran on it\n",
        seed_workers, seed_workers);
    measure_bookings(100'000, suffix);
  }

  // (b) Seed the search tenant through the API, 64 threads, up to the customer count or time cap.
  const Tenant search_tenant = CreateTenant(*admin, "Bench Search");
  std::atomic<std::uint64_t> next{0};
  const Run creates =
      Drive(base, search_tenant.api_key, kWriteThreads,
            std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seed_seconds)),
            [&](HttpClient& c, int, int) -> std::optional<HttpReply> {
              const std::uint64_t n = next.fetch_add(1);
              if (n >= target_customers) return std::nullopt;
              return c.Post("/v1/crm/customers", CustomerBody(n));
            });
  const std::uint64_t seeded = creates.ok;
  std::printf("http.customer_creates_per_s%s %.0f\n", suffix.c_str(), creates.per_s);
  std::printf("http.customer_create_p50_ms%s %.2f\n", suffix.c_str(), creates.p50);
  std::printf("http.customer_create_p99_ms%s %.2f\n", suffix.c_str(), creates.p99);
  std::printf("http.customer_create_errors%s %llu\n", suffix.c_str(),
              static_cast<unsigned long long>(creates.errors));
  std::printf("# seeded %llu customers in %.1f s\n", static_cast<unsigned long long>(seeded),
              creates.seconds);
  if (seeded < target_customers) {
    std::printf("# seeding stopped at the %.0f s cap: search runs on %llu customers, not %llu\n",
                seed_seconds, static_cast<unsigned long long>(seeded),
                static_cast<unsigned long long>(target_customers));
  }
  std::fflush(stdout);

  // (c) Search latency from 8 threads: a warm-up, then half the queries right after seeding
  // ("search.cold": the table's planner statistics are stale or missing until autovacuum's analyze,
  // about a minute later), then ANALYZE (what autovacuum does on its own; it leaves the trigram
  // indexes' GIN pending lists as they are) and the measured queries ("search"), and 500 of them
  // again from one client ("search.serial").
  const std::size_t cold_count = query_count / 2;
  const std::vector<Query> queries = Queries(200 + cold_count + query_count, seeded);
  std::atomic<std::size_t> cursor{0};
  auto search = [&](std::size_t from, std::size_t to, const char* prefix, int threads = kSearchThreads) {
    cursor = from;
    std::vector<double> name_ms, phone_ms;
    std::mutex merge;
    std::atomic<std::uint64_t> errors{0}, matches{0};
    std::vector<std::unique_ptr<HttpClient>> clients;
    for (int t = 0; t < threads; ++t) clients.push_back(Client(base, search_tenant.api_key));
    std::vector<std::thread> workers;
    const auto start = Clock::now();
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        std::vector<double> names, phones;
        while (true) {
          const std::size_t i = cursor.fetch_add(1);
          if (i >= to) break;
          const auto begin = Clock::now();
          auto r = clients[t]->Get("/v1/crm/customers/search?q=" + UrlEncode(queries[i].q));
          const double ms = Millis(Clock::now() - begin);
          if (r.status != 200) {
            if (errors.fetch_add(1) < 3)
              std::fprintf(stderr, "bench_http: search %ld %s\n", r.status, r.body.c_str());
            continue;
          }
          matches.fetch_add(static_cast<std::uint64_t>(r.Json().value("total", 0)));
          (queries[i].phone ? phones : names).push_back(ms);
        }
        std::lock_guard lock(merge);
        name_ms.insert(name_ms.end(), names.begin(), names.end());
        phone_ms.insert(phone_ms.end(), phones.begin(), phones.end());
      });
    }
    for (auto& w : workers) w.join();
    if (prefix == nullptr) return;  // warm-up
    const double seconds = Seconds(Clock::now() - start);
    std::vector<double> all = name_ms;
    all.insert(all.end(), phone_ms.begin(), phone_ms.end());
    const auto line = [&](const char* name, double value, const char* format) {
      std::printf("%s.%s ", prefix, name);
      std::printf(format, value);
      std::printf("\n");
    };
    line("queries", static_cast<double>(all.size()), "%.0f");
    line("p50_ms", Percentile(all, 0.50), "%.2f");
    line("p99_ms", Percentile(all, 0.99), "%.2f");
    line("name_p50_ms", Percentile(name_ms, 0.50), "%.2f");
    line("name_p99_ms", Percentile(name_ms, 0.99), "%.2f");
    line("phone_p50_ms", Percentile(phone_ms, 0.50), "%.2f");
    line("phone_p99_ms", Percentile(phone_ms, 0.99), "%.2f");
    line("queries_per_s", static_cast<double>(all.size()) / seconds, "%.0f");
    line("errors", static_cast<double>(errors.load()), "%.0f");
    std::printf("# %s: %d threads, mean %.0f matches per query\n", prefix, threads,
                all.empty() ? 0.0 : static_cast<double>(matches.load()) / static_cast<double>(all.size()));
    std::fflush(stdout);
  };
  std::printf("search.customers %llu\n", static_cast<unsigned long long>(seeded));
  std::printf(
      "# search terms, 1/5 each: last-name fragment (3-5 letters), first name, full name, 4-7 phone "
      "digits, whole phone number as (415) 555-0123; default page (50)\n");
  search(0, 200, nullptr);
  search(200, 200 + cold_count, "search.cold");
  const std::string schema =
      SqlValue(db.conninfo, "SELECT schema_name FROM projection_schemas WHERE projection = 'crm'");
  const auto analyze_start = Clock::now();
  Sql(db.conninfo, "ANALYZE \"" + schema + "\".customers");
  std::printf("# ANALYZE %s.customers: %.0f ms\n", schema.c_str(), Millis(Clock::now() - analyze_start));
  search(200 + cold_count, queries.size(), "search");
  // The same queries from one client: service time without queueing, for reading the figures above.
  search(200 + cold_count, std::min(queries.size(), 200 + cold_count + 500), "search.serial", 1);

  // Diagnosis: the trigram indexes take inserts into a GIN pending list (up to 4 MB) that every
  // search scans linearly until (auto)vacuum merges it. Its size now, then the same queries again
  // with it merged ("search.flushed"): the difference is what a smaller gin_pending_list_limit on
  // those indexes would buy.
  const std::string indexes[] = {schema + ".customers_name_trgm_idx", schema + ".customers_phone_trgm_idx"};
  try {
    Sql(db.conninfo, "CREATE EXTENSION IF NOT EXISTS pgstattuple");
    for (const auto& index : indexes) {
      std::printf(
          "# GIN pending list of %s: %s tuples\n", index.c_str(),
          SqlValue(db.conninfo, "SELECT pending_tuples FROM pgstatginindex('" + index + "')").c_str());
    }
  } catch (const std::exception& e) {
    std::printf("# GIN pending list size unknown (%s)\n", e.what());
  }
  for (const auto& index : indexes)
    Sql(db.conninfo, "SELECT gin_clean_pending_list('" + index + "'::regclass)");
  search(200 + cold_count, queries.size(), "search.flushed");
  search(200 + cold_count, std::min(queries.size(), 200 + cold_count + 500), "search.flushed.serial", 1);
  LoadAverage();
  return 0;
}

}  // namespace

int main() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGSEGV, SIGABRT, SIGBUS, SIGFPE}) ::signal(sig, OnFatalSignal);
  ::signal(SIGPIPE, SIG_IGN);
  try {
    return Main();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_http: %s\n", e.what());
    return 1;
  }
}
