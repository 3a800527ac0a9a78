// KafkaMockCluster: owns the rd_kafka_t handle that rd_kafka_mock_cluster_new requires.
#include "tests/support/kafka_mock_cluster.h"

#include <cstdio>
#include <cstdlib>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

namespace switchboard::testing {

KafkaMockCluster::KafkaMockCluster(int brokers) : brokers_(brokers) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
  handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (handle_ == nullptr) {
    std::fprintf(stderr, "KafkaMockCluster: rd_kafka_new: %s\n", errstr);
    std::abort();
  }
  cluster_ = rd_kafka_mock_cluster_new(handle_, brokers);
  if (cluster_ == nullptr) {
    std::fprintf(stderr, "KafkaMockCluster: rd_kafka_mock_cluster_new failed\n");
    std::abort();
  }
  bootstraps_ = rd_kafka_mock_cluster_bootstraps(cluster_);
}

KafkaMockCluster::~KafkaMockCluster() {
  rd_kafka_mock_cluster_destroy(cluster_);
  rd_kafka_destroy(handle_);
}

bool KafkaMockCluster::CreateTopic(const std::string& topic, int partitions, int replication) {
  return rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, replication) == RD_KAFKA_RESP_ERR_NO_ERROR;
}

bool KafkaMockCluster::SetBrokerDown(int broker_id) {
  return rd_kafka_mock_broker_set_down(cluster_, broker_id) == RD_KAFKA_RESP_ERR_NO_ERROR;
}

bool KafkaMockCluster::SetBrokerUp(int broker_id) {
  return rd_kafka_mock_broker_set_up(cluster_, broker_id) == RD_KAFKA_RESP_ERR_NO_ERROR;
}

bool KafkaMockCluster::SetBrokerRtt(int broker_id, int rtt_ms) {
  return rd_kafka_mock_broker_set_rtt(cluster_, broker_id, rtt_ms) == RD_KAFKA_RESP_ERR_NO_ERROR;
}

void KafkaMockCluster::PushRequestErrors(int16_t api_key, const std::vector<int>& errors) {
  std::vector<rd_kafka_resp_err_t> errs;
  for (int e : errors) errs.push_back(static_cast<rd_kafka_resp_err_t>(e));
  rd_kafka_mock_push_request_errors_array(cluster_, api_key, errs.size(), errs.data());
}

void KafkaMockCluster::ClearRequestErrors(int16_t api_key) { rd_kafka_mock_clear_request_errors(cluster_, api_key); }

}  // namespace switchboard::testing
