// The write side against a real RocksDB log: conflicts retried without lost updates, cross-stream
// invariants (phone, technician) held under concurrency, snapshots, idempotency, suspension.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "adapters/rocksdb/rocksdb_event_log.h"
#include "adapters/rocksdb/rocksdb_state_store.h"
#include "commands/appointment_service.h"
#include "domain/time.h"
#include "tests/support/temp_dir.h"

namespace switchboard::commands {
namespace {

using domain::Rejection;

class FixedClock final : public Clock {
 public:
  TimePoint Now() const override { return now; }
  TimePoint now = std::chrono::time_point_cast<std::chrono::milliseconds>(
      std::chrono::sys_days{std::chrono::year{2026} / 11 / 30} + std::chrono::hours(8));
};

domain::TenantConfig AlwaysOpen() {
  domain::TenantConfig config;
  config.name = "Pipeline Co";
  for (auto& day : config.business_hours.days) day = domain::DayHours{0, 24 * 60};
  return config;
}

class CommandPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_ = std::move(adapters::RocksDbEventLog::Open(dir_.Sub("log"), 4).value());
    state_ = std::move(adapters::RocksDbStateStore::Open(dir_.Sub("state")).value());
    pipeline_ = std::make_unique<CommandPipeline>(*log_, state_.get(), clock_);
    tenants_ = std::make_unique<TenantService>(*pipeline_);
    customers_ = std::make_unique<CustomerService>(*pipeline_, *tenants_);
    appointments_ = std::make_unique<AppointmentService>(*pipeline_, *tenants_, *customers_);
    ASSERT_TRUE(tenants_->Create(Context(), {kTenant, AlwaysOpen(), "sk_a", "wt_a", "ot_a"}).ok());
  }

  CommandContext Context(std::string idempotency_key = "") const {
    return {kTenant, {"api_key", "test"}, std::move(idempotency_key), "corr"};
  }

  std::string NewCustomer(const std::string& phone = "") {
    domain::CreateCustomer create;
    create.customer_id = NewUuid();
    create.name = "Customer";
    create.phone = phone;
    auto r = customers_->Create(Context(), create);
    EXPECT_TRUE(r.ok());
    return create.customer_id;
  }

  domain::BookAppointment Booking(const std::string& customer, int start_hour, int end_hour,
                                  const std::string& technician) const {
    domain::BookAppointment book;
    book.appointment_id = NewUuid();
    book.customer_id = customer;
    book.service_type = "Repair";
    book.start = clock_.now + std::chrono::hours(24 + start_hour);
    book.end = clock_.now + std::chrono::hours(24 + end_hour);
    book.technician = technician;
    return book;
  }

  static constexpr const char* kTenant = "0192f1c2-7a3b-7c4d-8e5f-00000000aaaa";
  testing::TempDir dir_{"switchboard-commands-"};
  FixedClock clock_;
  std::unique_ptr<adapters::RocksDbEventLog> log_;
  std::unique_ptr<adapters::RocksDbStateStore> state_;
  std::unique_ptr<CommandPipeline> pipeline_;
  std::unique_ptr<TenantService> tenants_;
  std::unique_ptr<CustomerService> customers_;
  std::unique_ptr<AppointmentService> appointments_;
};

