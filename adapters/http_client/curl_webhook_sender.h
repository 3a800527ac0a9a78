// CurlWebhookSender: the WebhookSender port over libcurl — one POST per call, no redirects followed
// (a 3xx is a failed delivery), http/https only, bounded by the request's timeout. Thread-safe:
// each call uses its own easy handle; libcurl's global init happens once, in the constructor.
#pragma once

#include "commands/webhooks/webhook_sender.h"

namespace switchboard::adapters {

class CurlWebhookSender final : public commands::webhooks::WebhookSender {
 public:
  CurlWebhookSender();
  Result<int, std::string> Post(const commands::webhooks::OutboundRequest& request) override;
};

}  // namespace switchboard::adapters
