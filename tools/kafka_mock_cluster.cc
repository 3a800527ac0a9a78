// kafka_mock_cluster: starts librdkafka's mock Kafka cluster (3 brokers by default) on localhost,
// prints its bootstrap servers on the first line of stdout, and runs until SIGINT or SIGTERM, so
// several switchboard processes (and tests) can share one Kafka-protocol cluster over TCP.
//
//   kafka_mock_cluster [--brokers N] [--topic NAME:PARTITIONS[:REPLICATION]]...
//   SWITCHBOARD_KAFKA_BROKERS=$(head -1 <(kafka_mock_cluster --topic switchboard.events:8 &)) ...
//
// librdkafka 2.0.2's mock has no CreateTopics handler: create the event topic here (--topic) with
// the partition count switchboard is configured for. The mock keeps everything in memory (at most
// ~5 MiB / 100k messages per partition) and has no transaction semantics; see adapters/kafka/README.md.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

namespace {

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

int Usage() {
  std::fprintf(stderr, "usage: kafka_mock_cluster [--brokers N] [--topic NAME:PARTITIONS[:REPLICATION]]...\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int brokers = 3;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--brokers") == 0 && i + 1 < argc) {
      brokers = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--topic") == 0 && i + 1 < argc) {
      ++i;  // handled after the cluster is up
    } else {
      return Usage();
    }
  }
  if (brokers < 1) return Usage();

  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
  rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (handle == nullptr) {
    std::fprintf(stderr, "kafka_mock_cluster: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t* cluster = rd_kafka_mock_cluster_new(handle, brokers);
  if (cluster == nullptr) {
    std::fprintf(stderr, "kafka_mock_cluster: cannot start the mock cluster\n");
    rd_kafka_destroy(handle);
    return 1;
  }
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--topic") != 0) {
      if (std::strcmp(argv[i], "--brokers") == 0) ++i;
      continue;
    }
    const std::string spec = argv[++i];
    const auto colon = spec.find(':');
    if (colon == std::string::npos) return Usage();
    const std::string name = spec.substr(0, colon);
    const std::string rest = spec.substr(colon + 1);
    const auto colon2 = rest.find(':');
    const int partitions = std::atoi(rest.substr(0, colon2).c_str());
    const int replication = colon2 == std::string::npos ? std::min(3, brokers) : std::atoi(rest.substr(colon2 + 1).c_str());
    const rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(cluster, name.c_str(), partitions, replication);
    if (err) {
      std::fprintf(stderr, "kafka_mock_cluster: topic %s: %s\n", name.c_str(), rd_kafka_err2str(err));
      return 1;
    }
  }

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::printf("%s\n", rd_kafka_mock_cluster_bootstraps(cluster));
  std::fflush(stdout);
  while (!g_stop) usleep(100 * 1000);

  rd_kafka_mock_cluster_destroy(cluster);
  rd_kafka_destroy(handle);
  return 0;
}
