// bench_kafka: KafkaEventLog against librdkafka's own producer measured in the same run, on the same
// cluster (DESIGN.md §7: print ratios against the raw limit, never fail on timing), plus the
// end-to-end lag from an append to its row in PostgreSQL.
//   (a) kafka.raw_producer_events_per_s: one idempotent acks=all producer sending envelope-sized
//       messages (the size of one real envelope of the log) to a topic with the log's partition
//       count, counting delivery reports, for a fixed budget; then 64 senders each waiting for its
//       message's report (kafka.raw_concurrent_events_per_s, the like-for-like figure).
//   (b) kafka.append_events_per_s: 64 threads doing 1-event appends (ExpectedVersion any) through
//       KafkaEventLog for tenants on every partition; kafka.ratio = (b) / (a), kafka.ratio_concurrent
//       against the waiting senders. Then 10-event appends (kafka.ratio_10).
//   (c) kafka.e2e_lag_p50_ms / p99_ms: a ProjectionEngine over a second KafkaEventLog folds a paced
//       5,000 events/s into PostgreSQL; lag = from the start of an append to the commit of the
//       engine transaction that moved its partition's checkpoint past the append's offset.
// Prints `name value` lines and `# ` context lines; runs about 40 s.
//
// Environment:
//   SB_BENCH_KAFKA_BROKERS      bootstrap servers of a real cluster (default: librdkafka's in-process
//                               mock, 3 brokers over TCP); topics and groups get a -<host>-<pid>
//                               suffix there and are deleted at the end
//   SB_BENCH_KAFKA_REPLICATION  replication factor of the topics created on a real cluster (3)
//   SB_BENCH_PG_URL             an existing PostgreSQL cluster (default: a throwaway one, stopped at exit)
#include <sys/resource.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "adapters/kafka/kafka_event_log.h"
#include "adapters/postgres/migrations.h"
#include "adapters/postgres/pg_pool.h"
#include "projections/engine/projection_engine.h"
#include "projections/projection.h"
#include "projections/sql.h"
#include "tests/support/kafka_mock_cluster.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_database.h"
#include "tests/support/throwaway_pg.h"

namespace {

using namespace switchboard;
using Clock = std::chrono::steady_clock;
using adapters::KafkaEventLog;

// 8 partitions: enough for the group commit to matter, and it keeps the e2e topic under the mock's
// per-partition retention (~5 MiB / 100k messages; older message sets are dropped beyond it).
constexpr int kPartitions = 8;
constexpr int kThreads = 64;
constexpr auto kRawBudget = std::chrono::seconds(6);
constexpr auto kRawConcurrentBudget = std::chrono::seconds(3);
constexpr auto kAppendBudget = std::chrono::seconds(6);
constexpr auto kAppend10Budget = std::chrono::seconds(4);
constexpr double kE2eRate = 5000;  // events/s offered
constexpr auto kE2eRun = std::chrono::seconds(10);
// The lag run's events carry a shorter text (~540 B envelopes): 10 s x 5,000/s over 8 partitions
// then stays ~3.5 MB a partition, clear of the mock's retention (lag does not depend on size much).
constexpr std::size_t kE2eTextBytes = 100;
constexpr auto kE2eWarmUp = std::chrono::seconds(1);
// Appends block for a whole Kafka transaction (~12-27 ms on the mock, more under load), so the
// offered rate needs rate x latency appends in flight: 320 pacers of 15.6 appends/s each.
constexpr int kPacers = 320;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Throws rather than exits, so main's destructors still stop the PostgreSQL cluster and the mock.
[[noreturn]] void Die(const std::string& what) { throw std::runtime_error(what); }

template <class T, class E>
T Must(Result<T, E> r, const std::string& what) {
  if (!r.ok()) Die(what + ": " + r.error().message);
  return std::move(r).value();
}
template <class E>
void Must(Result<void, E> r, const std::string& what) {
  if (!r.ok()) Die(what + ": " + r.error().message);
}

// The cluster: the mock (topics created here: the 2.0.2 mock has no CreateTopics handler) or real
// brokers (topics created and deleted through the Admin API, names suffixed so that nothing of a
// deployment or of another bench run is touched).
class Kafka {
 public:
  Kafka() : brokers_(Env("SB_BENCH_KAFKA_BROKERS")) {
    if (brokers_.empty()) {
      mock_ = std::make_unique<testing::KafkaMockCluster>(3);
      brokers_ = mock_->bootstraps();
    } else {
      char host[256] = {0};
      ::gethostname(host, sizeof host - 1);
      suffix_ = std::string("-") + host + "-" + std::to_string(::getpid());
      if (!Env("SB_BENCH_KAFKA_REPLICATION").empty()) replication_ = std::stoi(Env("SB_BENCH_KAFKA_REPLICATION"));
    }
  }
  ~Kafka() {
    if (!mock_ && !created_.empty()) Admin(false, created_);
  }
  Kafka(const Kafka&) = delete;
  Kafka& operator=(const Kafka&) = delete;