TEST_F(CommandPipelineTest, ConcurrentCommandsOnOneAggregateLoseNoUpdate) {
  const std::string id = NewCustomer();
  // Two pipelines over one log behave like two processes: only optimistic concurrency and
  // retries keep them from losing each other's updates.
  CommandPipeline other_pipeline(*log_, state_.get(), clock_);
  TenantService other_tenants(other_pipeline);
  CustomerService other_customers(other_pipeline, other_tenants);
  constexpr int kThreads = 6;
  constexpr int kTagsEach = 8;  // 48 tags: under the 50-tag limit
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    CustomerService& service = t % 2 == 0 ? *customers_ : other_customers;
    threads.emplace_back([&, t] {
      for (int i = 0; i < kTagsEach; ++i) {
        auto r = service.Execute(Context(), id, {domain::TagCustomer{"t" + std::to_string(t) + "-" + std::to_string(i)}});
        if (!r) failures++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto loaded = customers_->Load(kTenant, id);
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->state.tags.size(), static_cast<std::size_t>(kThreads * kTagsEach));
  EXPECT_EQ(loaded->version, 1 + kThreads * kTagsEach) << "one event per accepted command, none lost or doubled";
}

TEST_F(CommandPipelineTest, OnlyOneOfManyConcurrentCustomersGetsAPhone) {
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  std::atomic<int> created{0};
  std::atomic<int> conflicts{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      domain::CreateCustomer create;
      create.customer_id = NewUuid();
      create.name = "Racer";
      create.phone = "+14155550123";
      auto r = customers_->Create(Context(), create);
      if (r) {
        created++;
      } else if (r.error().rejection.code == Rejection::Code::kAlreadyExists) {
        conflicts++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(conflicts.load(), kThreads - 1);
}

TEST_F(CommandPipelineTest, ConcurrentBookingsNeverOverlapForATechnician) {
  const std::string customer = NewCustomer();
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  std::atomic<int> booked{0};
  std::atomic<int> conflicts{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Every slot overlaps every other: [9+t/4, 11+t/4) hours.
      auto r = appointments_->Book(Context(), Booking(customer, 9 + t % 2, 11 + t % 2, "Mike"));
      if (r) {
        booked++;
      } else if (r.error().rejection.code == Rejection::Code::kConflict) {
        EXPECT_EQ(r.error().rejection.field, "technician");
        conflicts++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(booked.load(), 1);
  EXPECT_EQ(conflicts.load(), kThreads - 1);
  // Another technician, same time: fine.
  EXPECT_TRUE(appointments_->Book(Context(), Booking(customer, 9, 11, "Ana")).ok());
}

TEST_F(CommandPipelineTest, CancellingReleasesTheTechniciansSlot) {
  const std::string customer = NewCustomer();
  auto first = Booking(customer, 9, 10, "Mike");
  ASSERT_TRUE(appointments_->Book(Context(), first).ok());
  auto clash = Booking(customer, 9, 10, "mike");
  auto rejected = appointments_->Book(Context(), clash);
  ASSERT_FALSE(rejected.ok()) << "technician names are matched case-insensitively";
  ASSERT_TRUE(appointments_->Change(Context(), first.appointment_id, {domain::CancelAppointment{"sick"}}).ok());
  EXPECT_TRUE(appointments_->Book(Context(), Booking(customer, 9, 10, "Mike")).ok());
}

TEST_F(CommandPipelineTest, BookingNeedsAnExistingCustomerAndNothingIsAppendedOtherwise) {
  const auto before = log_->EndOffset(PartitionOf(kTenant, 4)).value();
  auto r = appointments_->Book(Context(), Booking(NewUuid(), 9, 10, ""));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().rejection.field, "customer_id");
  EXPECT_EQ(log_->EndOffset(PartitionOf(kTenant, 4)).value(), before);
}

TEST_F(CommandPipelineTest, SuspendedTenantsCommandsAreRejected) {
  ASSERT_TRUE(tenants_->Suspend(Context(), "unpaid").ok());
  domain::CreateCustomer create;
  create.customer_id = NewUuid();
  create.name = "Late";
  auto r = customers_->Create(Context(), create);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().rejection.code, Rejection::Code::kSuspended);
  ASSERT_TRUE(tenants_->Reactivate(Context()).ok());
  EXPECT_TRUE(customers_->Create(Context(), create).ok());
}

TEST_F(CommandPipelineTest, LongStreamsAreSnapshottedAndLoadTheSame) {
  const std::string id = NewCustomer();
  for (int i = 0; i < 75; ++i) {
    ASSERT_TRUE(customers_->Execute(Context(), id, {domain::TagCustomer{"tag"}}).ok());
    ASSERT_TRUE(customers_->Execute(Context(), id, {domain::UntagCustomer{"tag"}}).ok());
  }
  auto snapshot = state_->Get("snapshot/" + std::string(kTenant) + "/customer-" + id);
  ASSERT_TRUE(snapshot.ok());
  ASSERT_TRUE(snapshot->has_value()) << "a stream past the snapshot interval has a snapshot";
  auto with_snapshot = customers_->Load(kTenant, id);
  CommandPipeline no_snapshots(*log_, nullptr, clock_);
  TenantService tenants(no_snapshots);
  CustomerService replay_only(no_snapshots, tenants);
  auto from_scratch = replay_only.Load(kTenant, id);
  ASSERT_TRUE(with_snapshot.ok() && from_scratch.ok());
  EXPECT_GT(with_snapshot->snapshot_version, 0);
  EXPECT_EQ(with_snapshot->version, from_scratch->version);
  EXPECT_EQ(with_snapshot->state, from_scratch->state);
}

TEST_F(CommandPipelineTest, AnIdempotencyKeyAppendsOnce) {
  const std::string id = NewCustomer();
  auto first = customers_->Execute(Context("key-1"), id, {domain::TagCustomer{"once"}});
  ASSERT_TRUE(first.ok());
  auto second = customers_->Execute(Context("key-1"), id, {domain::TagCustomer{"twice"}});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->position, first->position) << "the repeat returns the first append's position";
  auto loaded = customers_->Load(kTenant, id);
  EXPECT_EQ(loaded->state.tags, std::vector<std::string>{"once"});
}

}  // namespace
}  // namespace switchboard::commands
