// HMAC-SHA256 signing with libsodium's crypto_auth_hmacsha256 streaming API (arbitrary key length).
#include "commands/webhooks/signature.h"

#include <sodium.h>

#include <array>
#include <stdexcept>

namespace switchboard::commands::webhooks {

std::string HmacSha256Hex(std::string_view key, std::string_view message) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()), message.size());
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac{};
  crypto_auth_hmacsha256_final(&state, mac.data());
  std::array<char, crypto_auth_hmacsha256_BYTES * 2 + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), mac.data(), mac.size());
  return hex.data();
}

std::string SignatureHeader(std::string_view secret, std::int64_t unix_seconds, std::string_view body) {
  const std::string t = std::to_string(unix_seconds);
  std::string message;
  message.reserve(t.size() + 1 + body.size());
  message.append(t).append(".").append(body);
  return "t=" + t + ",v1=" + HmacSha256Hex(secret, message);
}

bool VerifySignatureHeader(std::string_view header, std::string_view secret, std::string_view body) {
  if (!header.starts_with("t=")) return false;
  const auto comma = header.find(",v1=");
  if (comma == std::string_view::npos) return false;
  const std::string_view t = header.substr(2, comma - 2);
  const std::string_view given = header.substr(comma + 4);
  if (t.empty() || t.find_first_not_of("0123456789") != std::string_view::npos) return false;
  std::string message(t);
  message.append(".").append(body);
  const std::string expected = HmacSha256Hex(secret, message);
  if (given.size() != expected.size()) return false;
  return sodium_memcmp(given.data(), expected.data(), expected.size()) == 0;
}

}  // namespace switchboard::commands::webhooks