  bool mock() const { return mock_ != nullptr; }
  const std::string& brokers() const { return brokers_; }
  int replication() const { return replication_; }
  std::string Name(const std::string& base) const { return base + suffix_; }

  // Creates `topic` unless the log will (on real brokers KafkaEventLog::Open creates its topic).
  void CreateTopic(const std::string& topic, bool log_creates_it) {
    if (mock_) {
      if (!mock_->CreateTopic(topic, kPartitions, 3)) Die("mock: cannot create topic " + topic);
      return;
    }
    if (!log_creates_it) Admin(true, {topic});
    created_.push_back(topic);  // deleted at the end either way
  }

 private:
  // CreateTopics (create) or DeleteTopics (!create) through the Admin API; dies on a failed create.
  void Admin(bool create, const std::vector<std::string>& topics) {
    char errstr[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", brokers_.c_str(), errstr, sizeof errstr);
    rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    if (rk == nullptr) Die(std::string("admin client: ") + errstr);
    rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
    rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_ANY);
    rd_kafka_AdminOptions_set_operation_timeout(options, 30000, errstr, sizeof errstr);
    std::string error;
    if (create) {
      std::vector<rd_kafka_NewTopic_t*> list;
      for (const auto& t : topics) list.push_back(rd_kafka_NewTopic_new(t.c_str(), kPartitions, replication_, errstr, sizeof errstr));
      rd_kafka_CreateTopics(rk, list.data(), list.size(), options, queue);
      rd_kafka_NewTopic_destroy_array(list.data(), list.size());
    } else {
      std::vector<rd_kafka_DeleteTopic_t*> list;
      for (const auto& t : topics) list.push_back(rd_kafka_DeleteTopic_new(t.c_str()));
      rd_kafka_DeleteTopics(rk, list.data(), list.size(), options, queue);
      rd_kafka_DeleteTopic_destroy_array(list.data(), list.size());
    }
    rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, 60000);
    if (ev == nullptr) {
      error = "admin request timed out";
    } else if (rd_kafka_event_error(ev)) {
      error = rd_kafka_event_error_string(ev);
    } else {
      std::size_t n = 0;
      const rd_kafka_topic_result_t** results =
          create ? rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n)
                 : rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
      for (std::size_t i = 0; i < n; ++i) {
        if (rd_kafka_topic_result_error(results[i]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
          error += std::string(rd_kafka_topic_result_name(results[i])) + ": " +
                   rd_kafka_topic_result_error_string(results[i]) + "; ";
        }
      }
    }
    if (ev != nullptr) rd_kafka_event_destroy(ev);
    rd_kafka_AdminOptions_destroy(options);
    rd_kafka_queue_destroy(queue);
    rd_kafka_destroy(rk);
    if (!error.empty()) {
      if (create) Die("create topics: " + error);
      std::fprintf(stderr, "bench_kafka: delete topics: %s\n", error.c_str());
    }
  }

  std::string brokers_;
  std::unique_ptr<testing::KafkaMockCluster> mock_;
  std::string suffix_;
  int replication_ = 3;
  std::vector<std::string> created_;
};

std::unique_ptr<KafkaEventLog> OpenLog(const Kafka& kafka, const std::string& topic, const std::string& state_dir) {
  adapters::KafkaLogOptions o;
  o.brokers = kafka.brokers();
  o.partitions = kPartitions;
  o.replication = kafka.replication();
  o.topic = topic;
  o.group = topic + "-writers";
  o.node_id = "bench-" + std::to_string(::getpid());
  o.state_dir = state_dir;
  o.wait_for_all_partitions = true;
  o.open_timeout = std::chrono::seconds(60);
  o.client_config = {{"log_level", "3"}};
  return Must(KafkaEventLog::Open(o), "open log on " + topic);
}

// One tenant per partition, so appends spread evenly over every partition (and its transactions).
std::vector<std::string> TenantsPerPartition() {
  std::vector<std::string> tenants(kPartitions);
  int found = 0;
  for (int i = 0; found < kPartitions; ++i) {
    std::string t = "t_bench_" + std::to_string(i);
    std::string& slot = tenants[static_cast<std::size_t>(commands::PartitionOf(t, kPartitions))];
    if (slot.empty()) {
      slot = std::move(t);
      ++found;
    }
  }
  return tenants;
}

// The event of every append: the shape of bench_log's (a ~220 B caller turn).
commands::NewEvent TurnEvent(int thread, int turn, std::size_t text_bytes = 220) {
  commands::NewEvent e;
  e.type = "CallerTurnRecorded";
  e.occurred_at = "2026-11-24T15:04:05.123Z";
  e.actor = {"provider", "twilio"};
  e.correlation_id = "call-" + std::to_string(thread);
  e.data = {{"call_id", "CA0123456789abcdef0123456789abcdef"},
            {"turn", turn},
            {"speaker", "caller"},
            {"text", std::string(text_bytes, 't')}};
  return e;
}

