// bench_pipeline: appointment bookings per second through the full command pipeline (load tenant,
// appointment, customer and technician calendar; decide; one atomic multi-stream append through
// the RocksDB log's group commit; snapshots into the RocksDB state store) with no HTTP and no
// PostgreSQL. 64 threads, each booking for its own customer with its own technician, so no command
// conflicts with another; 30-minute visits, 8 a day per technician, from the day after tomorrow on.
// Prints `name value` lines (DESIGN.md §7); never fails on timing. Runs about 20 s.
//
// Usage: bench_pipeline [parent dir, default /tmp] [seconds per run, default 5]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "adapters/rocksdb/rocksdb_event_log.h"
#include "adapters/rocksdb/rocksdb_state_store.h"
#include "commands/appointment_service.h"
#include "tests/support/temp_dir.h"

namespace {

using namespace switchboard;
using Clock = std::chrono::steady_clock;

constexpr int kThreads = 64;
constexpr int kPartitions = 8;  // the server's default (infra/config.h)
constexpr int kVisitsPerDay = 8;

// Appends only: GCC 12 at -O3 warns falsely (-Warray-bounds, PR 105651) on `"literal" + std::string&&`.
std::string Cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (auto p : parts) out.append(p);
  return out;
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Thrown (main thread only) so that the data directory is still removed on the way out.
[[noreturn]] void Die(const std::string& what) { throw std::runtime_error(what); }

std::string Describe(const commands::CommandError& e) {
  if (e.kind == commands::CommandError::Kind::kRejected)
    return "rejected: " + e.rejection.field + ": " + e.rejection.message;
  return (e.kind == commands::CommandError::Kind::kConcurrency ? "concurrency: " : "unavailable: ") +
         e.message;
}

domain::TenantConfig AlwaysOpen(int n) {
  domain::TenantConfig config;
  config.name = "Bench Co " + std::to_string(n);
  for (auto& day : config.business_hours.days) day = domain::DayHours{0, 24 * 60};
  return config;
}

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const std::size_t at = std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(at), v.end());
  return v[at];
}

// One log + state store + pipeline + services in their own directory.
struct Stack {
  explicit Stack(const std::string& dir) {
    std::filesystem::create_directories(dir);
    auto opened = adapters::RocksDbEventLog::Open(dir + "/log", kPartitions);
    if (!opened.ok()) Die("open log: " + opened.error().message);
    log = std::move(*opened);
    auto state_opened = adapters::RocksDbStateStore::Open(dir + "/state");
    if (!state_opened.ok()) Die("open state: " + state_opened.error().message);
    state = std::move(*state_opened);
    pipeline = std::make_unique<commands::CommandPipeline>(*log, state.get(), clock);
    tenants = std::make_unique<commands::TenantService>(*pipeline);
    customers = std::make_unique<commands::CustomerService>(*pipeline, *tenants);
    appointments = std::make_unique<commands::AppointmentService>(*pipeline, *tenants, *customers);
  }
  ~Stack() {  // services first, the log last (Debian's RocksDB asserts on live iterators at close)
    appointments.reset();
    customers.reset();
    tenants.reset();
    pipeline.reset();
    state.reset();
    log.reset();
  }
  std::int64_t EventsInLog() {
    std::int64_t total = 0;
    for (int p = 0; p < kPartitions; ++p) {
      auto end = log->EndOffset(p);
      if (!end.ok()) Die("end offset: " + end.error().message);
      total += *end;
    }
    return total;
  }

  commands::SystemClock clock;
  std::unique_ptr<adapters::RocksDbEventLog> log;
  std::unique_ptr<adapters::RocksDbStateStore> state;
  std::unique_ptr<commands::CommandPipeline> pipeline;
  std::unique_ptr<commands::TenantService> tenants;
  std::unique_ptr<commands::CustomerService> customers;
  std::unique_ptr<commands::AppointmentService> appointments;
};

commands::CommandContext Context(const std::string& tenant) {
  return {tenant, {"api_key", "bench"}, "", "bench"};
}

struct RunResult {
  double commands_per_s = 0;
  double events_per_s = 0;
  double appends_per_batch = 0;
  double p50_ms = 0, p99_ms = 0;
  std::uint64_t failures = 0;
};

