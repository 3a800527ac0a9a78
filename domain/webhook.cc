// WebhookEndpoint decider and evolver (rules in webhook.h). One named overload per command and event.
#include "domain/webhook.h"

#include <algorithm>
#include <string>
#include <utility>

#include "domain/appointment.h"
#include "domain/customer.h"
#include "domain/fold.h"
#include "domain/phone_claim.h"
#include "domain/technician_calendar.h"
#include "domain/tenant.h"

namespace switchboard::domain {
namespace {

using Events = std::vector<WebhookEvent>;
using Decision = Result<Events, Rejection>;

template <class Variant>
void AddTypes(std::vector<std::string>& out) {
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (out.emplace_back(std::variant_alternative_t<I, Variant>::kType), ...);
  }(std::make_index_sequence<std::variant_size_v<Variant>>{});
}

bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Facts keep what happened; an overlong transport error is cut on a UTF-8 boundary, not refused.
std::string CutError(std::string_view error) {
  std::string e(error);
  if (!IsValidUtf8(e)) {
    for (auto& c : e) {
      if (static_cast<unsigned char>(c) >= 0x80) c = '?';
    }
  }
  if (e.size() <= kMaxWebhookErrorChars) return e;
  std::size_t cut = kMaxWebhookErrorChars;
  while (cut > 0 && (static_cast<unsigned char>(e[cut]) & 0xC0) == 0x80) --cut;
  return e.substr(0, cut);
}

Result<void, Rejection> ValidateFact(const WebhookEndpoint& s, std::string_view event_id, int attempt,
                                     int status_code) {
  if (s.status == WebhookEndpoint::Status::kNone) return MakeErr(NotFound("webhook not found"));
  if (auto r = ValidateId("event_id", event_id); !r) return MakeErr(r.error());
  if (attempt < 1) return MakeErr(Invalid("attempt", "attempt must be at least 1"));
  if (status_code < 0 || status_code > 599) return MakeErr(Invalid("status_code", "status_code must be 0..599"));
  return {};
}

Decision DecideOn(const WebhookEndpoint& s, const RegisterWebhook& c) {
  if (s.status != WebhookEndpoint::Status::kNone) {
    return MakeErr(AlreadyExists("webhook_id", "a webhook with this id already exists", s.id));
  }
  if (auto r = ValidateId("webhook_id", c.webhook_id); !r) return MakeErr(r.error());
  auto url = NormalizeWebhookUrl(c.url);
  if (!url) return MakeErr(std::move(url).error());
  auto types = NormalizeWebhookEventTypes(c.event_types);
  if (!types) return MakeErr(std::move(types).error());
  if (auto r = ValidateWebhookSecret(c.secret); !r) return MakeErr(r.error());
  return Events{WebhookRegistered{c.webhook_id, std::move(*url), std::move(*types), c.secret}};
}

Decision DecideOn(const WebhookEndpoint& s, const DeleteWebhook&) {
  if (s.status != WebhookEndpoint::Status::kActive) return MakeErr(NotFound("webhook not found"));
  return Events{WebhookDeleted{s.id}};
}

Decision DecideOn(const WebhookEndpoint& s, const RecordWebhookDeliveryAttempt& c) {
  if (auto r = ValidateFact(s, c.event_id, c.attempt, c.status_code); !r) return MakeErr(r.error());
  return Events{WebhookDeliveryAttempted{s.id, c.event_id, c.event_type, c.attempt, c.status_code, CutError(c.error),
                                         c.next_attempt_at ? FormatTime(*c.next_attempt_at) : std::string()}};
}

Decision DecideOn(const WebhookEndpoint& s, const RecordWebhookDeliverySuccess& c) {
  if (auto r = ValidateFact(s, c.event_id, c.attempt, c.status_code); !r) return MakeErr(r.error());
  return Events{WebhookDeliverySucceeded{s.id, c.event_id, c.event_type, c.attempt, c.status_code}};
}

Decision DecideOn(const WebhookEndpoint& s, const RecordWebhookDeadLetter& c) {
  if (auto r = ValidateFact(s, c.event_id, c.attempts, c.status_code); !r) return MakeErr(r.error());
  return Events{WebhookDeliveryDeadLettered{s.id, c.event_id, c.event_type, c.attempts, c.status_code,
                                            CutError(c.error)}};
}

WebhookEndpoint Apply(WebhookEndpoint s, const WebhookRegistered& e) {
  s.id = e.webhook_id;
  s.status = WebhookEndpoint::Status::kActive;
  s.url = e.url;
  s.event_types = e.event_types;
  s.secret = e.secret;
  return s;
}
WebhookEndpoint Apply(WebhookEndpoint s, const WebhookDeleted&) {
  s.status = WebhookEndpoint::Status::kDeleted;
  return s;
}
// A failed attempt changes nothing the decider needs; the read model lists it.
WebhookEndpoint Apply(WebhookEndpoint s, const WebhookDeliveryAttempted&) { return s; }
WebhookEndpoint Apply(WebhookEndpoint s, const WebhookDeliverySucceeded&) {
  ++s.deliveries_succeeded;
  return s;
}
WebhookEndpoint Apply(WebhookEndpoint s, const WebhookDeliveryDeadLettered&) {
  ++s.deliveries_dead_lettered;
  return s;
}

}  // namespace