// The size of the value the log stored for the event at `offset`: read back and re-encoded the way
// the writer encodes it (offset -1).
std::size_t StoredBytes(KafkaEventLog& log, int partition, std::int64_t offset) {
  auto events = Must(log.ReadPartition(partition, offset, 1), "read back");
  if (events.empty()) Die("appended event not readable");
  events[0].offset = -1;
  return commands::EncodeEnvelope(events[0]).size();
}

// One real envelope's size: a probe event appended and measured, so the raw producer sends exactly
// what the log sends.
std::size_t EnvelopeBytes(KafkaEventLog& log, const std::string& tenant) {
  commands::AppendRequest req;
  req.tenant_id = tenant;
  commands::StreamAppend& s = req.streams.emplace_back();
  s.stream = "call-probe-0000000";  // as long as the bench's stream names
  s.expected = commands::ExpectedVersion::Any();
  s.events.push_back(TurnEvent(0, 0));
  s.events.back().event_id = s.stream + "-0";
  const auto r = Must(log.Append(req), "probe append");
  return StoredBytes(log, r.partition, r.first_offset);
}

struct Deliveries {
  std::atomic<std::uint64_t> ok{0};
  std::atomic<std::uint64_t> failed{0};
  std::atomic<std::uint64_t> purged{0};  // still queued at the deadline, dropped on purpose
};

// A sender waiting for its one message's delivery report (the concurrent raw run).
struct Waiter {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
};

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* d = static_cast<Deliveries*>(opaque);
  auto& counter = m->err == RD_KAFKA_RESP_ERR_NO_ERROR      ? d->ok
                  : m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ? d->purged
                                                             : d->failed;
  counter.fetch_add(1, std::memory_order_relaxed);
  if (auto* w = static_cast<Waiter*>(m->_private)) {
    std::lock_guard lock(w->mu);
    w->done = true;
    w->cv.notify_one();
  }
}

// (a) The ceiling: one idempotent acks=all producer (what each of the log's per-partition
// transactional producers is, minus the transactions), librdkafka's defaults otherwise (linger
// 5 ms, batching), the same key, value size and headers as the log's records, all partitions.
// waiting_senders = 0: one thread produces as fast as the queue takes messages (the headline raw
// figure). waiting_senders = N: N threads each send one message and wait for its delivery report,
// the same concurrency and per-event wait as the log's 1-event appenders (the like-for-like figure,
// as bench_log's raw_concurrent).
double RawProducerEventsPerSecond(const Kafka& kafka, const std::string& topic, std::size_t value_bytes,
                                  const std::string& key, int waiting_senders, Clock::duration budget) {
  Deliveries deliveries;
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"bootstrap.servers", kafka.brokers()}, {"enable.idempotence", "true"}, {"acks", "all"},
           {"client.id", "bench-raw"}, {"log_level", "3"}}) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) Die(errstr);
  }
  rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery);
  rd_kafka_conf_set_opaque(conf, &deliveries);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (rk == nullptr) Die(std::string("raw producer: ") + errstr);
  const std::string value(value_bytes, 'v');
  auto produce = [&](int partition, Waiter* waiter = nullptr) {
    return rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
                             RD_KAFKA_V_OPAQUE(waiter),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_KEY(key.data(), key.size()),
                             RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                             RD_KAFKA_V_HEADER("type", "CallerTurnRecorded", -1),
                             RD_KAFKA_V_HEADER("schema_version", "1", -1), RD_KAFKA_V_END);
  };
  // Connections, metadata and the producer id are set up before the clock starts, as the log's are
  // by Open.
  for (int p = 0; p < kPartitions; ++p) {
    if (produce(p) != RD_KAFKA_RESP_ERR_NO_ERROR) Die("raw warm-up produce failed");
  }
  rd_kafka_flush(rk, 30000);
  if (deliveries.ok.load() != static_cast<std::uint64_t>(kPartitions)) Die("raw warm-up not delivered");
  deliveries.ok = 0;

  const auto start = Clock::now();
  double elapsed = 0;
  std::uint64_t delivered = 0;
  if (waiting_senders == 0) {
    std::uint64_t n = 0;
    while (Clock::now() - start < budget) {
      const rd_kafka_resp_err_t err = produce(static_cast<int>(n % kPartitions));
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(rk, 1);  // delivery reports free the queue
        continue;
      }
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) Die(std::string("raw produce: ") + rd_kafka_err2str(err));
      if (++n % 64 == 0) rd_kafka_poll(rk, 0);
    }
    rd_kafka_poll(rk, 0);
    elapsed = Seconds(Clock::now() - start);
    delivered = deliveries.ok.load();
  } else {
    std::atomic<bool> stop{false};
    std::atomic<bool> polling{true};
    std::thread poller([&] {  // serves the delivery reports, which wake the senders
      while (polling.load(std::memory_order_relaxed)) rd_kafka_poll(rk, 5);
    });
    std::vector<std::thread> senders;
    for (int t = 0; t < waiting_senders; ++t) {
      senders.emplace_back([&, t] {
        Waiter w;
        while (!stop.load(std::memory_order_relaxed)) {
          w.done = false;
          if (produce(t % kPartitions, &w) != RD_KAFKA_RESP_ERR_NO_ERROR) Die("raw produce failed");
          std::unique_lock lock(w.mu);
          w.cv.wait(lock, [&] { return w.done; });
        }
      });
    }
    std::this_thread::sleep_for(budget);
    elapsed = Seconds(Clock::now() - start);
    delivered = deliveries.ok.load();
    stop = true;
    for (auto& s : senders) s.join();  // their last messages are delivered by the poller meanwhile
    polling = false;
    poller.join();
  }
  // What is still queued or in flight is not counted; drop it rather than wait for it.
  rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE);
  rd_kafka_flush(rk, 30000);
  std::printf("# raw producer, %s: %llu delivered in %.1f s (%.0f MB/s of values)%s\n",
              waiting_senders == 0 ? "1 thread queueing freely" : (std::to_string(waiting_senders) + " senders each waiting for its report").c_str(),
              static_cast<unsigned long long>(delivered), elapsed,
              static_cast<double>(delivered * value_bytes) / elapsed / 1e6,
              kafka.mock() && waiting_senders == 0 ? "; the mock keeps ~5 MiB a partition, dropping older message sets" : "");
  if (deliveries.failed.load() > 0) {
    std::printf("# raw producer: %llu failed deliveries (not counted)\n",
                static_cast<unsigned long long>(deliveries.failed.load()));
  }
  rd_kafka_destroy(rk);
  return static_cast<double>(delivered) / elapsed;
}

