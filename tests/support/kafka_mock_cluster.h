// KafkaMockCluster: librdkafka's in-process mock Kafka cluster (rdkafka_mock.h), a real
// Kafka-protocol broker set on localhost with fault injection, for tests of the Kafka event log.
// Thread-safety: the fault-injection methods may be called from any thread.
//
//   KafkaMockCluster kafka;                       // 3 brokers
//   kafka.CreateTopic("switchboard.events", 4);   // the mock (2.0.2) has no CreateTopics handler
//   options.brokers = kafka.bootstraps();
//   kafka.SetBrokerDown(1); ... kafka.SetBrokerUp(1);
//
// Known limits of the librdkafka 2.0.2 mock (measured, see adapters/kafka/README.md): no
// transaction semantics (records of open and aborted transactions are visible to read_committed
// consumers, no control markers, so offsets are contiguous; a second init_transactions does not
// fence the first producer), a consumer group's first join takes ~3 s and a rebalance ~5 s, a
// metadata request naming a missing topic auto-creates it with 4 partitions, and each partition
// keeps at most ~5 MiB / 100k messages.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace switchboard::testing {

class KafkaMockCluster {
 public:
  explicit KafkaMockCluster(int brokers = 3);  // aborts the process if the cluster cannot start
  ~KafkaMockCluster();
  KafkaMockCluster(const KafkaMockCluster&) = delete;
  KafkaMockCluster& operator=(const KafkaMockCluster&) = delete;

  const std::string& bootstraps() const { return bootstraps_; }
  int brokers() const { return brokers_; }

  // Broker ids are 1..brokers(). False when the mock rejects the call.
  bool CreateTopic(const std::string& topic, int partitions, int replication = 3);
  bool SetBrokerDown(int broker_id);
  bool SetBrokerUp(int broker_id);
  bool SetBrokerRtt(int broker_id, int rtt_ms);
  // The next requests of type api_key (RD_KAFKAP_Produce, RD_KAFKAP_EndTxn, ...; see
  // rdkafka_protocol.h numbering: Produce=0, AddPartitionsToTxn=24, EndTxn=26) fail with `errors`
  // in order, on whichever broker receives them.
  void PushRequestErrors(int16_t api_key, const std::vector<int>& errors);
  void ClearRequestErrors(int16_t api_key);

 private:
  rd_kafka_s* handle_ = nullptr;
  rd_kafka_mock_cluster_s* cluster_ = nullptr;
  int brokers_ = 0;
  std::string bootstraps_;
};

}  // namespace switchboard::testing