// Runs `op(thread, i)` from kThreads threads for `budget`; counts successes, events and latency.
template <class Op>
RunResult Drive(Stack& stack, Clock::duration budget, Op op) {
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> done{0}, failures{0};
  std::vector<std::vector<double>> latencies(kThreads);
  const std::int64_t events_before = stack.EventsInLog();
  const std::uint64_t batches_before = stack.log->SyncedBatches();
  std::vector<std::thread> workers;
  const auto start = Clock::now();
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      auto& lat = latencies[t];
      lat.reserve(4096);
      for (int i = 0; !stop.load(std::memory_order_relaxed); ++i) {
        const auto begin = Clock::now();
        auto r = op(t, i);
        lat.push_back(std::chrono::duration<double, std::milli>(Clock::now() - begin).count());
        if (r.ok()) {
          done.fetch_add(1, std::memory_order_relaxed);
        } else if (failures.fetch_add(1) < 3) {
          std::fprintf(stderr, "bench_pipeline: command failed: %s\n", Describe(r.error()).c_str());
        }
      }
    });
  }
  std::this_thread::sleep_for(budget);
  stop = true;
  for (auto& w : workers) w.join();
  const double elapsed = Seconds(Clock::now() - start);
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  RunResult r;
  r.commands_per_s = static_cast<double>(done.load()) / elapsed;
  r.events_per_s = static_cast<double>(stack.EventsInLog() - events_before) / elapsed;
  const std::uint64_t batches = std::max<std::uint64_t>(1, stack.log->SyncedBatches() - batches_before);
  r.appends_per_batch = static_cast<double>(done.load()) / static_cast<double>(batches);
  r.p50_ms = Percentile(all, 0.50);
  r.p99_ms = Percentile(all, 0.99);
  r.failures = failures.load();
  return r;
}

struct Scenario {
  std::vector<std::string> tenant_of_thread;
  std::vector<std::string> customer_of_thread;
  RunResult customer_creates;
};

// Creates `tenants` tenants (thread t uses tenant t % tenants), then customers from 64 threads for
// `budget` (measured: customer creates/s), keeping the first customer of each thread for bookings.
Scenario Prepare(Stack& stack, int tenants, Clock::duration budget) {
  Scenario s;
  std::vector<std::string> tenant_ids;
  for (int i = 0; i < tenants; ++i) {
    tenant_ids.push_back(commands::NewUuid());
    auto r = stack.tenants->Create(Context(tenant_ids.back()),
                                   {tenant_ids.back(), AlwaysOpen(i), "sk_bench_" + std::to_string(i),
                                    "wt_bench_" + std::to_string(i), "ot_bench_" + std::to_string(i)});
    if (!r.ok()) Die("create tenant: " + Describe(r.error()));
  }
  for (int t = 0; t < kThreads; ++t) s.tenant_of_thread.push_back(tenant_ids[t % tenants]);
  s.customer_of_thread.resize(kThreads);
  s.customer_creates = Drive(stack, budget, [&](int t, int i) {
    domain::CreateCustomer create;
    create.customer_id = commands::NewUuid();
    create.name = Cat({"Customer ", std::to_string(t), "-", std::to_string(i)});
    // Distinct valid phones (exchange 2xx-8xx): each create also claims its phone in the same append.
    create.phone = Cat({"+1415", std::to_string(2000000 + t * 100000 + i % 100000)});
    create.email = Cat({"c", std::to_string(t), "-", std::to_string(i), "@example.com"});
    auto r = stack.customers->Create(Context(s.tenant_of_thread[t]), create);
    if (r.ok() && i == 0) s.customer_of_thread[t] = create.customer_id;
    return r;
  });
  for (const auto& c : s.customer_of_thread) {
    if (c.empty()) Die("a thread created no customer");
  }
  return s;
}