// (a') The transactional ceiling: one transactional producer per partition (what the log's writer
// is), each thread committing back-to-back transactions of `events_per_transaction` envelope-sized
// messages, waiting for their delivery reports before the commit as the log does. Run with the log's
// own measured transaction size, it is what librdkafka and the cluster allow that log at most: the
// log's distance from it is the cost of its own work (deciding, encoding, indexing, waking appenders).
double RawTransactionalEventsPerSecond(const Kafka& kafka, const std::string& topic, std::size_t value_bytes,
                                       const std::string& key, int events_per_transaction, Clock::duration budget) {
  std::atomic<bool> go{false};
  std::atomic<bool> stop{false};
  std::atomic<int> ready{0};
  std::atomic<std::uint64_t> committed{0};
  std::atomic<std::uint64_t> transactions{0};
  std::atomic<bool> failed{false};
  std::mutex error_mu;
  std::string error;
  const std::string value(value_bytes, 'v');
  std::vector<std::thread> writers;
  for (int p = 0; p < kPartitions; ++p) {
    writers.emplace_back([&, p] {
      auto fail = [&](const std::string& what) {
        std::lock_guard lock(error_mu);
        if (error.empty()) error = "partition " + std::to_string(p) + ": " + what;
        failed = true;
      };
      Deliveries deliveries;
      char errstr[512];
      rd_kafka_conf_t* conf = rd_kafka_conf_new();
      for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
               {"bootstrap.servers", kafka.brokers()},
               {"transactional.id", kafka.Name("bench-raw-txn-" + std::to_string(::getpid()) + "-p" + std::to_string(p))},
               {"enable.idempotence", "true"}, {"acks", "all"}, {"linger.ms", "1"}, {"log_level", "3"}}) {
        if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) Die(errstr);
      }
      rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery);
      rd_kafka_conf_set_opaque(conf, &deliveries);
      rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
      if (rk == nullptr) Die(std::string("raw transactional producer: ") + errstr);
      if (rd_kafka_error_t* e = rd_kafka_init_transactions(rk, 30000)) {
        fail(std::string("init_transactions: ") + rd_kafka_error_string(e));
        rd_kafka_error_destroy(e);
      }
      ++ready;
      while (!go.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      std::uint64_t sent = 0;
      while (!failed.load() && !stop.load(std::memory_order_relaxed)) {
        rd_kafka_error_t* e = rd_kafka_begin_transaction(rk);
        for (int i = 0; e == nullptr && i < events_per_transaction; ++i) {
          const rd_kafka_resp_err_t err = rd_kafka_producev(
              rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(p), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
              RD_KAFKA_V_KEY(key.data(), key.size()), RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
              RD_KAFKA_V_HEADER("type", "CallerTurnRecorded", -1), RD_KAFKA_V_HEADER("schema_version", "1", -1),
              RD_KAFKA_V_END);
          if (err) fail(std::string("produce: ") + rd_kafka_err2str(err));
        }
        sent += static_cast<std::uint64_t>(events_per_transaction);
        while (e == nullptr && !failed.load() && deliveries.ok.load() + deliveries.failed.load() < sent) rd_kafka_poll(rk, 100);
        if (e == nullptr) e = rd_kafka_commit_transaction(rk, 30000);
        if (e != nullptr) {
          fail(std::string("transaction: ") + rd_kafka_error_string(e));
          rd_kafka_error_destroy(e);
          break;
        }
        if (go.load() && !stop.load()) {
          committed.fetch_add(static_cast<std::uint64_t>(events_per_transaction), std::memory_order_relaxed);
          transactions.fetch_add(1, std::memory_order_relaxed);
        }
      }
      rd_kafka_destroy(rk);
    });
  }
  // init_transactions (and the connections) happen before the clock starts, as the log's do in Open.
  while (ready.load() < kPartitions) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const auto start = Clock::now();
  go = true;
  std::this_thread::sleep_for(budget);
  const double elapsed = Seconds(Clock::now() - start);
  const std::uint64_t events = committed.load();
  const std::uint64_t txns = transactions.load();
  stop = true;
  for (auto& w : writers) w.join();
  if (!error.empty()) Die("raw transactional run: " + error);
  std::printf("# raw transactional producers: %d (one per partition), %d events a transaction, %.0f transactions/s "
              "(%.1f ms a commit round per partition)\n",
              kPartitions, events_per_transaction, static_cast<double>(txns) / elapsed,
              1000.0 * kPartitions * elapsed / std::max<double>(1, static_cast<double>(txns)));
  return static_cast<double>(events) / elapsed;
}