const std::vector<std::string>& KnownWebhookEventTypes() {
  static const std::vector<std::string> types = [] {
    std::vector<std::string> out;
    AddTypes<TenantEvent>(out);
    AddTypes<CustomerEvent>(out);
    AddTypes<PhoneClaimEvent>(out);
    AddTypes<AppointmentEvent>(out);
    AddTypes<TechnicianCalendarEvent>(out);
    std::sort(out.begin(), out.end());
    return out;
  }();
  return types;
}

bool IsWebhookDeliveryFact(std::string_view event_type) { return event_type.starts_with("WebhookDelivery"); }

bool WebhookWants(const std::vector<std::string>& event_types, std::string_view type) {
  if (type.starts_with("Webhook")) return false;  // see KnownWebhookEventTypes
  for (const auto& t : event_types) {
    if (t == "*" || t == type) return true;
  }
  return false;
}

Result<std::string, Rejection> NormalizeWebhookUrl(std::string_view raw) {
  const std::string url = Trim(raw);
  auto bad = [](std::string message) { return MakeErr(Invalid("url", std::move(message))); };
  if (url.empty()) return bad("url is required");
  if (url.size() > kMaxWebhookUrlChars) return bad("url must be at most 2000 characters");
  for (char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return bad("url must not contain spaces, control or non-ASCII characters");
  }
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return bad("url must be an absolute http:// or https:// URL");
  const std::string scheme = Lower(std::string_view(url).substr(0, scheme_end));
  if (scheme != "http" && scheme != "https") return bad("url must use http or https");
  // Authority: up to the first '/', '?' or '#'; userinfo is refused (credentials in URLs leak).
  const std::string_view rest = std::string_view(url).substr(scheme_end + 3);
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) return bad("url must not contain user credentials");
  std::string_view host = authority;
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string_view::npos) return bad("url has an unterminated IPv6 host");
    const std::string_view after = host.substr(close + 1);
    if (!after.empty() && after.front() != ':') return bad("url has a malformed host");
    host = host.substr(0, close + 1);
    if (host.size() <= 2) return bad("url must name a host");
    if (!after.empty()) {
      const std::string_view port = after.substr(1);
      if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return bad("url has a malformed port");
      }
    }
  } else {
    const auto colon = host.find(':');
    if (colon != std::string_view::npos) {
      const std::string_view port = host.substr(colon + 1);
      host = host.substr(0, colon);
      if (port.empty() || port.size() > 5 ||
          !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
          std::stoi(std::string(port)) > 65535) {
        return bad("url has a malformed port");
      }
    }
    if (host.empty()) return bad("url must name a host");
    for (char c : host) {
      const bool ok = IsAsciiAlpha(c) || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
      if (!ok) return bad("url has a malformed host");
    }
  }
  return scheme + url.substr(scheme_end);
}

Result<std::vector<std::string>, Rejection> NormalizeWebhookEventTypes(const std::vector<std::string>& types) {
  if (types.empty()) return MakeErr(Invalid("event_types", "event_types must list at least one event type or \"*\""));
  if (types.size() > 100) return MakeErr(Invalid("event_types", "event_types must list at most 100 entries"));
  const auto& known = KnownWebhookEventTypes();
  std::vector<std::string> out;
  for (const auto& raw : types) {
    const std::string t = Trim(raw);
    if (t == "*") return std::vector<std::string>{"*"};
    if (!std::binary_search(known.begin(), known.end(), t)) {
      return MakeErr(Invalid("event_types", "unknown event type \"" + (IsValidUtf8(t) ? t : std::string("?")) +
                                                "\"; use \"*\" or names such as AppointmentBooked"));
    }
    out.push_back(t);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Result<void, Rejection> ValidateWebhookSecret(std::string_view secret) {
  if (secret.size() < 16 || secret.size() > 200) {
    return MakeErr(Invalid("secret", "secret must be 16 to 200 characters"));
  }
  for (char c : secret) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return MakeErr(Invalid("secret", "secret must be printable ASCII without spaces"));
  }
  return {};
}

Result<std::vector<WebhookEvent>, Rejection> Decide(const WebhookEndpoint& state, const WebhookCommand& command) {
  return std::visit([&](const auto& c) { return DecideOn(state, c); }, command);
}

WebhookEndpoint Evolve(WebhookEndpoint state, const WebhookEvent& event) {
  return std::visit([&](const auto& e) { return Apply(std::move(state), e); }, event);
}

WebhookEndpoint Fold(const std::vector<WebhookEvent>& events) { return FoldEvents(WebhookEndpoint{}, events); }

}  // namespace switchboard::domain
