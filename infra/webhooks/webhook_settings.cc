// Parsing of the SWITCHBOARD_WEBHOOK_* variables (see webhook_settings.h).
#include "infra/webhooks/webhook_settings.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string_view>

extern char** environ;

namespace switchboard::infra {
namespace {

const char* Find(char** environ_ptr, std::string_view name) {
  for (char** e = environ_ptr; e != nullptr && *e != nullptr; ++e) {
    const std::string_view kv(*e);
    if (kv.size() > name.size() && kv.substr(0, name.size()) == name && kv[name.size()] == '=') {
      return *e + name.size() + 1;
    }
  }
  return nullptr;
}

Result<std::int64_t, std::string> Number(char** environ_ptr, std::string_view name, std::int64_t fallback,
                                         std::int64_t min, std::int64_t max) {
  const char* raw = Find(environ_ptr, name);
  if (raw == nullptr) return fallback;
  const std::string_view text(raw);
  std::int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value < min || value > max) {
    return MakeErr(std::string(name) + " must be an integer in " + std::to_string(min) + ".." + std::to_string(max) +
                   ", got '" + std::string(text) + "'");
  }
  return value;
}

}  // namespace

Result<commands::webhooks::DispatcherOptions, std::string> WebhookSettingsFromEnvironment(char** environ_ptr) {
  commands::webhooks::DispatcherOptions options;
  auto attempts = Number(environ_ptr, "SWITCHBOARD_WEBHOOK_MAX_ATTEMPTS", 8, 1, 100);
  if (!attempts) return MakeErr(attempts.error());
  auto base = Number(environ_ptr, "SWITCHBOARD_WEBHOOK_BASE_DELAY_MS", 1000, 1, 3'600'000);
  if (!base) return MakeErr(base.error());
  auto cap = Number(environ_ptr, "SWITCHBOARD_WEBHOOK_MAX_DELAY_MS", 3'600'000, 1, 86'400'000);
  if (!cap) return MakeErr(cap.error());
  auto timeout = Number(environ_ptr, "SWITCHBOARD_WEBHOOK_TIMEOUT_MS", 10'000, 100, 120'000);
  if (!timeout) return MakeErr(timeout.error());
  options.retry.max_attempts = static_cast<int>(*attempts);
  options.retry.base_delay = std::chrono::milliseconds(*base);
  options.retry.max_delay = std::chrono::milliseconds(*cap);
  options.request_timeout = std::chrono::milliseconds(*timeout);
  // Retries of a few tens of milliseconds (tests) need a worker that looks at least that often.
  options.idle_poll = std::min(options.idle_poll, std::max(std::chrono::milliseconds(10), options.retry.base_delay));
  return options;
}

Result<commands::webhooks::DispatcherOptions, std::string> WebhookSettingsFromEnvironment() {
  return WebhookSettingsFromEnvironment(::environ);
}

}  // namespace switchboard::infra