struct LogRun {
  double events_per_s = 0;
  double appends_per_transaction = 0;
  double transactions_per_s = 0;  // over all partitions
};

// (b) The log: `threads` appenders, each appending `events_per_append` events to a new stream per
// append (a tenant per partition, thread t on partition t % kPartitions), for `budget`. `round`
// keeps stream names unique across runs on one log.
LogRun LogEventsPerSecond(KafkaEventLog& log, const std::vector<std::string>& tenants, int round,
                          int events_per_append, Clock::duration budget) {
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> events{0};
  std::atomic<std::uint64_t> appends{0};
  std::atomic<std::uint64_t> failures{0};
  std::mutex error_mu;
  std::string last_error;
  const std::uint64_t transactions_before = log.CommittedTransactions();
  std::vector<std::thread> workers;
  const auto start = Clock::now();
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      // Built once and only renamed per append: the figure is the log's cost, not JSON construction.
      commands::AppendRequest request;
      request.tenant_id = tenants[static_cast<std::size_t>(t % kPartitions)];
      commands::StreamAppend& stream = request.streams.emplace_back();
      stream.expected = commands::ExpectedVersion::Any();
      for (int i = 0; i < events_per_append; ++i) stream.events.push_back(TurnEvent(t, i));
      const std::string prefix = "call-" + std::to_string(round) + "-" + std::to_string(t) + "-";
      std::uint64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        stream.stream = prefix + std::to_string(n++);
        for (int i = 0; i < events_per_append; ++i) stream.events[i].event_id = stream.stream + "-" + std::to_string(i);
        auto r = log.Append(request);
        if (!r.ok()) {
          failures.fetch_add(1);
          std::lock_guard lock(error_mu);
          last_error = r.error().message;
          continue;
        }
        events.fetch_add(static_cast<std::uint64_t>(events_per_append), std::memory_order_relaxed);
        appends.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::this_thread::sleep_for(budget);
  // Counted at the deadline: appends still in flight finish while the workers are joined, uncounted.
  const double elapsed = Seconds(Clock::now() - start);
  const std::uint64_t counted_events = events.load();
  const std::uint64_t counted_appends = appends.load();
  const std::uint64_t transactions = std::max<std::uint64_t>(1, log.CommittedTransactions() - transactions_before);
  stop = true;
  for (auto& w : workers) w.join();
  if (failures.load() > 0) {
    std::printf("# log: %llu failed appends, last: %s\n", static_cast<unsigned long long>(failures.load()),
                last_error.c_str());
  }
  LogRun run;
  run.events_per_s = static_cast<double>(counted_events) / elapsed;
  run.appends_per_transaction = static_cast<double>(counted_appends) / static_cast<double>(transactions);
  run.transactions_per_s = static_cast<double>(transactions) / elapsed;
  return run;
}

