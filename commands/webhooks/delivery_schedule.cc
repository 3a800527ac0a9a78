// DeliverySchedule (see delivery_schedule.h).
#include "commands/webhooks/delivery_schedule.h"

#include <algorithm>

#include "domain/codec/webhook_codec.h"

namespace switchboard::commands::webhooks {
namespace {

std::int64_t Millis(TimePoint t) { return t.time_since_epoch().count(); }

}  // namespace

void DeliverySchedule::Observe(const RecordedEvent& event) {
  if (event.type == domain::WebhookRegistered::kType || event.type == domain::WebhookDeleted::kType) {
    auto decoded = domain::DecodeWebhookEvent(event.type, event.schema_version, event.data);
    // The command side wrote it; an undecodable one cannot name an endpoint to deliver to.
    if (!decoded) return;
    if (const auto* r = std::get_if<domain::WebhookRegistered>(&*decoded)) {
      if (endpoints_.count(r->webhook_id)) return;
      Endpoint endpoint;
      endpoint.info = {r->webhook_id, event.tenant_id, r->url, r->event_types, r->secret};
      endpoints_.emplace(r->webhook_id, std::move(endpoint));
      by_tenant_[event.tenant_id].insert(r->webhook_id);
    } else if (const auto* d = std::get_if<domain::WebhookDeleted>(&*decoded)) {
      endpoints_.erase(d->webhook_id);
      auto t = by_tenant_.find(event.tenant_id);
      if (t != by_tenant_.end()) {
        t->second.erase(d->webhook_id);
        if (t->second.empty()) by_tenant_.erase(t);
      }
    }
    return;
  }
  if (domain::IsWebhookDeliveryFact(event.type) || event.offset < deliver_from_) return;
  const auto t = by_tenant_.find(event.tenant_id);
  if (t == by_tenant_.end()) return;
  for (const auto& id : t->second) {
    auto& endpoint = endpoints_.at(id);
    if (!domain::WebhookWants(endpoint.info.event_types, event.type)) continue;
    if (!endpoint.pending.empty() && endpoint.pending.back() >= event.offset) continue;  // seen already
    endpoint.pending.push_back(event.offset);
  }
}

std::vector<std::string> DeliverySchedule::Due(TimePoint now) const {
  std::vector<std::pair<TimePoint, std::string>> due;
  for (const auto& [id, e] : endpoints_) {
    if (!e.pending.empty() && e.next_attempt_at <= now) due.emplace_back(e.next_attempt_at, id);
  }
  std::sort(due.begin(), due.end());
  std::vector<std::string> out;
  for (auto& d : due) out.push_back(std::move(d.second));
  return out;
}

std::optional<TimePoint> DeliverySchedule::EarliestDue() const {
  std::optional<TimePoint> earliest;
  for (const auto& [id, e] : endpoints_) {
    if (e.pending.empty()) continue;
    if (!earliest || e.next_attempt_at < *earliest) earliest = e.next_attempt_at;
  }
  return earliest;
}

const DeliverySchedule::Endpoint* DeliverySchedule::Find(const std::string& webhook_id) const {
  const auto it = endpoints_.find(webhook_id);
  return it == endpoints_.end() ? nullptr : &it->second;
}

bool DeliverySchedule::Backlogged(std::size_t limit) const {
  return std::any_of(endpoints_.begin(), endpoints_.end(),
                     [&](const auto& kv) { return kv.second.pending.size() >= limit; });
}

void DeliverySchedule::Succeeded(const std::string& webhook_id) {
  const auto it = endpoints_.find(webhook_id);
  if (it == endpoints_.end() || it->second.pending.empty()) return;
  it->second.pending.pop_front();
  it->second.failed_attempts = 0;
  it->second.next_attempt_at = TimePoint{};
}

RetryStep DeliverySchedule::Failed(const std::string& webhook_id, TimePoint now, const RetryPolicy& policy,
                                   RandomSource& random) {
  const auto it = endpoints_.find(webhook_id);
  if (it == endpoints_.end() || it->second.pending.empty()) return {RetryStep::Kind::kDeadLetter, {}};
  Endpoint& e = it->second;
  const RetryStep step = AfterFailure(policy, ++e.failed_attempts, now, random);
  if (step.kind == RetryStep::Kind::kDeadLetter) {
    e.pending.pop_front();
    e.failed_attempts = 0;
    e.next_attempt_at = TimePoint{};
  } else {
    e.next_attempt_at = step.next_attempt_at;
  }
  return step;
}

nlohmann::json DeliverySchedule::ToJson() const {
  nlohmann::json endpoints = nlohmann::json::array();
  for (const auto& [id, e] : endpoints_) {
    endpoints.push_back({{"webhook_id", e.info.webhook_id},
                         {"tenant_id", e.info.tenant_id},
                         {"url", e.info.url},
                         {"event_types", e.info.event_types},
                         {"secret", e.info.secret},
                         {"pending", e.pending},
                         {"failed_attempts", e.failed_attempts},
                         {"next_attempt_at_ms", Millis(e.next_attempt_at)}});
  }
  return {{"v", 1}, {"position", position_}, {"deliver_from", deliver_from_}, {"endpoints", std::move(endpoints)}};
}

Result<DeliverySchedule, std::string> DeliverySchedule::FromJson(const nlohmann::json& json) {
  try {
    if (json.at("v").get<int>() != 1) return MakeErr(std::string("unsupported dispatcher state version"));
    DeliverySchedule s;
    s.position_ = json.at("position").get<std::int64_t>();
    s.deliver_from_ = json.at("deliver_from").get<std::int64_t>();
    for (const auto& j : json.at("endpoints")) {
      Endpoint e;
      e.info.webhook_id = j.at("webhook_id").get<std::string>();
      e.info.tenant_id = j.at("tenant_id").get<std::string>();
      e.info.url = j.at("url").get<std::string>();
      e.info.event_types = j.at("event_types").get<std::vector<std::string>>();
      e.info.secret = j.at("secret").get<std::string>();
      for (const auto& o : j.at("pending")) e.pending.push_back(o.get<std::int64_t>());
      e.failed_attempts = j.at("failed_attempts").get<int>();
      e.next_attempt_at = TimePoint(std::chrono::milliseconds(j.at("next_attempt_at_ms").get<std::int64_t>()));
      s.by_tenant_[e.info.tenant_id].insert(e.info.webhook_id);
      s.endpoints_.emplace(e.info.webhook_id, std::move(e));
    }
    return s;
  } catch (const nlohmann::json::exception& e) {
    return MakeErr(std::string("malformed dispatcher state: ") + e.what());
  }
}

}  // namespace switchboard::commands::webhooks
