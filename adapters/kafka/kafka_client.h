// librdkafka handles and client construction shared by the Kafka adapters (internal to adapters/kafka).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "adapters/kafka/kafka_event_log.h"
#include "commands/event_log.h"
#include "domain/result.h"

namespace switchboard::adapters {

struct RkDeleter {
  void operator()(rd_kafka_t* rk) const {
    if (rk) rd_kafka_destroy(rk);
  }
};
using RkPtr = std::unique_ptr<rd_kafka_t, RkDeleter>;

struct ErrorDeleter {
  void operator()(rd_kafka_error_t* e) const {
    if (e) rd_kafka_error_destroy(e);
  }
};
using ErrorPtr = std::unique_ptr<rd_kafka_error_t, ErrorDeleter>;

inline commands::LogError KafkaError(commands::LogError::Code code, std::string message) {
  commands::LogError e;
  e.code = code;
  e.message = std::move(message);
  return e;
}

using Props = std::vector<std::pair<std::string, std::string>>;

// A client with bootstrap.servers, client.id = node_id, the options' client_config, then `props`;
// `setup` may install callbacks on the configuration. kInvalid for a property librdkafka refuses.
Result<RkPtr, commands::LogError> NewClient(rd_kafka_type_t type, const KafkaLogOptions& o, const Props& props,
                                            const std::function<void(rd_kafka_conf_t*)>& setup = {});

}  // namespace switchboard::adapters