// (c) The read model of the lag run: one row per event, COPY into a session temp table + one
// INSERT ... ON CONFLICT DO NOTHING per batch (idempotent, set-based, as the real projections).
class EventsProjection final : public projections::Projection {
 public:
  std::string_view Name() const override { return "bench_lag"; }
  Result<void, projections::SqlError> CreateTables(projections::SqlConnection& sql, std::string_view schema) override {
    return sql.ExecScript("CREATE TABLE IF NOT EXISTS " + std::string(schema) + ".events (" + kColumns +
                          ", PRIMARY KEY (partition_id, log_offset))");
  }
  Result<void, projections::SqlError> Apply(projections::SqlConnection& sql, std::string_view schema,
                                            std::span<const commands::RecordedEvent> batch) override {
    if (auto r = sql.ExecScript(std::string("CREATE TEMP TABLE IF NOT EXISTS events_stage (") + kColumns +
                                ") ON COMMIT DELETE ROWS; DELETE FROM events_stage");
        !r.ok()) {
      return r;
    }
    std::string data;
    data.reserve(batch.size() * 400);
    for (const auto& e : batch) {
      data += std::to_string(e.partition) + '\t' + std::to_string(e.offset) + '\t';
      projections::AppendCopyField(data, e.tenant_id);
      data += '\t';
      projections::AppendCopyField(data, e.stream);
      data += '\t';
      projections::AppendCopyField(data, e.event_id);
      data += '\t';
      projections::AppendCopyField(data, e.data.dump());
      data += '\n';
    }
    if (auto r = sql.CopyIn("COPY events_stage FROM STDIN", data); !r.ok()) return MakeErr(std::move(r).error());
    if (auto r = sql.Exec("INSERT INTO " + std::string(schema) + ".events SELECT * FROM events_stage ON CONFLICT DO NOTHING");
        !r.ok()) {
      return MakeErr(std::move(r).error());
    }
    return {};
  }

 private:
  static constexpr const char* kColumns =
      "partition_id int, log_offset bigint, tenant_id text, stream text, event_id text, data jsonb";
};

struct E2eRun {
  double events_per_s = 0;  // achieved append rate in the measured window
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  std::size_t measured = 0, not_visible = 0, failures = 0;
  double append_p50_ms = 0;
  std::size_t envelope_bytes = 0;
  double cpu_cores = 0;  // this process's CPU use during the paced run (mock brokers included)
};

double CpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double Percentile(std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(q * static_cast<double>(sorted.size())))];
}

