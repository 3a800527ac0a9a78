// Metrics: the Prometheus registry of the process and the probes the API and workers feed:
// requests and latency per route, events appended, append latency, projection lag, dead letters.
// Exposed as Prometheus text or JSON by GET /metrics. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace prometheus {
class Registry;
}

namespace switchboard::api {

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  void ObserveRequest(const std::string& method, const std::string& route, int status, double seconds);
  void ObserveAppend(std::size_t events, double seconds);
  void SetProjectionLag(const std::string& projection, int partition, double events_behind);
  void CountDeadLetter(const std::string& projection);  // an event parked (projections/engine/dead_letters.h)

  std::string PrometheusText() const;
  nlohmann::json Json() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace switchboard::api
