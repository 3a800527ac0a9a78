// Time and identity sources of the write side, injected so that decide stays pure and tests
// can fix them. SystemClock and RandomIds are thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace switchboard::commands {

using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override;
};

// A UUIDv7 (time-ordered, random tail) in lowercase canonical form.
std::string NewUuid();
// A UUID derived from a seed (same seed, same id): how a retried create finds its first id.
std::string UuidFromSeed(std::string_view seed);
// True for the canonical 36-character form with hex digits.
bool IsUuid(std::string_view text);

// A new random secret: prefix + 43 url-safe base64 characters (256 bits).
std::string NewSecret(std::string_view prefix);
// Lowercase hex SHA-256: how secrets are stored and looked up.
std::string Sha256Hex(std::string_view data);

}  // namespace switchboard::commands