// Bookings: thread t books 30-minute visits, 8 a day, for its customer, from the day after tomorrow, with
// technician "tech-<t>" (or none), so no two bookings compete for a technician's calendar.
RunResult Book(Stack& stack, const Scenario& s, bool with_technician, Clock::duration budget) {
  const auto base = std::chrono::floor<std::chrono::days>(stack.clock.Now()) + std::chrono::days(2);
  return Drive(stack, budget, [&](int t, int i) {
    domain::BookAppointment book;
    book.appointment_id = commands::NewUuid();
    book.customer_id = s.customer_of_thread[t];
    book.service_type = "Drain cleaning";
    // A technician's realistic day: 8 visits, hourly from 08:00 (the calendar stream of a day is
    // replayed by every booking on it; with 46 a day instead, this figure drops by about 3x).
    book.start = base + std::chrono::days(i / kVisitsPerDay) + std::chrono::hours(8 + i % kVisitsPerDay);
    book.end = book.start + std::chrono::minutes(30);
    book.address = "1 Main St";
    book.estimated_value_cents = 15000;
    book.technician = with_technician ? "tech-" + std::to_string(t) : "";
    book.notes = "gate code 1234";
    return stack.appointments->Book(Context(s.tenant_of_thread[t]), std::move(book));
  });
}

void Print(const std::string& prefix, const char* rate, const RunResult& r) {
  std::printf("%s.%s %.0f\n", prefix.c_str(), rate, r.commands_per_s);
  std::printf("%s.events_per_s %.0f\n", prefix.c_str(), r.events_per_s);
  std::printf("%s.p50_ms %.2f\n", prefix.c_str(), r.p50_ms);
  std::printf("%s.p99_ms %.2f\n", prefix.c_str(), r.p99_ms);
  std::printf("%s.commands_per_synced_batch %.1f\n", prefix.c_str(), r.appends_per_batch);
  if (r.failures > 0)
    std::printf("%s.failures %llu\n", prefix.c_str(), static_cast<unsigned long long>(r.failures));
}

}  // namespace

int Main(int argc, char** argv) {
  const std::string parent = argc > 1 ? argv[1] : "/tmp";
  const double seconds = argc > 2 ? std::atof(argv[2]) : 5.0;
  const auto budget = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  const auto short_budget = budget / 2;
  switchboard::testing::TempDir dir("sb-bench-pipeline-", parent);

  RunResult one, none, many, creates_one, creates_many;
  {
    Stack stack(dir.Sub("one-tenant"));
    Scenario s = Prepare(stack, 1, short_budget);
    creates_one = s.customer_creates;
    one = Book(stack, s, /*with_technician=*/true, budget);
    none = Book(stack, s, /*with_technician=*/false, short_budget);
  }
  {
    Stack stack(dir.Sub("sixteen-tenants"));
    Scenario s = Prepare(stack, 16, short_budget);
    creates_many = s.customer_creates;
    many = Book(stack, s, /*with_technician=*/true, budget);
  }
  // Headline: one tenant, bookings with a technician (appointment + calendar stream in one append,
  // tenant version checked): 2 events per booking.
  std::printf("pipeline.bookings_per_s %.0f\n", one.commands_per_s);
  std::printf("pipeline.events_per_s %.0f\n", one.events_per_s);
  std::printf("pipeline.booking_p50_ms %.2f\n", one.p50_ms);
  std::printf("pipeline.booking_p99_ms %.2f\n", one.p99_ms);
  std::printf("pipeline.bookings_per_synced_batch %.1f\n", one.appends_per_batch);
  Print("pipeline.no_technician", "bookings_per_s", none);
  Print("pipeline.tenants16", "bookings_per_s", many);
  Print("pipeline.customer_create", "creates_per_s", creates_one);
  Print("pipeline.tenants16.customer_create", "creates_per_s", creates_many);
  std::uint64_t failures =
      one.failures + none.failures + many.failures + creates_one.failures + creates_many.failures;
  std::printf(
      "# %d threads, %d partitions, %.1f s per booking run; one tenant unless tenants16; "
      "no HTTP, no PostgreSQL; %llu failed commands\n",
      kThreads, kPartitions, seconds, static_cast<unsigned long long>(failures));
  return 0;
}

int main(int argc, char** argv) {
  try {
    return Main(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_pipeline: %s\n", e.what());
    return 1;
  }
}
