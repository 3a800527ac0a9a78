// prometheus-cpp families behind the Metrics facade.
#include "api/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <sstream>

namespace switchboard::api {

struct Metrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& requests = prometheus::BuildCounter()
                                                          .Name("switchboard_http_requests_total")
                                                          .Help("HTTP requests by method, route and status")
                                                          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& latency = prometheus::BuildHistogram()
                                                           .Name("switchboard_http_request_duration_seconds")
                                                           .Help("HTTP request latency by method and route")
                                                           .Register(*registry);
  prometheus::Counter& events_appended = prometheus::BuildCounter()
                                             .Name("switchboard_events_appended_total")
                                             .Help("Events appended to the event log by this process")
                                             .Register(*registry)
                                             .Add({});
  prometheus::Histogram& append_latency = prometheus::BuildHistogram()
                                              .Name("switchboard_event_append_duration_seconds")
                                              .Help("Latency of one atomic append to the event log")
                                              .Register(*registry)
                                              .Add({}, prometheus::Histogram::BucketBoundaries{
                                                           0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                           0.025, 0.05, 0.1, 0.25, 1});
  prometheus::Family<prometheus::Gauge>& lag = prometheus::BuildGauge()
                                                   .Name("switchboard_projection_lag_events")
                                                   .Help("Events appended but not yet applied, per projection and partition")
                                                   .Register(*registry);
  prometheus::Family<prometheus::Counter>& dead_letters = prometheus::BuildCounter()
                                                              .Name("switchboard_projection_dead_letters_total")
                                                              .Help("Events a projection parked as poison")
                                                              .Register(*registry);
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}
Metrics::~Metrics() = default;

void Metrics::ObserveRequest(const std::string& method, const std::string& route, int status, double seconds) {
  impl_->requests.Add({{"method", method}, {"route", route}, {"status", std::to_string(status)}}).Increment();
  impl_->latency
      .Add({{"method", method}, {"route", route}},
           prometheus::Histogram::BucketBoundaries{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                   1, 2.5, 5})
      .Observe(seconds);
}

void Metrics::ObserveAppend(std::size_t events, double seconds) {
  impl_->events_appended.Increment(static_cast<double>(events));
  impl_->append_latency.Observe(seconds);
}

void Metrics::SetProjectionLag(const std::string& projection, int partition, double events_behind) {
  impl_->lag.Add({{"projection", projection}, {"partition", std::to_string(partition)}}).Set(events_behind);
}

void Metrics::CountDeadLetter(const std::string& projection) {
  impl_->dead_letters.Add({{"projection", projection}}).Increment();
}

std::string Metrics::PrometheusText() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, impl_->registry->Collect());
  return out.str();
}

nlohmann::json Metrics::Json() const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& family : impl_->registry->Collect()) {
    auto& list = out[family.name] = nlohmann::json::array();
    for (const auto& metric : family.metric) {
      nlohmann::json labels = nlohmann::json::object();
      for (const auto& label : metric.label) labels[label.name] = label.value;
      nlohmann::json entry = {{"labels", labels}};
      switch (family.type) {
        case prometheus::MetricType::Counter: entry["value"] = metric.counter.value; break;
        case prometheus::MetricType::Gauge: entry["value"] = metric.gauge.value; break;
        case prometheus::MetricType::Histogram:
          entry["count"] = metric.histogram.sample_count;
          entry["sum"] = metric.histogram.sample_sum;
          break;
        case prometheus::MetricType::Summary:
          entry["count"] = metric.summary.sample_count;
          break;
        case prometheus::MetricType::Untyped:
          entry["value"] = metric.untyped.value;
          break;
      }
      list.push_back(entry);
    }
  }
  return out;
}

}  // namespace switchboard::api
