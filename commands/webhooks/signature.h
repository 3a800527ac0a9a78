// Webhook signatures: X-Switchboard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>.
// Receivers recompute the HMAC over the timestamp and the raw body, compare in constant time, and
// reject stale timestamps (replays). Pure functions over libsodium; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace switchboard::commands::webhooks {

// Lowercase hex HMAC-SHA256 of `message` under `key` (any key length).
std::string HmacSha256Hex(std::string_view key, std::string_view message);

// The header value "t=<unix_seconds>,v1=<hex>".
std::string SignatureHeader(std::string_view secret, std::int64_t unix_seconds, std::string_view body);

// Verifies a header value against `secret` and `body` (constant-time compare); for receivers and tests.
bool VerifySignatureHeader(std::string_view header, std::string_view secret, std::string_view body);

}  // namespace switchboard::commands::webhooks
