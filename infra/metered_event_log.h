// MeteredEventLog: an EventLog decorator that feeds append counts and latency to Metrics,
// keeping metrics out of the log implementations. Thread-safe as the wrapped log.
#pragma once

#include "api/metrics.h"
#include "commands/event_log.h"

namespace switchboard::infra {

class MeteredEventLog final : public commands::EventLog {
 public:
  MeteredEventLog(commands::EventLog& inner, api::Metrics& metrics) : inner_(inner), metrics_(metrics) {}

  Result<commands::AppendResult, commands::LogError> Append(const commands::AppendRequest& request) override;
  Result<std::vector<commands::RecordedEvent>, commands::LogError> ReadStream(const std::string& tenant_id,
                                                                              const std::string& stream,
                                                                              std::int64_t from_version,
                                                                              std::size_t max) override {
    return inner_.ReadStream(tenant_id, stream, from_version, max);
  }
  Result<std::int64_t, commands::LogError> StreamVersion(const std::string& tenant_id,
                                                         const std::string& stream) override {
    return inner_.StreamVersion(tenant_id, stream);
  }
  Result<std::vector<commands::RecordedEvent>, commands::LogError> ReadPartition(int partition,
                                                                                 std::int64_t from_offset,
                                                                                 std::size_t max) override {
    return inner_.ReadPartition(partition, from_offset, max);
  }
  Result<std::int64_t, commands::LogError> EndOffset(int partition) override { return inner_.EndOffset(partition); }
  std::unique_ptr<commands::Subscription> Subscribe(int partition, std::int64_t from_offset) override {
    return inner_.Subscribe(partition, from_offset);
  }
  int Partitions() const override { return inner_.Partitions(); }

 private:
  commands::EventLog& inner_;
  api::Metrics& metrics_;
};

}  // namespace switchboard::infra