E2eRun EndToEnd(KafkaEventLog& log, const std::string& conninfo, const std::vector<std::string>& tenants) {
  {
    auto sql = Must(adapters::PgConnect(conninfo), "connect bench db");
    Must(adapters::ApplyMigrations(*sql, adapters::CoreMigrations()), "migrations");
  }
  auto pool = Must(adapters::PgPool::Open(conninfo, kPartitions + 1), "pool");
  EventsProjection projection;
  // Per partition, every commit's (next offset, time); next offsets only grow, so the first commit
  // past an append's offset is found by binary search afterwards, whichever came first (the engine
  // can commit an event before its Append returns: the mock shows records of open transactions).
  std::mutex mu;
  std::vector<std::vector<std::pair<std::int64_t, Clock::time_point>>> commits(kPartitions);
  std::uint64_t batches = 0, batch_events = 0;
  std::chrono::microseconds batch_time{0};
  projections::ProjectionEngine engine(log, *pool, {&projection},
                                       {.on_batch = [&](const projections::BatchReport& r) {
                                         const auto now = Clock::now();
                                         std::lock_guard lock(mu);
                                         ++batches;
                                         batch_events += r.events;
                                         batch_time += r.duration;
                                         commits[static_cast<std::size_t>(r.partition)].emplace_back(r.next_offset, now);
                                       }});
  Must(engine.Start(), "engine start");

  struct Sent {
    int partition;
    std::int64_t offset;
    Clock::time_point start;
    Clock::duration took;
  };
  std::vector<std::vector<Sent>> sent(kPacers);
  std::atomic<std::size_t> failures{0};
  // Each pacer appends on its own fixed schedule, the pacers staggered evenly over one interval;
  // a late pacer appends at once until it is back on schedule, so the offered rate holds as long as
  // the log keeps up.
  const auto interval = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(kPacers / kE2eRate));
  const auto start = Clock::now() + std::chrono::milliseconds(100);
  const auto end = start + kE2eRun;
  std::vector<std::thread> pacers;
  const double cpu_before = CpuSeconds();
  for (int t = 0; t < kPacers; ++t) {
    pacers.emplace_back([&, t] {
      commands::AppendRequest request;
      request.tenant_id = tenants[static_cast<std::size_t>(t % kPartitions)];
      commands::StreamAppend& stream = request.streams.emplace_back();
      stream.expected = commands::ExpectedVersion::Any();
      stream.events.push_back(TurnEvent(t, 0, kE2eTextBytes));
      auto& mine = sent[static_cast<std::size_t>(t)];
      mine.reserve(static_cast<std::size_t>(Seconds(kE2eRun) * kE2eRate / kPacers) + 16);
      std::uint64_t n = 0;
      for (auto next = start + interval * t / kPacers; next < end; next += interval) {
        std::this_thread::sleep_until(next);
        stream.stream = "lag-" + std::to_string(t) + "-" + std::to_string(n++);
        stream.events[0].event_id = stream.stream + "-0";
        const auto s = Clock::now();
        auto r = log.Append(request);
        if (!r.ok()) {
          failures.fetch_add(1);
          continue;
        }
        mine.push_back({r->partition, r->last_offset, s, Clock::now() - s});
      }
    });
  }
  for (auto& p : pacers) p.join();
  const double cpu_cores = (CpuSeconds() - cpu_before) / Seconds(Clock::now() - start);
  // Everything appended becomes visible unless the engine is stuck; give it a bounded while.
  std::vector<std::int64_t> last(kPartitions, -1);
  for (const auto& v : sent) {
    for (const auto& s : v) last[static_cast<std::size_t>(s.partition)] = std::max(last[static_cast<std::size_t>(s.partition)], s.offset);
  }
  for (int p = 0; p < kPartitions; ++p) {
    if (last[static_cast<std::size_t>(p)] >= 0) engine.WaitFor(p, last[static_cast<std::size_t>(p)], std::chrono::seconds(15));
  }
  engine.Stop();

  E2eRun run;
  run.failures = failures.load();
  run.cpu_cores = cpu_cores;
  for (const auto& v : sent) {
    if (!v.empty()) {
      run.envelope_bytes = StoredBytes(log, v.front().partition, v.front().offset);
      break;
    }
  }
  const auto from = start + kE2eWarmUp;
  std::vector<double> lags, appends;
  const auto seconds = static_cast<std::size_t>(std::ceil(Seconds(end - from)));
  std::vector<std::vector<double>> lags_by_second(seconds);
  for (const auto& v : sent) {
    for (const auto& s : v) {
      if (s.start < from || s.start >= end) continue;  // warm-up, or a backlog drained after the run
      const auto& c = commits[static_cast<std::size_t>(s.partition)];
      const auto it = std::upper_bound(c.begin(), c.end(), s.offset,
                                       [](std::int64_t offset, const auto& commit) { return offset < commit.first; });
      appends.push_back(Seconds(s.took) * 1000);
      if (it == c.end()) {
        ++run.not_visible;
        continue;
      }
      lags.push_back(Seconds(it->second - s.start) * 1000);
      lags_by_second[std::min(seconds - 1, static_cast<std::size_t>(Seconds(s.start - from)))].push_back(lags.back());
    }
  }
  std::sort(lags.begin(), lags.end());
  std::sort(appends.begin(), appends.end());
  run.measured = lags.size();
  run.events_per_s = static_cast<double>(appends.size()) / Seconds(end - from);
  run.p50_ms = Percentile(lags, 0.50);
  run.p99_ms = Percentile(lags, 0.99);
  run.max_ms = lags.empty() ? 0 : lags.back();
  run.append_p50_ms = Percentile(appends, 0.50);
  // Where the tail comes from: steady or a few stalls (the machine is shared; PostgreSQL runs here too).
  std::string per_second;
  for (auto& l : lags_by_second) {
    std::sort(l.begin(), l.end());
    char buf[32];
    std::snprintf(buf, sizeof buf, " %.0f", Percentile(l, 0.99));
    per_second += buf;
  }
  std::printf("# e2e lag p99 per second (ms):%s\n", per_second.c_str());
  std::printf("# e2e engine: %llu transactions, %.1f events and %.1f ms (BEGIN to COMMIT) each on average\n",
              static_cast<unsigned long long>(batches),
              batches ? static_cast<double>(batch_events) / static_cast<double>(batches) : 0.0,
              batches ? static_cast<double>(batch_time.count()) / 1000.0 / static_cast<double>(batches) : 0.0);
  return run;
}

}  // namespace

