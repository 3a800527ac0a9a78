// Webhook dispatcher settings from SWITCHBOARD_WEBHOOK_* environment variables (read here rather
// than in infra/config.cc until Config grows matching --flags):
//   SWITCHBOARD_WEBHOOK_MAX_ATTEMPTS   attempts before a dead letter        default 8      (1..100)
//   SWITCHBOARD_WEBHOOK_BASE_DELAY_MS  ceiling of the first retry's delay   default 1000   (1..3600000)
//   SWITCHBOARD_WEBHOOK_MAX_DELAY_MS   ceiling of any retry's delay         default 3600000 (1..86400000)
//   SWITCHBOARD_WEBHOOK_TIMEOUT_MS     per-request timeout                  default 10000  (100..120000)
// A malformed or out-of-range value is an error naming the variable.
#pragma once

#include <string>

#include "commands/webhooks/webhook_dispatcher.h"
#include "domain/result.h"

namespace switchboard::infra {

Result<commands::webhooks::DispatcherOptions, std::string> WebhookSettingsFromEnvironment(char** environ_ptr);
// The same over the process environment.
Result<commands::webhooks::DispatcherOptions, std::string> WebhookSettingsFromEnvironment();

}  // namespace switchboard::infra
