#include "adapters/kafka/kafka_client.h"

namespace switchboard::adapters {

Result<RkPtr, commands::LogError> NewClient(rd_kafka_type_t type, const KafkaLogOptions& o, const Props& props,
                                            const std::function<void(rd_kafka_conf_t*)>& setup) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  Props all = {{"bootstrap.servers", o.brokers}, {"client.id", o.node_id}};
  for (const auto& [k, v] : o.client_config) all.emplace_back(k, v);
  all.insert(all.end(), props.begin(), props.end());
  for (const auto& [k, v] : all) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return MakeErr(KafkaError(commands::LogError::Code::kInvalid, "librdkafka property " + k + ": " + errstr));
    }
  }
  if (setup) setup(conf);
  rd_kafka_t* rk = rd_kafka_new(type, conf, errstr, sizeof errstr);  // takes conf on success
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return MakeErr(KafkaError(commands::LogError::Code::kInvalid,
                                      std::string("cannot create a Kafka client: ") + errstr));
  }
  return RkPtr(rk);
}

}  // namespace switchboard::adapters