int main() {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // lines appear as measured under run-bench.sh's tee
  try {
    switchboard::testing::TempDir dir("sb-bench-kafka-");
    Kafka kafka;
    const std::string raw_topic = kafka.Name("switchboard.bench.raw");
    const std::string log_topic = kafka.Name("switchboard.bench.log");
    const std::string e2e_topic = kafka.Name("switchboard.bench.e2e");
    kafka.CreateTopic(raw_topic, false);
    kafka.CreateTopic(log_topic, true);
    kafka.CreateTopic(e2e_topic, true);
    std::printf("# cluster: %s, %d partitions per topic\n",
                kafka.mock() ? "librdkafka mock (3 brokers, in-process, TCP; no disk, no replication)"
                             : ("SB_BENCH_KAFKA_BROKERS=" + kafka.brokers()).c_str(),
                kPartitions);

    // The two writer-group joins (~3 s each on the mock) and the PostgreSQL start overlap: all three
    // mostly wait. The e2e log (its own topic, so the lag run starts on an empty, untruncated topic)
    // stays idle until (c).
    auto log_future = std::async(std::launch::async, [&] { return OpenLog(kafka, log_topic, dir.Sub("log")); });
    auto e2e_future = std::async(std::launch::async, [&] { return OpenLog(kafka, e2e_topic, dir.Sub("e2e")); });
    auto pg_future = std::async(std::launch::async, [] { return std::make_unique<testing::ThrowawayPg>(); });
    auto log = log_future.get();
    auto e2e_log = e2e_future.get();
    auto pg = pg_future.get();

    const std::vector<std::string> tenants = TenantsPerPartition();
    const std::size_t envelope = EnvelopeBytes(*log, tenants[0]);
    std::printf("# envelope: %zu B per event (value), key = tenant id, headers type + schema_version\n", envelope);

    const double raw = RawProducerEventsPerSecond(kafka, raw_topic, envelope, tenants[0], 0, kRawBudget);
    std::printf("kafka.raw_producer_events_per_s %.0f\n", raw);
    const double raw_concurrent =
        RawProducerEventsPerSecond(kafka, raw_topic, envelope, tenants[0], kThreads, kRawConcurrentBudget);
    std::printf("kafka.raw_concurrent_events_per_s %.0f\n", raw_concurrent);
    const LogRun one = LogEventsPerSecond(*log, tenants, 1, 1, kAppendBudget);
    std::printf("kafka.append_events_per_s %.0f\n", one.events_per_s);
    std::printf("kafka.appends_per_transaction %.1f\n", one.appends_per_transaction);
    std::printf("kafka.ratio %.2f\n", one.events_per_s / raw);
    // Why the 1-event figure is far below the raw one: each append waits for its transaction's
    // commit, so a partition commits at most (its appenders) appends per commit round trip.
    std::printf("# 1-event appends: %d threads, %.0f transactions/s over %d partitions (%.1f ms a commit round per "
                "partition)\n",
                kThreads, one.transactions_per_s, kPartitions, 1000.0 * kPartitions / std::max(1.0, one.transactions_per_s));
    std::printf("kafka.ratio_concurrent %.2f\n", one.events_per_s / raw_concurrent);
    const int group = std::max(1, static_cast<int>(std::lround(one.appends_per_transaction)));
    const double raw_transactional = RawTransactionalEventsPerSecond(kafka, raw_topic, envelope, tenants[0], group, kAppendBudget);
    std::printf("kafka.raw_transactional_events_per_s %.0f\n", raw_transactional);
    std::printf("kafka.ratio_transactional %.2f\n", one.events_per_s / raw_transactional);
    const LogRun ten = LogEventsPerSecond(*log, tenants, 10, 10, kAppend10Budget);
    std::printf("kafka.append10_events_per_s %.0f\n", ten.events_per_s);
    std::printf("kafka.append10_appends_per_transaction %.1f\n", ten.appends_per_transaction);
    std::printf("kafka.ratio_10 %.2f\n", ten.events_per_s / raw);
    log.reset();  // its writer threads and producers would otherwise share the CPU with (c)

    const std::string db = "sb_bench_kafka_" + std::to_string(::getpid());
    auto admin = Must(adapters::PgConnect(testing::TestDatabase::WithDatabase(pg->url(), "postgres")), "connect");
    Must(admin->ExecScript("CREATE DATABASE " + db), "create database");
    const E2eRun e2e = EndToEnd(*e2e_log, testing::TestDatabase::WithDatabase(pg->url(), db), tenants);
    e2e_log.reset();
    Must(admin->ExecScript("DROP DATABASE " + db + " WITH (FORCE)"), "drop database");
    std::printf("kafka.e2e_events_per_s %.0f\n", e2e.events_per_s);
    std::printf("kafka.e2e_lag_p50_ms %.1f\n", e2e.p50_ms);
    std::printf("kafka.e2e_lag_p99_ms %.1f\n", e2e.p99_ms);
    std::printf("# e2e: offered %.0f events/s (1-event appends of %zu B envelopes, %d pacers) for %.0f s, first "
                "%.0f s ignored; %zu events measured, lag max %.1f ms, append p50 %.1f ms; %zu not visible in time, "
                "%zu failed appends; %.2f cores busy in this process (brokers included)\n",
                kE2eRate, e2e.envelope_bytes, kPacers, Seconds(kE2eRun), Seconds(kE2eWarmUp), e2e.measured, e2e.max_ms,
                e2e.append_p50_ms, e2e.not_visible, e2e.failures, e2e.cpu_cores);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_kafka: %s\n", e.what());
    return 1;
  }
}
