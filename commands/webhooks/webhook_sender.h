// WebhookSender: the dispatcher's port to the outside world, one HTTP POST per delivery attempt.
// Implemented by adapters/http_client (libcurl); tests may use a fake. Thread-safe: every
// partition worker calls it concurrently.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "domain/result.h"

namespace switchboard::commands::webhooks {

struct OutboundRequest {
  std::string url;
  std::string body;  // JSON
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout{10'000};  // the whole exchange, connect included
};

// Any HTTP status the receiver answered with (2xx means delivered), or — when no response
// arrived (refused, DNS, TLS, timeout) — an error message.
class WebhookSender {
 public:
  virtual ~WebhookSender() = default;
  virtual Result<int, std::string> Post(const OutboundRequest& request) = 0;
};

}  // namespace switchboard::commands::webhooks
