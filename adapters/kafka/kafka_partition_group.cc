#include "adapters/kafka/kafka_partition_group.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>

#include "adapters/kafka/kafka_client.h"

namespace switchboard::adapters {

struct KafkaPartitionGroup::Impl {
  KafkaLogOptions options;
  std::string group_id;
  PartitionGroupCallbacks callbacks;
  RkPtr consumer;
  std::thread poller;
  std::atomic<bool> stopping{false};
  mutable std::mutex mu;
  std::vector<int> assigned;  // guarded by mu

  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                          void* opaque) {
    static_cast<Impl*>(opaque)->Rebalance(rk, err, parts);
  }

  void Rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts) {
    std::vector<int> partitions;
    for (int i = 0; i < parts->cnt; ++i) partitions.push_back(parts->elems[i].partition);
    std::sort(partitions.begin(), partitions.end());
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      for (int i = 0; i < parts->cnt; ++i) parts->elems[i].offset = RD_KAFKA_OFFSET_END;
      rd_kafka_assign(rk, parts);
      rd_kafka_pause_partitions(rk, parts);
      {
        std::lock_guard lock(mu);
        assigned = partitions;
      }
      if (callbacks.assigned) callbacks.assigned(partitions);
      return;
    }
    // Revoked, or the assignment was lost: stop before the partitions move on.
    if (callbacks.revoked) callbacks.revoked(partitions);
    {
      std::lock_guard lock(mu);
      assigned.clear();
    }
    rd_kafka_assign(rk, nullptr);
  }
};

Result<std::unique_ptr<KafkaPartitionGroup>, commands::LogError> KafkaPartitionGroup::Join(
    const KafkaLogOptions& options, const std::string& group_id, PartitionGroupCallbacks callbacks) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->group_id = group_id;
  impl->callbacks = std::move(callbacks);
  Impl* raw = impl.get();
  auto consumer = NewClient(RD_KAFKA_CONSUMER, options,
                            {{"group.id", group_id},
                             {"enable.auto.commit", "false"},
                             {"enable.auto.offset.store", "false"},
                             {"session.timeout.ms", "6000"},
                             {"heartbeat.interval.ms", "500"},
                             {"allow.auto.create.topics", "false"}},
                            [raw](rd_kafka_conf_t* conf) {
                              rd_kafka_conf_set_rebalance_cb(conf, Impl::OnRebalance);
                              rd_kafka_conf_set_opaque(conf, raw);
                            });
  if (!consumer.ok()) return MakeErr(std::move(consumer).error());
  impl->consumer = std::move(*consumer);
  rd_kafka_poll_set_consumer(impl->consumer.get());
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, options.topic.c_str(), RD_KAFKA_PARTITION_UA);
  const rd_kafka_resp_err_t err = rd_kafka_subscribe(impl->consumer.get(), topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (err) {
    return MakeErr(KafkaError(commands::LogError::Code::kUnavailable,
                                      "join consumer group " + group_id + ": " + rd_kafka_err2str(err)));
  }
  impl->poller = std::thread([raw] {
    while (!raw->stopping.load()) {
      // Serves the rebalance callback; the assigned partitions are paused, so no message comes.
      if (rd_kafka_message_t* m = rd_kafka_consumer_poll(raw->consumer.get(), 100)) rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(raw->consumer.get());  // runs `revoked` and leaves the group
  });
  return std::unique_ptr<KafkaPartitionGroup>(new KafkaPartitionGroup(std::move(impl)));
}

KafkaPartitionGroup::KafkaPartitionGroup(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

KafkaPartitionGroup::~KafkaPartitionGroup() {
  impl_->stopping = true;
  if (impl_->poller.joinable()) impl_->poller.join();
}

std::vector<int> KafkaPartitionGroup::Assigned() const {
  std::lock_guard lock(impl_->mu);
  return impl_->assigned;
}

}  // namespace switchboard::adapters
