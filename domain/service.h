// Service: one offering of a tenant (name, price, duration), as listed in its configuration.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "domain/rejection.h"
#include "domain/result.h"

namespace switchboard::domain {

struct Service {
  std::string name;
  std::int64_t price_cents = 0;
  int duration_minutes = 60;
  friend bool operator==(const Service&, const Service&) = default;
};

inline constexpr std::size_t kMaxServices = 100;
inline constexpr std::size_t kMaxServiceNameChars = 100;

// Names trimmed, 1..100 characters and unique ignoring ASCII case; price >= 0; duration 5..1440;
// at most kMaxServices. Returns the services with trimmed names; the rejection names `field`.
Result<std::vector<Service>, Rejection> NormalizeServices(const std::vector<Service>& services,
                                                          std::string_view field = "services");

}  // namespace switchboard::domain
